#!/usr/bin/env bash
# A mesh room of three GStreamer pipelines through amsrtc-server: each
# member sends a test pattern and receives the other two (pads named after
# their stream ids; here they go to fakesinks, watch them with -v). Ctrl-C
# ends it.
#
#   examples/mesh-room.sh                         starts its own server
#   SERVER=ws://host:5080/WebRTCAppEE/websocket ROOM=team examples/mesh-room.sh
set -euo pipefail
source "$(dirname "$0")/common.sh"
room=${ROOM:-team}
echo "room $room on $SERVER"

member() {  # member NAME PATTERN
  gst-launch-1.0 -m amsrtcpeer name=p server="$SERVER" room="$room" stream-id="$1" \
    local-addresses=127.0.0.1 \
    videotestsrc is-live=true pattern="$2" ! video/x-raw,width=320,height=240,framerate=30/1 ! p.video_0 \
    audiotestsrc is-live=true ! p.audio_0 2>&1 | grep --line-buffered amsrtc/ | sed "s/^/[$1] /"
}
member alice ball &
member bob smpte &
member carol snow
