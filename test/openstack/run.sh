#!/usr/bin/env bash
# test/openstack/run.sh - the OpenStack integration suite (test/openstack/*.int-spec.ts) against the
# loopback stack of up.sh. Starts the stack (with Nova pages of 5, so paging is exercised) only if
# status.sh says none is running, and then stops it again afterwards; a stack that was already up
# is left as it was. Exit code: the suite's (or up.sh's, if the stack would not start).
#   bash test/openstack/run.sh [jest args...]
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
# Loopback traffic must never go through a proxy from the environment (pkgcloud's `request` honours it).
export no_proxy="127.0.0.1,localhost${no_proxy:+,$no_proxy}" NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"

started=0
if bash test/openstack/status.sh; then
  echo "[run] using the OpenStack that is already up"
else
  echo "[run] no OpenStack answering: starting one (OS_CI_NOVA_MAX_LIMIT=5)"
  OS_CI_NOVA_MAX_LIMIT=5 bash test/openstack/up.sh || { rc=$?; echo "[run] up.sh failed ($rc)"; exit $rc; }
  started=1
fi

npx jest -c test/openstack/jest.config.js "$@"
rc=$?

if [ $started = 1 ]; then
  echo "[run] stopping the OpenStack this run started"
  bash test/openstack/down.sh || echo "[run] down.sh failed; the suite's result stands"
fi
exit $rc
