#!/usr/bin/env bash
# test/openstack/status.sh - exit 0 if the stack of up.sh is up and answering:
# Keystone issues a project-scoped token for demo/demo and Nova lists flavors
# with it.  Quiet unless -v.  Env: OS_CI_PASSWORD (default: the running
# stack's, from $OS_CI_STATE/env, else secret), OS_CI_STATE (default
# /tmp/openstack-ci).
set -u
V=0; [ "${1:-}" = -v ] && V=1
STATE=${OS_CI_STATE:-/tmp/openstack-ci}
if [ -n "${OS_CI_PASSWORD+x}" ]; then PW=$OS_CI_PASSWORD
else PW=$(sed -n 's/^OS_PASSWORD=//p' "$STATE/env" 2>/dev/null); PW=${PW:-secret}; fi
KS=http://127.0.0.1:5000/v3
NOVA=http://127.0.0.1:8774/v2.1
say() { [ $V = 1 ] && echo "[status] $*"; return 0; }
fail() { say "DOWN: $*${STATE:+ (logs: $STATE/log)}"; exit 1; }
command -v curl > /dev/null || fail "curl is not installed"

esc() { local s=${1//\\/\\\\}; s=${s//\"/\\\"}; printf '%s' "$s"; }   # JSON string escape
body='{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"demo","domain":{"id":"default"},"password":"'"$(esc "$PW")"'"}}},"scope":{"project":{"name":"demo","domain":{"id":"default"}}}}}'
hdrs=$(curl -s --noproxy '*' --max-time 15 -o /dev/null -D - -H 'Content-Type: application/json' \
  -d "$body" "$KS/auth/tokens" 2>/dev/null) || fail "keystone at $KS does not answer"
code=$(printf '%s\n' "$hdrs" | awk 'NR == 1 { print $2 }')
[ "$code" = 201 ] || fail "keystone token issue: HTTP ${code:-none}"
tok=$(printf '%s\n' "$hdrs" | tr -d '\r' | awk -F': ' 'tolower($1) == "x-subject-token" { print $2 }')
[ -n "$tok" ] || fail "keystone returned no X-Subject-Token"
say "keystone: token issued for demo/demo"

out=$(curl -s --noproxy '*' --max-time 15 -w '\n%{http_code}' -H "X-Auth-Token: $tok" "$NOVA/flavors" 2>/dev/null) \
  || fail "nova at $NOVA does not answer"
code=${out##*$'\n'}
[ "$code" = 200 ] || fail "nova GET /flavors: HTTP $code"
case "$out" in *'"m1.tiny"'*) ;; *) fail "nova lists no m1.tiny flavor" ;; esac
say "nova: flavors listed ($(printf '%s' "${out%$'\n'*}" | grep -o '"name": *"[^"]*"' | sed 's/"name": *//' | tr '\n' ' '))"
say "UP"
exit 0
