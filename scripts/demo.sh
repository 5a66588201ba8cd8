#!/usr/bin/env bash
# The demo command: sets up a fresh Debian 12 machine, builds amsrtc, shows
# the protocol library on the real SDK's wire traffic, then runs
# amsrtc-server with the example pages (the real Ant Media JavaScript SDK),
# publishes a live test pattern with amsrtcsink, plays it back with
# amsrtcsrc into a short MP4 (and onto the screen when there is one), and
# prints the play.html URL for the same stream, until Ctrl-C.
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

echo "== 4/4 amsrtc-server with the example pages; publish with amsrtcsink, play back with amsrtcsrc"
port=${DEMO_PORT:-5080}
out=$(mktemp)
build/signaling/server/amsrtc-server --port "$port" --web-root examples/web >"$out" &
server=$!
pipeline=
trap 'kill -INT $(jobs -p) 2>/dev/null; kill -INT $pipeline 2>/dev/null; kill -TERM $server 2>/dev/null; wait $server 2>/dev/null; rm -f "$out"; echo; echo "demo stopped"' EXIT
for _ in $(seq 50); do [[ -s "$out" ]] && break; kill -0 $server 2>/dev/null || break; sleep 0.1; done
if [[ ! -s "$out" ]]; then
  # the port is taken: let the kernel choose one
  build/signaling/server/amsrtc-server --port 0 --web-root examples/web >"$out" &
  server=$!
  for _ in $(seq 50); do [[ -s "$out" ]] && break; sleep 0.1; done
fi
url=$(head -n 1 "$out" | cut -d' ' -f2)
http=${url/ws:/http:}

# Publish a live test pattern with amsrtcsink as stream "demo".
GST_PLUGIN_PATH=$PWD/build/gst/plugin gst-launch-1.0 -q amsrtcsink name=k \
  server="$url/WebRTCAppEE/websocket" stream-id=demo \
  videotestsrc is-live=true pattern=ball ! video/x-raw,width=1280,height=720,framerate=30/1 ! k.video_0 \
  audiotestsrc is-live=true wave=ticks ! k.audio_0 &
pipeline=$!
echo "   publishing a test pattern as stream 'demo' (amsrtcsink)"
# Play it back with amsrtcsrc: 8 s of H.264 into an MP4, as published
# (decode=false: no transcoding); -e finishes the file on the interrupt.
mp4=$PWD/demo.mp4
GST_PLUGIN_PATH=$PWD/build/gst/plugin gst-launch-1.0 -q -e amsrtcsrc name=s \
  server="$url/WebRTCAppEE/websocket" stream-id=demo decode=false \
  s.video_demo ! queue ! h264parse ! mp4mux ! filesink location="$mp4" &
recorder=$!
echo "   recording 8 s of it back with amsrtcsrc into $mp4 ..."
sleep 8
kill -INT $recorder 2>/dev/null || true
wait $recorder 2>/dev/null || true
echo "   recorded $(stat -c %s "$mp4" 2>/dev/null || echo 0) bytes into $mp4"
if [[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]]; then
  GST_PLUGIN_PATH=$PWD/build/gst/plugin gst-launch-1.0 -q amsrtcsrc server="$url/WebRTCAppEE/websocket" \
    stream-id=demo ! queue ! videoconvert ! autovideosink &
  echo "   and showing it on the screen (amsrtcsrc)"
fi
cat <<INFO

  amsrtc-server is $(head -n 1 "$out")
  Watch the same stream in a browser (the real Ant Media SDK):
    $http/play.html?streamId=demo
  Publish your camera from a browser: $http/publish.html ; a conference: $http/conference.html
  Any Ant Media SDK client can use the signaling URL $url/WebRTCAppEE/websocket
  Ctrl-C stops everything.

INFO
wait $server
