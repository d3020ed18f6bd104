#!/usr/bin/env bash
# test/openstack/up.sh - bring up a minimal, real OpenStack compute cloud on
# 127.0.0.1 only, from Debian bookworm packages, with Nova's fake virt driver,
# for cloud-orchestrator's integration tests.
#
#   Keystone 22 (Zed)   uwsgi        127.0.0.1:5000
#   Placement 8         uwsgi        127.0.0.1:8778
#   Glance 25           eventlet     127.0.0.1:9292   file store
#   Neutron 21 (API)    uwsgi        127.0.0.1:9696   ML2 without agents; 0 networks
#                                                     (servers boot with no NIC) unless
#                                                     OS_CI_NETWORK=1 (see below)
#   Nova 26             eventlet     127.0.0.1:8774   + conductor, scheduler,
#                                                     compute (compute_driver=fake.FakeDriver)
#   RabbitMQ 3.10       erlang       127.0.0.1:5672   (+ epmd 127.0.0.1:4369, dist 127.0.0.1:25672)
#   PostgreSQL 15                    unix socket only (no TCP listener)
#
# Idempotent: if a previous up.sh completed, every PID it recorded is alive,
# it was started with the same settings and status.sh passes, it says so and
# exits 0 (about a second).  Otherwise it stops what a previous up.sh started
# (down.sh, by recorded PIDs), empties $OS_CI_STATE and boots from scratch.
# Concurrent callers are serialised with flock on the state directory.
#
# Only the library packages (python3-nova, ...) are installed, not the Debian
# service packages, so no debconf / dbconfig-common prompts and no init
# scripts are involved.  Every daemon is started here with setsid and its PID
# (= process group id) is written to $OS_CI_STATE/pids.
#
# Env knobs:
#   OS_CI_STATE           state dir: configs, logs, DBs, pids (default /tmp/openstack-ci)
#   OS_CI_PASSWORD        password of admin, demo and the service users (default secret)
#   OS_CI_NOVA_MAX_LIMIT  nova.conf [api] max_limit: the largest page Nova returns for
#                         collections (servers, flavors, ...) (default 1000 = Nova's own)
#   OS_CI_NETWORK         0 (default): Neutron has no networks, servers boot with no NIC.
#                         1: one shared flat network + subnet (DB records only: no agent,
#                         no interface, no DHCP); ports "bound" by the ML2 driver `test`
#                         from python3-neutron's unit tests, so servers get a fixed IP.
#   OS_CI_CANARY=0        skip the readiness test-boot of one server
#   OS_CI_SKIP_INSTALL=1  never touch apt (fail later if something is missing)
#   OS_CI_DB              postgres (default) | sqlite (one-at-a-time use only: a burst of
#                         creates hits "database is locked" in nova-conductor)
#   OS_CI_KEEP_ON_FAIL=1  leave daemons running if up.sh fails (for debugging)
#
# Hermetic variant (nothing can leave the host; install outside first):
#   unshare -n bash -c 'ip link set lo up; OS_CI_SKIP_INSTALL=1 test/openstack/up.sh && <tests>'

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STATE=${OS_CI_STATE:-/tmp/openstack-ci}
STATE=${STATE%/}
PW=${OS_CI_PASSWORD:-secret}
NOVA_MAX_LIMIT=${OS_CI_NOVA_MAX_LIMIT:-1000}
PY=/usr/bin/python3          # Debian's python (pyenv's python3 may be first in PATH)
IP=127.0.0.1
RABBIT_URL="rabbit://guest:guest@$IP:5672/"
KS_URL="http://$IP:5000"
DBMODE=${OS_CI_DB:-postgres}
NETMODE=${OS_CI_NETWORK:-0}   # 1 = one shared Neutron network, ports bound by neutron's *test* ML2 driver
if [ "$NETMODE" = 1 ]; then
  MECH="test"; COMPUTE_HOST=host-ovs-filter-active   # the host name that driver binds ports for
else
  MECH=; COMPUTE_HOST=fake-compute-1
fi
export OS_CI_STATE=$STATE
# loopback traffic must never go through an HTTP proxy from the environment
export no_proxy="127.0.0.1,localhost${no_proxy:+,$no_proxy}" NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
case "$STATE" in
  /|/tmp|/var|/var/tmp|/root|/home|/usr|/etc|"") echo "refusing OS_CI_STATE=$STATE (it gets emptied)"; exit 2;;
esac
case "$NOVA_MAX_LIMIT" in
  ''|*[!0-9]*|0) echo "OS_CI_NOVA_MAX_LIMIT must be a positive integer (got '$NOVA_MAX_LIMIT')"; exit 2;;
esac
case "$DBMODE" in postgres|sqlite) ;; *) echo "OS_CI_DB must be postgres or sqlite"; exit 2;; esac
case "$NETMODE" in 0|1) ;; *) echo "OS_CI_NETWORK must be 0 or 1"; exit 2;; esac

T0=$EPOCHREALTIME
elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
log() { echo "[up $(elapsed "$T0")s] $*"; }

