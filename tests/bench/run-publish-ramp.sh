#!/usr/bin/env bash
# Chrome's bandwidth ramp publishing to amsrtc-server (publish_ramp.mjs):
# how often its estimate is slow to grow, over many fresh publishes.
#
#   bash tests/bench/run-publish-ramp.sh            # 40 runs (~9 min)
#   bash tests/bench/run-publish-ramp.sh --runs 10
#   bash tests/bench/run-publish-ramp.sh --runs 30 --no-player   # publish.html alone
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=40
player=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --no-player) player=--no-player; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
bash scripts/setup.sh --browser >/dev/null
if [[ ! -f build/build.ninja ]]; then meson setup build >/dev/null; fi
meson compile -C build >/dev/null
(cd examples/web && npm ci --no-audit --no-fund --loglevel=error)
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
exec unshare -n sh -c 'ip link set lo up && exec node "$@"' sh tests/bench/publish_ramp.mjs "$runs" $player
