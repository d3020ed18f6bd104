#!/usr/bin/env bash
# Run before `npm test`: the Swagger UI test drives a real headless Chromium (Debian's package).
# Installs it when missing and we are root on Debian (as on CI); otherwise says what to do.
set -u
browser=${CHROMIUM_PATH:-/usr/bin/chromium}
[ -x "$browser" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "pretest: installing Debian's chromium for the Swagger UI browser test (once)..."
  { apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1 \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; }; } \
    && exit 0
  echo "pretest: could not install chromium" >&2
  exit 1
fi
echo "pretest: the browser test needs Chromium: install Debian's 'chromium' package, or set CHROMIUM_PATH to a Chromium binary" >&2
exit 1