# The settings of this boot, recorded in $STATE/config.  A running stack is
# reused only if it matches every knob that is SET in the environment; an
# unset knob accepts whatever is running (so a bare `up.sh` does not restart a
# stack that was started with OS_CI_NOVA_MAX_LIMIT=5).  A fresh boot uses the
# defaults for unset knobs.
PW_SUM=$(printf '%s' "$PW" | sha256sum | cut -c1-16)
CONFIG="db=$DBMODE network=$NETMODE password_sha256=$PW_SUM nova_max_limit=$NOVA_MAX_LIMIT"
WANT=""
[ -n "${OS_CI_DB+x}" ] && WANT="$WANT db=$DBMODE"
[ -n "${OS_CI_NETWORK+x}" ] && WANT="$WANT network=$NETMODE"
[ -n "${OS_CI_PASSWORD+x}" ] && WANT="$WANT password_sha256=$PW_SUM"
[ -n "${OS_CI_NOVA_MAX_LIMIT+x}" ] && WANT="$WANT nova_max_limit=$NOVA_MAX_LIMIT"
config_mismatch() {  # prints the wanted settings the running stack lacks
  local have w out=""
  have=" $(cat "$STATE/config" 2>/dev/null) "
  for w in $WANT; do case "$have" in *" $w "*) ;; *) out="$out $w";; esac; done
  echo "${out# }"
}

# ---------------------------------------------------------------- 0. lock, reuse or stop old
mkdir -p "$STATE"
if [ "${OS_CI_LOCKED:-}" != "$STATE" ]; then
  exec 9< "$STATE"                     # flock on the directory itself: nothing left outside it
  if ! flock -n 9; then
    log "another up.sh/down.sh is working on $STATE; waiting for it"
    flock -w 1200 9 || { echo "[up] gave up waiting for the lock on $STATE"; exit 1; }
  fi
  export OS_CI_LOCKED=$STATE           # down.sh called from here must not wait for our own lock
fi

pids_alive() {
  [ -s "$STATE/pids" ] || return 1
  local pid name
  while read -r pid name; do kill -0 "$pid" 2>/dev/null || return 1; done < "$STATE/pids"
}
if [ -f "$STATE/pids" ]; then
  why=""
  if [ ! -f "$STATE/ready" ]; then why="previous up.sh did not finish"
  elif ! pids_alive; then why="some recorded processes are gone"
  elif [ -n "$(config_mismatch)" ]; then
    why="settings differ: running [$(cat "$STATE/config" 2>/dev/null)], wanted [$(config_mismatch)]"
  elif ! "$HERE/status.sh"; then why="status check failed"   # (it reads the password from $STATE/env)
  fi
  if [ -z "$why" ]; then
    log "already up and healthy ($(cat "$STATE/config"); state $STATE): nothing to do"
    exit 0
  fi
  log "restarting: $why"
  "$HERE/down.sh" || true
fi

# nothing of ours runs now; a listener on one of our ports is someone else's
busy=""
for p in 5000 8778 9292 9696 8774 5672 4369 25672; do
  if (exec 3<>"/dev/tcp/$IP/$p") 2>/dev/null; then busy="$busy $p"; fi
done
if [ -n "$busy" ]; then
  echo "[up] port(s)$busy on $IP already in use by processes up.sh did not start (not touching them)"
  exit 1
fi

# empty the state dir (not the dir itself: it carries the lock)
find "$STATE" -mindepth 1 -maxdepth 1 -exec rm -rf {} +
mkdir -p "$STATE/log"

# ---------------------------------------------------------------- 1. packages
PKGS="python3-nova python3-keystone python3-glance python3-placement python3-neutron
      rabbitmq-server uwsgi-core uwsgi-plugin-python3 curl"
if [ "$DBMODE" = postgres ]; then PKGS="$PKGS postgresql python3-psycopg2"; fi
APTLOG=$STATE/log/apt.log
with_heartbeat() {  # label cmd... : run cmd, print a progress line every 15 s
  local label=$1; shift
  "$@" &
  local pid=$! i=0
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1; i=$((i + 1))
    [ $((i % 15)) = 0 ] && log "$label ... (${i}s)"
  done
  wait "$pid"
}
apt_update() { apt-get update -q < /dev/null >> "$APTLOG" 2>&1; }
apt_install() {
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    $missing < /dev/null >> "$APTLOG" 2>&1
}
T_INST0=$EPOCHREALTIME
INSTALLED=0
if [ "${OS_CI_SKIP_INSTALL:-0}" != 1 ]; then
  missing=""
  for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
  if [ -n "$missing" ]; then
    [ "$(id -u)" = 0 ] || { echo "[up] missing packages:$missing; run as root (or install them first)"; exit 1; }
    log "installing:$missing (a bare machine takes ~2 min; log $APTLOG)"
    # no service may be started by a maintainer script (there is no init system anyway);
    # a policy-rc.d we create is removed again afterwards
    POLICY_CREATED=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; POLICY_CREATED=1
    fi
    # apt-get update only if a package has no candidate (no or stale package lists) ...
    need_update=0
    for p in $missing; do
      cand=$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ { print $2 }')
      case "$cand" in ''|'(none)') need_update=1;; esac
    done
    rc=0
    if [ $need_update = 1 ]; then
      log "package lists lack some packages: apt-get update"
      with_heartbeat "apt-get update" apt_update || rc=$?
    fi
    [ $rc = 0 ] && { with_heartbeat "apt-get install" apt_install || rc=$?; }
    # ... or if the install failed with the lists we had (e.g. 404 on a moved file)
    if [ $rc != 0 ] && [ $need_update = 0 ]; then
      log "install failed with the current package lists: apt-get update and retry"
      rc=0
      with_heartbeat "apt-get update" apt_update || rc=$?
      [ $rc = 0 ] && { with_heartbeat "apt-get install" apt_install || rc=$?; }
    fi
    [ $POLICY_CREATED = 1 ] && rm -f /usr/sbin/policy-rc.d
    if [ $rc != 0 ]; then tail -30 "$APTLOG"; echo "[up] FAILED: apt-get (log $APTLOG)"; exit 1; fi
    INSTALLED=1
  fi
