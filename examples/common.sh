# Sourced by the example scripts: builds amsrtc, points GStreamer at the
# plugin of this build, and sets SERVER to a running amsrtc-server's
# signaling URL: the one given in $SERVER, or one started here on a free
# port (stopped when the script exits).
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ -f build/build.ninja ]] || meson setup build >/dev/null
meson compile -C build >/dev/null
export GST_PLUGIN_PATH=$PWD/build/gst/plugin

if [[ -z "${SERVER:-}" ]]; then
  server_out=$(mktemp)
  build/signaling/server/amsrtc-server --port 0 >"$server_out" &
  trap 'kill $(jobs -p) 2>/dev/null; rm -f "$server_out"' EXIT
  until [[ -s "$server_out" ]]; do sleep 0.1; done
  SERVER="$(cut -d' ' -f2 "$server_out" | head -n 1)/WebRTCAppEE/websocket"
fi
