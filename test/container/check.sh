#!/usr/bin/env bash
# Builds the container image and checks it the way deploy/kubernetes runs it: lint, build (base
# image made locally when missing), image config, no dev dependencies, refusal to run open, then a
# container with the Deployment's env, ConfigMap, example Secret, user, memory limit, read-only root
# and no capabilities: probes, one API call, non-root, HEALTHCHECK, idle memory, SIGTERM drain.
# Needs the project's node_modules (npm ci). Ends with "N passed, N failed"; exits 1 on any failure.
# shellcheck disable=SC2317 # predicates and the trap handler run indirectly (check "$@", trap)
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
IMAGE=${IMAGE:-localhost/cloud-orchestrator:check}
BASE_IMAGE=docker.io/library/node:24-bookworm-slim
NAME=co-check-$$
# podman's default ulimits exceed what this sandbox allows (TOOLCHAIN-NOTES). Healthcheck timers
# need systemd: one-off runs go without, the service container runs its HEALTHCHECK on demand.
RUN=(podman --runtime runc run --ulimit nofile=20000:20000 --ulimit nproc=1024:1024)
WORK=$(mktemp -d /tmp/co-check.XXXXXX)
STARTED=()

passed=0
failed=0
pass() { passed=$((passed + 1)); printf 'ok    %s\n' "$1"; }
fail() { failed=$((failed + 1)); printf 'FAIL  %s\n' "$1"; [[ -n ${2:-} ]] && printf '      %s\n' "$2"; return 0; }
check() { local what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }
now_ms() { date +%s%3N; }
log() { printf '\n== %s\n' "$*"; }

cleanup() {
  local name
  for name in "${STARTED[@]}"; do podman rm -f -t 0 "$name" >/dev/null 2>&1; done
  rm -rf "$WORK"
}
trap cleanup EXIT

finish() {
  printf '\n%s passed, %s failed\n' "$passed" "$failed"
  ((failed == 0))
  exit $?
}