fi
T_INST=$(elapsed "$T_INST0")
if [ $INSTALLED = 1 ]; then log "packages installed in ${T_INST}s"; else log "packages already installed"; fi

# ---------------------------------------------------------------- 2. layout
T_BOOT0=$EPOCHREALTIME
# on any failure from here on: say where the logs are, stop what was started
trap 'rc=$?; if [ $rc -ne 0 ]; then echo "[up] FAILED (rc=$rc); logs: $STATE/log";
  if [ "${OS_CI_KEEP_ON_FAIL:-0}" != 1 ]; then "$HERE/down.sh" > /dev/null 2>&1 || true; fi; fi' EXIT
mkdir -p "$STATE"/{etc/keystone,etc/placement,etc/glance,etc/neutron,etc/nova,etc/rabbitmq} \
         "$STATE"/{log,db,bin,lock,keystone/fernet-keys,keystone/credential-keys,glance/images,glance/staging} \
         "$STATE"/{nova/instances,neutron,rabbitmq/mnesia,rabbitmq/home}
: > "$STATE/pids"
# database URL for one service database
dburl() {
  if [ "$DBMODE" = sqlite ]; then
    echo "sqlite:///$STATE/db/$1.sqlite?timeout=60"
  else
    echo "postgresql+psycopg2://openstack@/$1?host=$STATE/pgsock"
  fi
}
DBS="keystone placement glance neutron nova_api nova_cell0 nova_cell1"

# common [keystone_authtoken] section for a service user
authtoken() {  # $1 = service user name
  cat <<EOF
[keystone_authtoken]
www_authenticate_uri = $KS_URL
auth_url = $KS_URL
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $1
password = $PW
region_name = RegionOne
interface = public
EOF
}
# keystoneauth section for nova's clients of other services
ksa() {  # $1 = section name
  cat <<EOF
[$1]
auth_type = password
auth_url = $KS_URL
project_domain_name = Default
user_domain_name = Default
project_name = service
username = nova
password = $PW
region_name = RegionOne
valid_interfaces = public
EOF
}

# ---------------------------------------------------------------- 3. configs
# --- keystone
cat > "$STATE/etc/keystone/keystone.conf" <<EOF
[DEFAULT]
debug = false
[database]
connection = $(dburl keystone)
sqlite_synchronous = false
[token]
provider = fernet
expiration = 86400
[fernet_tokens]
key_repository = $STATE/keystone/fernet-keys
[fernet_receipts]
key_repository = $STATE/keystone/fernet-keys
[credential]
key_repository = $STATE/keystone/credential-keys
[cache]
# without a cache keystone runs ~300 SQL queries per request (~200 ms); the
# in-process dogpile memory backend makes it ~8 ms.  It is per process, so
# keystone runs as ONE uwsgi worker (no stale cache across workers).
enabled = true
backend = dogpile.cache.memory
[identity]
# bcrypt's minimum cost: user creation / password auth get ~100x cheaper (CI only!)
password_hash_rounds = 4
EOF

# --- placement
cat > "$STATE/etc/placement/placement.conf" <<EOF
[DEFAULT]
debug = false
[api]
auth_strategy = keystone
[placement_database]
connection = $(dburl placement)
sqlite_synchronous = false
$(authtoken placement)
EOF

