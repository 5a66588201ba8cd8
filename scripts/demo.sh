#!/usr/bin/env bash
# The demo command: sets up a fresh Debian 12 machine, builds amsrtc, shows
# the protocol library on the real SDK's wire traffic, then runs
# amsrtc-server with the example pages (the real Ant Media JavaScript SDK)
# and a GStreamer pipeline (amsrtcpeer) waiting in a P2P call that the
# browser page joins, until Ctrl-C.
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
meson compile -C build >/dev/null

echo "== 3/4 the protocol library on what the real AMS SDK 2.16.2 sent, and on bad input"
build/examples/amsrtc-wire-decode tests/fixtures/ams-sdk-2.16.2/*.txt | tail -n 1
printf '%s\n' \
  '{"command":"publish","streamId":"cam/1"}' \
  '{"command":"takeCandidate","streamId":"cam1","label":"zero","candidate":"c"}' \
  '{"command":"teleport","streamId":"cam1"}' |
  build/examples/amsrtc-wire-decode | grep reply

echo "== 4/4 amsrtc-server with the example pages, and a pipeline in a call (Ctrl-C stops both)"
port=${DEMO_PORT:-5080}
out=$(mktemp)
build/signaling/server/amsrtc-server --port "$port" --web-root examples/web >"$out" &
server=$!
pipeline=
trap 'kill -INT $pipeline 2>/dev/null; kill -TERM $server 2>/dev/null; wait $server 2>/dev/null; rm -f "$out"; echo; echo "demo stopped"' EXIT
for _ in $(seq 50); do [[ -s "$out" ]] && break; kill -0 $server 2>/dev/null || break; sleep 0.1; done
if [[ ! -s "$out" ]]; then
  # the port is taken: let the kernel choose one
  build/signaling/server/amsrtc-server --port 0 --web-root examples/web >"$out" &
  server=$!
  for _ in $(seq 50); do [[ -s "$out" ]] && break; sleep 0.1; done
fi
url=$(head -n 1 "$out" | cut -d' ' -f2)
http=${url/ws:/http:}

# The pipeline: a test pattern and a tone into amsrtcpeer, the caller's video
# shown in a window (or, without a display, decoded into fakesink).
sink="queue ! videoconvert ! autovideosink"
[[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]] || sink="fakesink"
GST_PLUGIN_PATH=$PWD/build/gst/plugin gst-launch-1.0 -q amsrtcpeer name=p \
  server="$url/WebRTCAppEE/websocket" stream-id=demo local-addresses=127.0.0.1 \
  videotestsrc is-live=true pattern=ball ! video/x-raw,width=1280,height=720,framerate=30/1 ! p.video_0 \
  audiotestsrc is-live=true wave=ticks ! p.audio_0 \
  p. ! $sink &
pipeline=$!
cat <<INFO

  amsrtc-server is $(head -n 1 "$out")
  A GStreamer pipeline (amsrtcpeer) waits in the P2P call "demo". Call it from a browser with the
  real Ant Media SDK: open this page and press Join; you see its bouncing ball, it gets your camera:
    $http/peer.html?streamId=demo
  Two browser tabs can also call each other: $http/peer.html?streamId=call1
  Any Ant Media SDK client can use the signaling URL $url/WebRTCAppEE/websocket

INFO
wait $server
