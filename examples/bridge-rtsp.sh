#!/usr/bin/env bash
# Bridges an RTSP camera into a conference room: its H.264 is passed through
# (never transcoded), keyframe requests from the room reach the camera's
# stream as force-key-unit events. Members with browsers see it in
# conference.html.
#
#   examples/bridge-rtsp.sh rtsp://camera/stream [ROOM] [MEMBER_ID]
#   SERVER=ws://host:5080/WebRTCAppEE/websocket examples/bridge-rtsp.sh rtsp://... room1 lobby-cam
set -euo pipefail
if [[ $# -lt 1 ]]; then
  echo "usage: $0 rtsp://camera/stream [room] [member id]" >&2
  exit 2
fi
source "$(dirname "$0")/common.sh"
url=$1
room=${2:-room1}
member=${3:-camera}
echo "bridging $url into room $room as $member on $SERVER"
gst-launch-1.0 amsrtcsink name=sink server="$SERVER" room="$room" stream-id="$member" \
  rtspsrc location="$url" latency=0 ! rtph264depay ! sink.video_0
