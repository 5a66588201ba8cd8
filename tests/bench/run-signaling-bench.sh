#!/usr/bin/env bash
# Signaling relay benchmark: amsrtc-server against the minimal Node `ws`
# relay (tests/bench/node_relay.mjs), same load, same run. Builds what it
# needs (build-release/, optimized) and runs inside a loopback-only network
# namespace. Extra arguments go to the benchmark program, e.g.
#
#   bash tests/bench/run-signaling-bench.sh --sockets 1000 --seconds 20 --idle 10000
set -euo pipefail
cd "$(dirname "$0")/../.."

bash scripts/setup.sh >/dev/null
if [[ ! -f build-release/build.ninja ]]; then
  meson setup build-release --buildtype=release -Dtests=disabled >/dev/null
fi
meson compile -C build-release signaling/server/amsrtc-server tests/bench/signaling-relay-bench >/dev/null
(cd tests/bench && npm ci --no-audit --no-fund --loglevel=error)

exec unshare -n sh -c 'ip link set lo up && exec "$@"' sh \
  build-release/tests/bench/signaling-relay-bench \
  --server build-release/signaling/server/amsrtc-server \
  --node-relay tests/bench/node_relay.mjs "$@"
