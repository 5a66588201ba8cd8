#!/usr/bin/env bash
# A P2P call between two GStreamer pipelines through amsrtc-server: both
# join the same stream id; each shows (or, without a display, counts) the
# other's video. Ctrl-C ends it.
#
#   examples/p2p-call.sh                          starts its own server
#   SERVER=ws://host:5080/WebRTCAppEE/websocket examples/p2p-call.sh
#   STREAM_ID=call7 VIDEO_CODEC=vp8 examples/p2p-call.sh
set -euo pipefail
source "$(dirname "$0")/common.sh"
stream_id=${STREAM_ID:-call1}
codec=${VIDEO_CODEC:-h264}
sink="autovideosink"
[[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]] || sink="fakesink sync=true"
echo "calling on $SERVER as $stream_id ($codec)"

peer() {  # peer PATTERN: one side of the call
  gst-launch-1.0 amsrtcpeer name=p server="$SERVER" stream-id="$stream_id" \
    local-addresses=127.0.0.1 video-codec="$codec" \
    videotestsrc is-live=true pattern="$1" ! video/x-raw,width=640,height=360,framerate=30/1 ! p.video_0 \
    audiotestsrc is-live=true wave=ticks ! p.audio_0 \
    p. ! queue ! videoconvert ! $sink
}
peer ball &
peer smpte
