#!/usr/bin/env bash
# test/openstack/down.sh - stop exactly what up.sh started: the PIDs listed in
# $OS_CI_STATE/pids (default /tmp/openstack-ci/pids).  Each was started with
# setsid, so its PID is also its process-group id; the whole group (uwsgi
# master + workers, oslo.service parent + worker, erlang helpers) gets the
# signal.  Two phases: the OpenStack services first, then the infrastructure
# they use (postgres, rabbitmq, epmd).  SIGKILL after a 15 s grace period.
# Nothing is ever killed by name.
#
#   down.sh           stop; keep $OS_CI_STATE (logs, configs) for post-mortems
#   down.sh --purge   stop and delete $OS_CI_STATE as well
set -u
STATE=${OS_CI_STATE:-/tmp/openstack-ci}
STATE=${STATE%/}
case "$STATE" in
  /|/tmp|/var|/var/tmp|/root|/home|/usr|/etc|"") echo "refusing OS_CI_STATE=$STATE"; exit 2;;
esac
PURGE=0
[ "${1:-}" = --purge ] && PURGE=1
PIDS=$STATE/pids

[ -d "$STATE" ] || { echo "[down] no $STATE, nothing to stop"; exit 0; }
# serialise with up.sh (it holds the same lock while it works, and sets
# OS_CI_LOCKED when it calls us itself)
if [ "${OS_CI_LOCKED:-}" != "$STATE" ]; then
  exec 9< "$STATE"
  flock -w 1200 9 || { echo "[down] could not get the lock on $STATE"; exit 1; }
fi

alive() { kill -0 -- "-$1" 2>/dev/null || kill -0 "$1" 2>/dev/null; }
stop_set() {  # lines "pid name" ...
  local l pid name sig any
  for l in "$@"; do
    pid=${l%% *}; name=${l#* }
    if alive "$pid"; then
      sig=TERM; [ "$name" = postgres ] && sig=INT   # postgres: SIGINT = fast shutdown
      echo "[down] $sig $name (pgid $pid)"
      kill -$sig -- "-$pid" 2>/dev/null || kill -$sig "$pid" 2>/dev/null
    fi
  done
  for _ in $(seq 1 75); do
    any=0
    for l in "$@"; do alive "${l%% *}" && any=1; done
    [ $any = 0 ] && return 0
    sleep 0.2
  done
  for l in "$@"; do
    pid=${l%% *}; name=${l#* }
    if alive "$pid"; then
      echo "[down] KILL $name (pgid $pid)"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
    fi
  done
}

if [ -f "$PIDS" ]; then
  svc=(); infra=()
  while read -r l; do
    [ -n "$l" ] || continue
    case "${l#* }" in postgres|rabbitmq|epmd) infra+=("$l");; *) svc+=("$l");; esac
  done < <(tac "$PIDS")
  [ ${#svc[@]} -gt 0 ] && stop_set "${svc[@]}"
  [ ${#infra[@]} -gt 0 ] && stop_set "${infra[@]}"
  mv "$PIDS" "$PIDS.stopped"
  rm -f "$STATE/ready"
  echo "[down] stopped"
else
  echo "[down] no $PIDS, nothing to stop"
fi
if [ $PURGE = 1 ]; then
  rm -rf "$STATE"
  echo "[down] removed $STATE"
fi
exit 0
