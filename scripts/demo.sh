#!/usr/bin/env bash
# The demo command: sets up a fresh Debian 12 machine, builds amsrtc, shows
# the protocol library on the real SDK's wire traffic, then runs
# amsrtc-server with the example pages (the real Ant Media JavaScript SDK)
# until Ctrl-C. The GStreamer elements join the demo as they land.
#
#   bash scripts/demo.sh            server on 127.0.0.1:5080 (another port if taken)
#   DEMO_PORT=8080 bash scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== 1/4 installing dependencies (Debian packages, npm)"
bash scripts/setup.sh
(cd examples/web && npm ci --no-audit --no-fund --loglevel=error)

echo "== 2/4 building"
if [[ ! -f build/build.ninja ]]; then meson setup build >/dev/null; fi
meson compile -C build examples/amsrtc-wire-decode signaling/server/amsrtc-server >/dev/null

echo "== 3/4 the protocol library on what the real AMS SDK 2.16.2 sent, and on bad input"
build/examples/amsrtc-wire-decode tests/fixtures/ams-sdk-2.16.2/*.txt | tail -n 1
printf '%s\n' \
  '{"command":"publish","streamId":"cam/1"}' \
  '{"command":"takeCandidate","streamId":"cam1","label":"zero","candidate":"c"}' \
  '{"command":"teleport","streamId":"cam1"}' |
  build/examples/amsrtc-wire-decode | grep reply

echo "== 4/4 amsrtc-server with the example pages (Ctrl-C stops it)"
port=${DEMO_PORT:-5080}
out=$(mktemp)
build/signaling/server/amsrtc-server --port "$port" --web-root examples/web >"$out" &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null; rm -f "$out"; echo; echo "demo stopped"' EXIT
for _ in $(seq 50); do [[ -s "$out" ]] && break; kill -0 $server 2>/dev/null || break; sleep 0.1; done
if [[ ! -s "$out" ]]; then
  # the port is taken: let the kernel choose one
  build/signaling/server/amsrtc-server --port 0 --web-root examples/web >"$out" &
  server=$!
  for _ in $(seq 50); do [[ -s "$out" ]] && break; sleep 0.1; done
fi
url=$(head -n 1 "$out" | cut -d' ' -f2)
http=${url/ws:/http:}
cat <<INFO

  amsrtc-server is $(head -n 1 "$out")
  P2P call with the real Ant Media SDK: open this page in two browser tabs and press Join in both:
    $http/peer.html?streamId=call1
  Any Ant Media SDK client can use the signaling URL $url/WebRTCAppEE/websocket

INFO
wait $server
