#!/usr/bin/env bash
# A gst-launch participant in a conference room with browsers: publishes a
# test pattern and a tone as MEMBER_ID, and plays the room. gst-launch can
# link only the first member's video (shown, or decoded into fakesink
# without a display); the embed-stream example handles every member.
# Browsers join with conference.html?room=ROOM&streamId=NAME (the
# server prints its URL).
#
#   examples/conference.sh [ROOM] [MEMBER_ID]
set -euo pipefail
source "$(dirname "$0")/common.sh"
room=${1:-room1}
member=${2:-gst-$$}
sink="autovideosink"
[[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]] || sink="fakesink"
echo "joining room $room as $member on $SERVER"
gst-launch-1.0 amsrtcsink name=sink server="$SERVER" room="$room" stream-id="$member" \
  videotestsrc is-live=true pattern=ball ! video/x-raw,width=640,height=360,framerate=30/1 ! sink.video_0 \
  audiotestsrc is-live=true wave=ticks ! sink.audio_0 \
  amsrtcsrc name=src server="$SERVER" room="$room" stream-id="$member" \
  src. ! queue ! videoconvert ! $sink