# --- glance
cat > "$STATE/etc/glance/glance-api.conf" <<EOF
[DEFAULT]
debug = false
bind_host = $IP
bind_port = 9292
workers = 0
node_staging_uri = file://$STATE/glance/staging
image_cache_dir = $STATE/glance/cache
[database]
connection = $(dburl glance)
sqlite_synchronous = false
[paste_deploy]
flavor = keystone
config_file = $STATE/etc/glance/glance-api-paste.ini
[glance_store]
stores = file
default_store = file
filesystem_store_datadir = $STATE/glance/images/
[oslo_concurrency]
lock_path = $STATE/lock
$(authtoken glance)
EOF
cat > "$STATE/etc/glance/glance-api-paste.ini" <<'EOF'
[pipeline:glance-api-keystone]
pipeline = cors healthcheck http_proxy_to_wsgi versionnegotiation osprofiler authtoken context rootapp
[composite:rootapp]
paste.composite_factory = glance.api:root_app_factory
/: apiversions
/v2: apiv2app
[app:apiversions]
paste.app_factory = glance.api.versions:create_resource
[app:apiv2app]
paste.app_factory = glance.api.v2.router:API.factory
[filter:healthcheck]
paste.filter_factory = oslo_middleware:Healthcheck.factory
backends = disable_by_file
disable_by_file_path = /nonexistent/glance/healthcheck_disable
[filter:versionnegotiation]
paste.filter_factory = glance.api.middleware.version_negotiation:VersionNegotiationFilter.factory
[filter:context]
paste.filter_factory = glance.api.middleware.context:ContextMiddleware.factory
[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory
delay_auth_decision = true
[filter:osprofiler]
paste.filter_factory = osprofiler.web:WsgiMiddleware.factory
[filter:cors]
paste.filter_factory = oslo_middleware.cors:filter_factory
oslo_config_project = glance
oslo_config_program = glance-api
[filter:http_proxy_to_wsgi]
paste.filter_factory = oslo_middleware:HTTPProxyToWSGI.factory
EOF

# --- neutron (API only, ML2 with no mechanism drivers, no agents)
cat > "$STATE/etc/neutron/neutron.conf" <<EOF
[DEFAULT]
debug = false
core_plugin = ml2
service_plugins =
auth_strategy = keystone
api_paste_config = $STATE/etc/neutron/api-paste.ini
transport_url = $RABBIT_URL
state_path = $STATE/neutron
notify_nova_on_port_status_changes = false
notify_nova_on_port_data_changes = false
dhcp_agent_notification = false
[database]
connection = $(dburl neutron)
sqlite_synchronous = false
[quotas]
quota_port = -1
quota_network = -1
quota_subnet = -1
[oslo_concurrency]
lock_path = $STATE/lock
[oslo_messaging_notifications]
driver = noop
$(authtoken neutron)
EOF
cat > "$STATE/etc/neutron/ml2_conf.ini" <<EOF
[ml2]
type_drivers = flat,vlan
tenant_network_types =
mechanism_drivers = $MECH
extension_drivers =
[ml2_type_flat]
flat_networks = *
EOF
cat > "$STATE/etc/neutron/api-paste.ini" <<'EOF'
[composite:neutron]
use = egg:Paste#urlmap
/: neutronversions_composite
/v2.0: neutronapi_v2_0
[composite:neutronapi_v2_0]
use = call:neutron.auth:pipeline_factory
keystone = cors http_proxy_to_wsgi request_id catch_errors authtoken keystonecontext extensions neutronapiapp_v2_0
[composite:neutronversions_composite]
use = call:neutron.auth:pipeline_factory
keystone = cors http_proxy_to_wsgi neutronversions
[filter:request_id]
paste.filter_factory = oslo_middleware:RequestId.factory
[filter:catch_errors]
paste.filter_factory = oslo_middleware:CatchErrors.factory
[filter:cors]
paste.filter_factory = oslo_middleware.cors:filter_factory
oslo_config_project = neutron
[filter:http_proxy_to_wsgi]
paste.filter_factory = oslo_middleware.http_proxy_to_wsgi:HTTPProxyToWSGI.factory
[filter:keystonecontext]
paste.filter_factory = neutron.auth:NeutronKeystoneContext.factory
[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory
[filter:extensions]
paste.filter_factory = neutron.api.extensions:plugin_aware_extension_middleware_factory
[app:neutronversions]
paste.app_factory = neutron.pecan_wsgi.app:versions_factory
[app:neutronapiapp_v2_0]
paste.app_factory = neutron.api.v2.router:APIRouter.factory
EOF

# --- nova: nova-compute.conf (no DB access, as nova-compute must not have it)
#     and nova.conf = the same + DB sections, for api/conductor/scheduler/manage
cat > "$STATE/etc/nova/nova-compute.conf" <<EOF
[DEFAULT]
debug = false
host = $COMPUTE_HOST
my_ip = $IP
compute_driver = fake.FakeDriver
periodic_fuzzy_delay = 0
transport_url = $RABBIT_URL
state_path = $STATE/nova
instances_path = $STATE/nova/instances
enabled_apis = osapi_compute
osapi_compute_listen = $IP
osapi_compute_listen_port = 8774
osapi_compute_workers = 1
metadata_listen = $IP
heal_instance_info_cache_interval = -1
use_rootwrap_daemon = false
allow_resize_to_same_host = true
[api]
auth_strategy = keystone
# page size of collection listings (GET /servers, /servers/detail, /flavors, ...):
# a request's ?limit= is capped at this, a full page carries a "next" link
max_limit = $NOVA_MAX_LIMIT
[wsgi]
api_paste_config = $STATE/etc/nova/api-paste.ini
[conductor]
workers = 1
[scheduler]
workers = 1
discover_hosts_in_cells_interval = 2
[quota]
instances = -1
cores = -1
ram = -1
[oslo_concurrency]
lock_path = $STATE/lock
[oslo_messaging_notifications]
driver = noop
[vnc]
enabled = false
[spice]
enabled = false
$(authtoken nova)
$(ksa placement)
$(ksa glance)
$(ksa neutron)
EOF
{ cat "$STATE/etc/nova/nova-compute.conf"; cat <<EOF
[api_database]
connection = $(dburl nova_api)
sqlite_synchronous = false
[database]
connection = $(dburl nova_cell1)
sqlite_synchronous = false
EOF
} > "$STATE/etc/nova/nova.conf"
cat > "$STATE/etc/nova/api-paste.ini" <<'EOF'
[composite:osapi_compute]
use = call:nova.api.openstack.urlmap:urlmap_factory
/: oscomputeversions
/v2: oscomputeversion_legacy_v2
/v2.1: oscomputeversion_v2
/v2/+: openstack_compute_api_v21_legacy_v2_compatible
/v2.1/+: openstack_compute_api_v21
[composite:openstack_compute_api_v21]
use = call:nova.api.auth:pipeline_factory_v21
keystone = cors http_proxy_to_wsgi compute_req_id faultwrap request_log sizelimit osprofiler authtoken keystonecontext osapi_compute_app_v21
[composite:openstack_compute_api_v21_legacy_v2_compatible]
use = call:nova.api.auth:pipeline_factory_v21
keystone = cors http_proxy_to_wsgi compute_req_id faultwrap request_log sizelimit osprofiler authtoken keystonecontext legacy_v2_compatible osapi_compute_app_v21
[filter:request_log]
paste.filter_factory = nova.api.openstack.requestlog:RequestLog.factory
[filter:compute_req_id]
paste.filter_factory = nova.api.compute_req_id:ComputeReqIdMiddleware.factory
[filter:faultwrap]
paste.filter_factory = nova.api.openstack:FaultWrapper.factory
[filter:osprofiler]
paste.filter_factory = nova.profiler:WsgiMiddleware.factory
[filter:sizelimit]
paste.filter_factory = oslo_middleware:RequestBodySizeLimiter.factory
[filter:http_proxy_to_wsgi]
paste.filter_factory = oslo_middleware.http_proxy_to_wsgi:HTTPProxyToWSGI.factory
[filter:legacy_v2_compatible]
paste.filter_factory = nova.api.openstack:LegacyV2CompatibleWrapper.factory
[app:osapi_compute_app_v21]
paste.app_factory = nova.api.openstack.compute:APIRouterV21.factory
[pipeline:oscomputeversions]
pipeline = cors faultwrap request_log http_proxy_to_wsgi oscomputeversionapp
[pipeline:oscomputeversion_v2]
pipeline = cors compute_req_id faultwrap request_log http_proxy_to_wsgi oscomputeversionapp_v2
[pipeline:oscomputeversion_legacy_v2]
pipeline = cors compute_req_id faultwrap request_log http_proxy_to_wsgi legacy_v2_compatible oscomputeversionapp_v2
[app:oscomputeversionapp]
paste.app_factory = nova.api.openstack.compute.versions:Versions.factory
[app:oscomputeversionapp_v2]
paste.app_factory = nova.api.openstack.compute.versions:VersionsV2.factory
[filter:cors]
paste.filter_factory = oslo_middleware.cors:filter_factory
oslo_config_project = nova
[filter:keystonecontext]
paste.filter_factory = nova.api.auth:NovaKeystoneContext.factory
[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory
EOF

# --- rabbitmq: loopback only, no plugins
cat > "$STATE/etc/rabbitmq/rabbitmq.conf" <<EOF
listeners.tcp.default = $IP:5672
loopback_users.guest = true
log.console = true
log.file = false
EOF
echo '[].' > "$STATE/etc/rabbitmq/enabled_plugins"

# --- launchers (console-script equivalents; Debian's python3-* packages ship none)
mk() {  # name module:function
  cat > "$STATE/bin/$1" <<EOF
#!$PY
import sys
from ${2%%:*} import ${2##*:} as _main
sys.argv[0] = "$1"
sys.exit(_main())
EOF
  chmod +x "$STATE/bin/$1"
}
mk keystone-manage keystone.cmd.manage:main
mk placement-manage placement.cmd.manage:main
mk glance-manage glance.cmd.manage:main
mk glance-api glance.cmd.api:main
mk neutron-db-manage neutron.db.migration.cli:main
mk nova-manage nova.cmd.manage:main
mk nova-api nova.cmd.api:main
mk nova-conductor nova.cmd.conductor:main
mk nova-scheduler nova.cmd.scheduler:main
mk nova-compute nova.cmd.compute:main
cat > "$STATE/bin/neutron-api.wsgi" <<'EOF'
from neutron.cmd.eventlet.server import main_api_eventlet
application = main_api_eventlet()
EOF

# ---------------------------------------------------------------- helpers
declare -A PID
start() {  # name cmd... : own session/process group; pid == pgid
  local name=$1; shift
  setsid "$@" > "$STATE/log/$name.log" 2>&1 < /dev/null 9<&- &   # 9 = our lock: daemons must not hold it
  PID[$name]=$!
  echo "$! $name" >> "$STATE/pids"
}
alive() { [ -z "${1:-}" ] || kill -0 "${PID[$1]}" 2>/dev/null; }
# uwsgi: N single-threaded worker processes.  (Multi-threaded workers + SQLite
# = "SQLite objects created in a thread can only be used in that same thread"
# on connection cleanup, leaving a lock behind -> "database is locked".)
# With SQLite, one process per service, so that service never races itself.
if [ "$DBMODE" = sqlite ]; then WSGI_PROCS=1; else WSGI_PROCS=2; fi
uwsgi_start() {  # name port processes wsgi-file env...
  local name=$1 port=$2 procs=$3 wsgi=$4; shift 4
  local envargs=()
  for e in "$@"; do envargs+=(--env "$e"); done
  start "$name" uwsgi --plugin python3 --http-socket "$IP:$port" --wsgi-file "$wsgi" \
    --master --processes "$procs" --threads 1 --enable-threads --lazy-apps --die-on-term \
    --no-orphans --need-app --buffer-size 65535 --add-header "Connection: close" \
    --procname-prefix-spaced "$name" "${envargs[@]}" ${UWSGI_EXTRA:-}
}
wait_port() {  # port timeout [service-name: give up early if it died]
  local i
  for i in $(seq 1 $(($2 * 5))); do
    (exec 3<>"/dev/tcp/$IP/$1") 2>/dev/null && return 0
    alive "${3:-}" || { echo "$3 exited"; return 1; }
    sleep 0.2
  done
  echo "port $1 did not open"; return 1
}
wait_http() {  # url timeout [service-name] : any HTTP answer
  local i code
  for i in $(seq 1 $(($2 * 5))); do
    code=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "$1" || true)
    [ "$code" != "000" ] && return 0
    alive "${3:-}" || { echo "$3 exited"; return 1; }
    sleep 0.2
  done
  echo "$1 did not answer"; return 1
}
die_log() { echo "FAILED: $1"; tail -40 "$STATE/log/$2.log" 2>/dev/null; exit 1; }

# ---------------------------------------------------------------- 4. rabbitmq
log "starting epmd + rabbitmq"
start epmd epmd -address $IP -port 4369
export ERL_EPMD_ADDRESS=$IP
start rabbitmq env HOME="$STATE/rabbitmq/home" \
  RABBITMQ_NODENAME=rabbit@localhost RABBITMQ_NODE_IP_ADDRESS=$IP RABBITMQ_NODE_PORT=5672 \
  RABBITMQ_DIST_PORT=25672 ERL_EPMD_ADDRESS=$IP \
  RABBITMQ_CONFIG_FILE="$STATE/etc/rabbitmq/rabbitmq.conf" \
  RABBITMQ_ENABLED_PLUGINS_FILE="$STATE/etc/rabbitmq/enabled_plugins" \
  RABBITMQ_MNESIA_BASE="$STATE/rabbitmq/mnesia" RABBITMQ_LOG_BASE="$STATE/log" \
  RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
  /usr/lib/rabbitmq/bin/rabbitmq-server

# ---------------------------------------------------------------- 5. databases
if [ "$DBMODE" = postgres ]; then
  log "starting postgresql (unix socket $STATE/pgsock only)"
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  mkdir -p "$STATE/pg" "$STATE/pgsock"; chown postgres:postgres "$STATE/pg" "$STATE/pgsock"
  asPG() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
  asPG "$PGBIN/initdb" -D "$STATE/pg" -A trust -U postgres --no-sync -E UTF8 --locale=C.UTF-8 \
    > "$STATE/log/initdb.log" 2>&1 || die_log initdb initdb
  start postgres setpriv --reuid=postgres --regid=postgres --init-groups \
    "$PGBIN/postgres" -D "$STATE/pg" -k "$STATE/pgsock" -c listen_addresses= \
    -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400
  for i in $(seq 1 150); do
    "$PGBIN/pg_isready" -q -h "$STATE/pgsock" && break
    alive postgres || die_log postgres postgres; sleep 0.2
  done
  psql -q -h "$STATE/pgsock" -U postgres -c "create role openstack login superuser" > /dev/null
  for d in $DBS; do psql -q -h "$STATE/pgsock" -U postgres -c "create database $d owner openstack" > /dev/null; done
fi

log "db sync (keystone | placement+glance+neutron | nova) in parallel"
B=$STATE/bin
(
  $B/keystone-manage --config-file $STATE/etc/keystone/keystone.conf db_sync
  $B/keystone-manage --config-file $STATE/etc/keystone/keystone.conf fernet_setup --keystone-user root --keystone-group root
  $B/keystone-manage --config-file $STATE/etc/keystone/keystone.conf credential_setup --keystone-user root --keystone-group root
  $B/keystone-manage --config-file $STATE/etc/keystone/keystone.conf bootstrap \
    --bootstrap-password "$PW" --bootstrap-username admin --bootstrap-project-name admin \
    --bootstrap-role-name admin --bootstrap-service-name keystone --bootstrap-region-id RegionOne \
    --bootstrap-admin-url $KS_URL/v3/ --bootstrap-internal-url $KS_URL/v3/ --bootstrap-public-url $KS_URL/v3/
) > "$STATE/log/keystone-manage.log" 2>&1 &
P_KS=$!
(
  $B/placement-manage --config-file $STATE/etc/placement/placement.conf db sync
  $B/glance-manage --config-file $STATE/etc/glance/glance-api.conf db_sync
  NDM="$B/neutron-db-manage --config-file $STATE/etc/neutron/neutron.conf --config-file $STATE/etc/neutron/ml2_conf.ini"
  if [ "$DBMODE" = sqlite ]; then
    # neutron's alembic migrations do not run on SQLite (ALTER of constraints);
    # build the HEAD schema from the models (as neutron's unit tests do) and stamp it.
    $PY -c "import sqlalchemy as sa; from neutron.db.migration.models import head; \
head.get_metadata().create_all(sa.create_engine('sqlite:///$STATE/db/neutron.sqlite'))"
    $NDM stamp heads
  else
    $NDM upgrade heads
  fi
) > "$STATE/log/dbsync-pgn.log" 2>&1 &
P_PGN=$!
(
  N="$B/nova-manage --config-file $STATE/etc/nova/nova.conf"
  $N api_db sync
  $N cell_v2 map_cell0 --database_connection "$(dburl nova_cell0)"
  $N cell_v2 create_cell --name cell1 --verbose
  $N db sync
) > "$STATE/log/nova-manage.log" 2>&1 &
P_NOVA=$!
wal() {  # SQLite WAL mode is persistent in the file: concurrent readers + 1 writer
  [ "$DBMODE" = sqlite ] || return 0
  for f in "$@"; do $PY -c "import sqlite3,sys; sqlite3.connect(sys.argv[1]).execute('pragma journal_mode=wal')" "$STATE/db/$f.sqlite"; done
}
wait $P_KS || die_log "keystone db/bootstrap" keystone-manage
wal keystone
log "keystone db ready; starting keystone"
uwsgi_start keystone 5000 1 /usr/bin/keystone-wsgi-public "OS_KEYSTONE_CONFIG_FILES=$STATE/etc/keystone/keystone.conf"
wait $P_PGN || die_log "placement/glance/neutron db sync" dbsync-pgn
wal placement glance neutron
log "placement/glance/neutron db ready"
uwsgi_start placement 8778 $WSGI_PROCS /usr/bin/placement-api "OS_PLACEMENT_CONFIG_DIR=$STATE/etc/placement"
start glance-api $B/glance-api --config-file $STATE/etc/glance/glance-api.conf
wait $P_NOVA || die_log "nova db sync" nova-manage
wal nova_api nova_cell0 nova_cell1
log "nova dbs ready"

# ---------------------------------------------------------------- 6. keystone entities
wait_http $KS_URL/v3 120 keystone || die_log keystone keystone
log "keystone answers; creating projects/users/services/endpoints"
cat > "$STATE/bin/ks-setup.py" <<'EOF'
import os, sys
from keystoneauth1.identity import v3
from keystoneauth1 import session
KS = os.environ['KS_URL']; PW = os.environ['PW']; IP = os.environ['IP']
s = session.Session(auth=v3.Password(auth_url=KS + '/v3', username='admin', password=PW,
    project_name='admin', user_domain_id='default', project_domain_id='default'))
def get(path, key, **q):
    return s.get(KS + '/v3' + path, params=q).json()[key]
def ensure(path, key, body, **q):
    found = get(path, key, **q)
    if found: return found[0]['id']
    return s.post(KS + '/v3' + path, json={key[:-1]: body}).json()[key[:-1]]['id']
role = {r: ensure('/roles', 'roles', {'name': r}, name=r) for r in ('admin', 'member', 'reader', 'service')}
svc_proj = ensure('/projects', 'projects', {'name': 'service', 'domain_id': 'default'}, name='service')
demo_proj = ensure('/projects', 'projects', {'name': 'demo', 'domain_id': 'default'}, name='demo')
def user(name, proj, roles):
    uid = ensure('/users', 'users', {'name': name, 'password': PW, 'domain_id': 'default',
                                     'default_project_id': proj}, name=name)
    for r in roles:
        s.put(KS + '/v3/projects/%s/users/%s/roles/%s' % (proj, uid, role[r]))
for u in ('nova', 'placement', 'glance', 'neutron'):
    user(u, svc_proj, ['admin', 'service'])
user('demo', demo_proj, ['member', 'reader'])
for stype, name, url in (('compute', 'nova', 'http://%s:8774/v2.1' % IP),
                         ('placement', 'placement', 'http://%s:8778' % IP),
                         ('image', 'glance', 'http://%s:9292' % IP),
                         ('network', 'neutron', 'http://%s:9696' % IP)):
    sid = ensure('/services', 'services', {'type': stype, 'name': name}, type=stype)
    for iface in ('public', 'internal', 'admin'):
        ensure('/endpoints', 'endpoints', {'service_id': sid, 'interface': iface, 'url': url,
               'region_id': 'RegionOne'}, service_id=sid, interface=iface)
print('keystone entities ok')
EOF
KS_URL=$KS_URL PW=$PW IP=$IP $PY "$STATE/bin/ks-setup.py" > "$STATE/log/ks-setup.log" 2>&1 || die_log ks-setup ks-setup
log "keystone entities ok"

# ---------------------------------------------------------------- 7. services
# OS_CI_NETWORK=1: neutron's unit-test ML2 driver asserts things that only
# hold inside its unit tests; python -O (uwsgi --optimize) strips the asserts.
if [ "$NETMODE" = 1 ]; then UWSGI_EXTRA="--optimize 1"; fi
uwsgi_start neutron-api 9696 $WSGI_PROCS "$STATE/bin/neutron-api.wsgi" \
  "OS_NEUTRON_CONFIG_DIR=$STATE/etc/neutron" "OS_NEUTRON_CONFIG_FILES=neutron.conf;ml2_conf.ini"
wait_port 5672 120 rabbitmq || die_log rabbitmq rabbitmq
log "rabbitmq up; starting nova services"
NC="--config-file $STATE/etc/nova/nova.conf"
start nova-conductor $B/nova-conductor $NC
start nova-scheduler $B/nova-scheduler $NC
start nova-api $B/nova-api $NC
start nova-compute $B/nova-compute --config-file $STATE/etc/nova/nova-compute.conf

for p in 8778:placement 9292:glance-api 9696:neutron-api 8774:nova-api; do
  wait_http "http://$IP:${p%%:*}/" 180 "${p##*:}" || die_log "${p##*:}" "${p##*:}"
done
log "all HTTP APIs answer"

# ---------------------------------------------------------------- 8. flavor, image, compute host
cat > "$STATE/bin/post-setup.py" <<'EOF'
import os, sys, time
from keystoneauth1.identity import v3
from keystoneauth1 import session
KS = os.environ['KS_URL']; PW = os.environ['PW']; IP = os.environ['IP']
s = session.Session(auth=v3.Password(auth_url=KS + '/v3', username='admin', password=PW,
    project_name='admin', user_domain_id='default', project_domain_id='default'))
NOVA = 'http://%s:8774/v2.1' % IP; GLANCE = 'http://%s:9292' % IP
for fid, name, ram, vcpus, disk in (('1', 'm1.tiny', 512, 1, 1), ('2', 'm1.small', 2048, 1, 20)):
    r = s.get(NOVA + '/flavors/' + fid, raise_exc=False)
    if r.status_code == 404:
        s.post(NOVA + '/flavors', json={'flavor': {'id': fid, 'name': name, 'ram': ram,
               'vcpus': vcpus, 'disk': disk}})
if os.environ.get('NETMODE') == '1':
    NEUTRON = 'http://%s:9696/v2.0' % IP
    if not s.get(NEUTRON + '/networks', params={'name': 'shared-net'}).json()['networks']:
        net = s.post(NEUTRON + '/networks', json={'network': {'name': 'shared-net', 'shared': True,
            'provider:network_type': 'flat', 'provider:physical_network': 'physnet1'}}).json()['network']
        # pure bookkeeping: no agent, no interface, no DHCP; addresses only exist in the DB
        s.post(NEUTRON + '/subnets', json={'subnet': {'network_id': net['id'], 'ip_version': 4,
            'cidr': '10.99.0.0/24', 'enable_dhcp': False, 'name': 'shared-subnet'}})
imgs = s.get(GLANCE + '/v2/images', params={'name': 'cirros-fake'}).json()['images']
if not imgs:
    img = s.post(GLANCE + '/v2/images', json={'name': 'cirros-fake', 'disk_format': 'raw',
                 'container_format': 'bare', 'visibility': 'public'}).json()
    s.put(GLANCE + '/v2/images/%s/file' % img['id'], data=b'fake image bytes\n',
          headers={'Content-Type': 'application/octet-stream'})
# wait for the compute host to be up, mapped to cell1 and visible as a hypervisor
t0 = time.time()
while True:
    hv = s.get(NOVA + '/os-hypervisors', raise_exc=False)
    svcs = s.get(NOVA + '/os-services', params={'binary': 'nova-compute'}).json()['services']
    up = [x for x in svcs if x['state'] == 'up']
    if hv.status_code == 200 and hv.json()['hypervisors'] and up:
        break
    if time.time() - t0 > 180:
        sys.exit('compute host never became ready: %s %s' % (hv.text, svcs))
    time.sleep(0.5)
print('flavors/images ok; compute host up after %.1fs' % (time.time() - t0))
if os.environ.get('CANARY', '1') == '1':
    # readiness proof: one server must reach ACTIVE (this also waits for the
    # scheduler's periodic host discovery to map the compute host to cell1)
    img = s.get(GLANCE + '/v2/images', params={'name': 'cirros-fake'}).json()['images'][0]['id']
    t1 = time.time()
    while True:
        sid = s.post(NOVA + '/servers', json={'server': {'name': 'canary', 'imageRef': img,
                     'flavorRef': '1'}}).json()['server']['id']
        while True:
            sv = s.get(NOVA + '/servers/' + sid).json()['server']
            if sv['status'] in ('ACTIVE', 'ERROR'):
                break
            time.sleep(0.2)
        s.delete(NOVA + '/servers/' + sid)
        if sv['status'] == 'ACTIVE':
            break
        print('canary went to ERROR (%s), retrying' % sv.get('fault', {}).get('message'))
        if time.time() - t1 > 120:
            sys.exit('canary never became ACTIVE')
        time.sleep(2)
    print('canary server ACTIVE after %.1fs' % (time.time() - t1))
    while s.get(NOVA + '/servers/' + sid, raise_exc=False).status_code != 404:
        time.sleep(0.2)
EOF
log "creating flavors and image; waiting for the compute host"
NETMODE=$NETMODE CANARY=${OS_CI_CANARY:-1} KS_URL=$KS_URL PW=$PW IP=$IP $PY -u "$STATE/bin/post-setup.py" 2>&1 \
  | tee "$STATE/log/post-setup.log" | while IFS= read -r l; do log "$l"; done \
  || die_log post-setup post-setup

# credentials for clients
cat > "$STATE/openrc" <<EOF
export OS_AUTH_URL=$KS_URL/v3 OS_IDENTITY_API_VERSION=3 OS_REGION_NAME=RegionOne
export OS_USERNAME=demo OS_PASSWORD=$(printf %q "$PW") OS_PROJECT_NAME=demo
export OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default
EOF
sed -e 's/OS_USERNAME=demo/OS_USERNAME=admin/' -e 's/OS_PROJECT_NAME=demo/OS_PROJECT_NAME=admin/' \
  "$STATE/openrc" > "$STATE/openrc.admin"

# dotenv-style settings for the test suite (the same values as openrc)
cat > "$STATE/env" <<EOF
OS_AUTH_URL=$KS_URL/v3
OS_AUTH_URL_BASE=$KS_URL
OS_REGION_NAME=RegionOne
OS_USERNAME=demo
OS_PASSWORD=$PW
OS_PROJECT_NAME=demo
OS_USER_DOMAIN_NAME=Default
OS_PROJECT_DOMAIN_NAME=Default
OS_CI_FLAVORS=m1.tiny:1,m1.small:2
OS_CI_IMAGE=cirros-fake
OS_CI_NOVA_MAX_LIMIT=$NOVA_MAX_LIMIT
EOF

T_BOOT=$(elapsed "$T_BOOT0")
echo "install_s=$T_INST boot_s=$T_BOOT installed_now=$INSTALLED" > "$STATE/timings"
echo "$CONFIG" > "$STATE/config"
date -u +%FT%TZ > "$STATE/ready"
log "READY in ${T_BOOT}s (package step ${T_INST}s); nova max_limit=$NOVA_MAX_LIMIT; auth $KS_URL/v3 demo/demo; PIDs $STATE/pids, logs $STATE/log, settings $STATE/env"