install_tools() {
  local need=() tool
  for tool in podman buildah runc debootstrap shellcheck iptables curl; do command -v "$tool" >/dev/null || need+=("$tool"); done
  [[ -x /usr/lib/cni/bridge ]] || need+=(containernetworking-plugins)
  ((${#need[@]} == 0)) && return 0
  echo "installing ${need[*]} with apt-get"
  apt-get update -q >/dev/null &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      podman buildah runc debootstrap uidmap shellcheck iptables curl containernetworking-plugins >/dev/null
}

# HTTP status of GET path on the container's published port (optional bearer key); body in $WORK/body.
http() {
  local path=$1 key=${2:-}
  local auth=()
  [[ -n $key ]] && auth=(-H "Authorization: Bearer $key")
  curl -s -m 5 -o "$WORK/body" -w '%{http_code}' "${auth[@]}" "http://127.0.0.1:$HOST_PORT$path" 2>/dev/null || true
}

free_port() {
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# kubelet's "working set" of the container's cgroup: usage minus inactive file cache (v1 or v2).
working_set_bytes() {
  local pid=$1 path usage inactive
  path=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ {print $3; exit}' "/proc/$pid/cgroup")
  if [[ -n $path && -r /sys/fs/cgroup/memory$path/memory.usage_in_bytes ]]; then
    usage=$(cat "/sys/fs/cgroup/memory$path/memory.usage_in_bytes")
    inactive=$(awk '$1=="total_inactive_file" {print $2}' "/sys/fs/cgroup/memory$path/memory.stat")
  else
    path=$(awk -F: '$1=="0" {print $3}' "/proc/$pid/cgroup")
    usage=$(cat "/sys/fs/cgroup$path/memory.current" 2>/dev/null || echo 0)
    inactive=$(awk '$1=="inactive_file" {print $2}' "/sys/fs/cgroup$path/memory.stat" 2>/dev/null)
  fi
  echo $((usage - ${inactive:-0}))
}

mib() { awk -v b="$1" 'BEGIN {printf "%.0f MiB", b / 1048576}'; }

log "tools"
install_tools || { fail "install podman, buildah and friends"; finish; }
[[ -d $ROOT/node_modules/yaml ]] || { fail "project dependencies present (run npm ci first)"; finish; }

log "lint"
LINT=$WORK/lint
mkdir -p "$LINT"
if npm install --prefix "$LINT" --ignore-scripts --no-audit --no-fund --no-save --silent dockerlinter@2 >"$LINT/install.log" 2>&1; then
  # dockerlinter's parser predates RUN --mount flags: lint the commands without them.
  sed -E 's/^RUN (--mount=[^ ]+ +)+/RUN /' "$ROOT/Dockerfile" >"$LINT/Dockerfile"
  check "Dockerfile lint (dockerlinter + shellcheck)" "$LINT/node_modules/.bin/dockerlinter" -f "$LINT/Dockerfile" -e info
else
  fail "install dockerlinter" "$(tail -3 "$LINT/install.log")"
fi
check "shellcheck test/container/*.sh" shellcheck "$ROOT"/test/container/*.sh

log "base image $BASE_IMAGE"
t0=$(now_ms)
if podman image exists "$BASE_IMAGE"; then BASE_CACHED=" (cached)"; else BASE_CACHED=""; fi
check "base image built or cached" bash "$ROOT/test/container/build-base.sh"
BASE_MS=$(($(now_ms) - t0))

log "image $IMAGE"
podman rmi "$IMAGE" >/dev/null 2>&1 # only this script's own tag, so reruns leave no dangling copy
build_args=()
npm_registry=$(npm config get registry 2>/dev/null || true)
[[ -n $npm_registry ]] && build_args+=(--build-arg "NPM_CONFIG_REGISTRY=$npm_registry")
for var in HTTP_PROXY HTTPS_PROXY NO_PROXY http_proxy https_proxy no_proxy; do
  [[ -n ${!var:-} ]] && build_args+=(--build-arg "$var=${!var}")
done
ca_bundle=${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}
[[ -s $ca_bundle ]] && build_args+=(--secret "id=npm_ca,src=$ca_bundle")
t0=$(now_ms)
if buildah build --isolation chroot --format docker --pull=never \
  --ulimit nofile=20000:20000 --ulimit nproc=1024:1024 \
  "${build_args[@]}" -t "$IMAGE" "$ROOT" >"$WORK/build.log" 2>&1; then
  pass "image builds"
else
  fail "image builds" "$(tail -15 "$WORK/build.log")"
  finish
fi
BUILD_MS=$(($(now_ms) - t0))
IMAGE_BYTES=$(podman image inspect --format '{{.Size}}' "$IMAGE")

log "image config"
inspect() { podman image inspect --format "$1" "$IMAGE"; }
ENV_LIST=$(inspect '{{range .Config.Env}}{{println .}}{{end}}')
numeric_non_root() { [[ $1 =~ ^[1-9][0-9]*(:[0-9]+)?$ ]]; }
check "runs as a numeric non-root user ($(inspect '{{.Config.User}}'))" numeric_non_root "$(inspect '{{.Config.User}}')"
check "HEALTHCHECK in the image config calls /health/live" \
  grep -q '/health/live' <<<"$(inspect '{{json .Config.Healthcheck}}')"
check "EXPOSE 3000" grep -q '3000/tcp' <<<"$(inspect '{{json .Config.ExposedPorts}}')"
node_major() { [[ $("${RUN[@]}" --rm --no-healthcheck --network none "$IMAGE" node --version) == v24.* ]]; }
check "runs Node 24 LTS ($("${RUN[@]}" --rm --no-healthcheck --network none "$IMAGE" node --version 2>&1))" node_major
runtime_env() { grep -qx NODE_ENV=production <<<"$ENV_LIST" && grep -qx HOST=0.0.0.0 <<<"$ENV_LIST" && grep -qx PORT=3000 <<<"$ENV_LIST"; }
no_build_env() { ! grep -qiE '^(npm_config_|node_extra_ca_certs|https?_proxy|no_proxy)' <<<"$ENV_LIST"; }
check "ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000" runtime_env
check "no build settings baked in (registry, proxy, CA)" no_build_env

# Dev-only packages: top-level devDependencies that the lockfile marks dev (typescript, for one, is
# also a production dependency of @nestjs/swagger).
read -ra DEV_ONLY <<<"$(node -e '
  const lock = require(process.argv[1] + "/package-lock.json");
  const dev = Object.keys(require(process.argv[1] + "/package.json").devDependencies || {});
  console.log(dev.filter((n) => (lock.packages["node_modules/" + n] || {}).dev).join(" "));' "$ROOT")"
check "no dev dependencies in the image (${#DEV_ONLY[@]} dev-only packages: ${DEV_ONLY[*]})" \
  "${RUN[@]}" --rm --no-healthcheck --network none "$IMAGE" node -e '
    const fs = require("fs");
    const present = process.argv.slice(1).filter((n) => fs.existsSync("/app/node_modules/" + n));
    const lock = JSON.parse(fs.readFileSync("/app/node_modules/.package-lock.json", "utf8"));
    const dev = Object.keys(lock.packages).filter((p) => lock.packages[p].dev);
    if (present.length || dev.length) { console.error("found:", present.concat(dev).join(", ")); process.exit(1); }
  ' "${DEV_ONLY[@]}"
check "no CA bundle, npmrc or secrets left in the image" \
  "${RUN[@]}" --rm --no-healthcheck --network none "$IMAGE" sh -c \
  'test ! -e /run/secrets/npm_ca && test ! -e /root/.npmrc && test ! -e /home/node/.npmrc && test ! -e /app/.npmrc && test ! -d /app/src'

log "secure default"
if out=$(timeout 60 "${RUN[@]}" --rm --no-healthcheck --network none "$IMAGE" 2>&1); then
  fail "refuses to listen on 0.0.0.0 without API keys" "it started and exited 0"
else
  check "refuses to listen on 0.0.0.0 without API keys" grep -q 'refusing to listen' <<<"$out"
fi

log "run as deploy/kubernetes describes"
if ! node "$ROOT/test/container/pod-spec.js" "$WORK/pod" >"$WORK/pod.vars" 2>"$WORK/pod.err"; then
  fail "read deploy/kubernetes" "$(cat "$WORK/pod.err")"
  finish
fi
while IFS='=' read -r key value; do printf -v "$key" '%s' "$value"; done <"$WORK/pod.vars"
HOST_PORT=$(free_port)
# The Deployment's emptyDir for the embedded store, owned by the pod's user.
mkdir -p "$WORK/pod/data" && chown "$RUN_USER" "$WORK/pod/data" && chmod 700 "$WORK/pod/data"
t0=$(now_ms)
STARTED+=("$NAME")
if ! "${RUN[@]}" -d --name "$NAME" --health-interval disable --user "$RUN_USER" \
  --read-only --read-only-tmpfs=false --cap-drop ALL --security-opt no-new-privileges \
  --memory "$MEMORY_LIMIT" --env-file "$WORK/pod/pod.env" \
  -v "$WORK/pod/config:$CONFIG_MOUNT:ro" -v "$WORK/pod/data:/app/data" -p "127.0.0.1:$HOST_PORT:$CONTAINER_PORT" \
  "$IMAGE" >"$WORK/run.log" 2>&1; then
  fail "container starts" "$(tail -5 "$WORK/run.log")"
  finish
fi
READY_MS=""
for _ in $(seq 1 300); do
  if [[ $(http "$READY_PATH") == 200 ]]; then READY_MS=$(($(now_ms) - t0)); break; fi
  [[ $(podman inspect --format '{{.State.Running}}' "$NAME" 2>/dev/null) == true ]] || break
  sleep 0.1
done
if [[ -z $READY_MS ]]; then
  fail "ready within 30 s" "$(podman logs --tail 10 "$NAME" 2>&1)"
  finish
fi
pass "ready after $READY_MS ms (the app: $(podman logs "$NAME" 2>&1 | grep -o 'listening on [^ ]*.* after [0-9]* ms' | grep -o '[0-9]* ms$'))"
check "GET $LIVE_PATH: 200" test "$(http "$LIVE_PATH")" = 200
check "GET $READY_PATH: 200" test "$(http "$READY_PATH")" = 200
check "GET /api/v1/clouds without a key: 401" test "$(http /api/v1/clouds)" = 401
status=$(http /api/v1/clouds "$API_KEY")
check "GET /api/v1/clouds with the key: 200, lists the default dummy cloud" \
  node -e 'const b = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8"));
    process.exit(process.argv[1] === "200" && b.items.some((c) => c.name === "default" && c.engine === "dummy" && c.default) ? 0 : 1)' \
  "$status" "$WORK/body"
status=$(http /api/v1/clouds/default/nodes "$API_KEY")
check "GET /api/v1/clouds/default/nodes: 200 with nodes" \
  node -e 'const b = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8"));
    process.exit(process.argv[1] === "200" && Array.isArray(b.items) && b.items.length > 0 ? 0 : 1)' \
  "$status" "$WORK/body"
PID=$(podman inspect --format '{{.State.Pid}}' "$NAME")
UIDS=$(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$PID/status")
APP_UID=${RUN_USER%%:*}
check "the process runs as uid $APP_UID, not root (real, effective, saved, fs: $UIDS)" \
  test "$UIDS" = "$APP_UID $APP_UID $APP_UID $APP_UID" -a "$APP_UID" != 0
# As root inside the container, so only a read-only mount can refuse; /tmp too (no tmpfs given).
read_only_fs() {
  local f
  for f in /app/x /etc/x /tmp/x; do
    [[ $(podman exec --user 0 "$NAME" touch "$f" 2>&1) == *'Read-only file system'* ]] || return 1
  done
}
check "the root filesystem is read-only, /tmp included, and the app still serves" read_only_fs
check "the image's HEALTHCHECK passes (podman healthcheck run)" podman healthcheck run "$NAME"

sleep 3 # idle: after boot and the calls above
RSS_KB=$(awk '/^VmRSS:/ {print $2}' "/proc/$PID/status")
WS_BYTES=$(working_set_bytes "$PID")
check "idle working set $(mib "$WS_BYTES") is under the memory request $(mib "$MEMORY_REQUEST")" test "$WS_BYTES" -lt "$MEMORY_REQUEST"
check "idle RSS $(mib $((RSS_KB * 1024))) is under the memory request" test $((RSS_KB * 1024)) -lt "$MEMORY_REQUEST"

# SIGTERM: readiness turns 503 at once while the pod keeps serving, then a clean exit in the grace period.
t0=$(now_ms)
podman kill --signal TERM "$NAME" >/dev/null
sleep 0.5
draining() { [[ $(http "$READY_PATH") == 503 && $(http "$LIVE_PATH") == 200 ]]; }
check "after SIGTERM: readiness 503 while still live" draining
exit_code=$(timeout "$GRACE_SECONDS" podman wait "$NAME" 2>/dev/null || echo timeout)
STOP_MS=$(($(now_ms) - t0))
clean_exit() { [[ $exit_code == 0 ]] && ((STOP_MS >= SHUTDOWN_DELAY_MS && STOP_MS < GRACE_SECONDS * 1000)); }
check "exits 0 after draining, in ${STOP_MS} ms (delay ${SHUTDOWN_DELAY_MS} ms, grace ${GRACE_SECONDS} s)" \
  clean_exit
no_key_in_logs() { local logs; logs=$(podman logs "$NAME" 2>&1) && [[ -n $logs && $logs != *"$API_KEY"* ]]; }
check "the logs never show the API key" no_key_in_logs
podman rm -f -t 0 "$NAME" >/dev/null 2>&1

printf '\n== timings and sizes\n'
printf 'base image:      %s ms%s\n' "$BASE_MS" "$BASE_CACHED"
printf 'image build:     %s ms\n' "$BUILD_MS"
printf 'start to ready:  %s ms\n' "$READY_MS"
printf 'image size:      %s (base %s)\n' "$(mib "$IMAGE_BYTES")" "$(mib "$(podman image inspect --format '{{.Size}}' "$BASE_IMAGE")")"
printf 'idle memory:     working set %s, RSS %s (request %s, limit %s)\n' \
  "$(mib "$WS_BYTES")" "$(mib $((RSS_KB * 1024)))" "$(mib "$MEMORY_REQUEST")" "$(mib "$MEMORY_LIMIT")"
finish
