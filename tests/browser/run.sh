#!/bin/sh
# Browser tests: the real Ant Media SDK pages (examples/web) in headless Chromium against
# amsrtc-server, inside a loopback-only network namespace (needs root, or an unprivileged user
# namespace: unshare -n).
#
#   sh tests/browser/run.sh                       # from anywhere
#   AMSRTC_SERVER=/path/to/amsrtc-server sh tests/browser/run.sh
#   AMSRTC_PAGE_LOG=1 AMSRTC_SERVER_LOG=1 ...     # copy page consoles / server stderr to the output
#   BROWSER_JUNIT=out.xml sh tests/browser/run.sh  # also write a JUnit report (scripts/test.sh does)
#
# Exits non-zero when a test fails.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

# npm ci when a lock file exists (exact, reproducible), npm install otherwise.
npm_deps() {
  if [ -f "$1/package-lock.json" ]; then
    (cd "$1" && npm ci --no-audit --no-fund --loglevel=error)
  else
    (cd "$1" && npm install --no-audit --no-fund --loglevel=error)
  fi
}
npm_deps "$root/examples/web"
npm_deps "$here"

cd "$root"
reporters="--test-reporter=spec --test-reporter-destination=stdout"
if [ -n "${BROWSER_JUNIT:-}" ]; then
  reporters="$reporters --test-reporter=junit --test-reporter-destination=$BROWSER_JUNIT"
fi
exec unshare -n sh -c "ip link set lo up && exec node --test $reporters tests/browser/"
