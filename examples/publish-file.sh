#!/usr/bin/env bash
# Publishes an MP4 file as a stream through amsrtcsink, in real time: its
# H.264 video is passed through (parsed and payloaded, never re-encoded), its
# audio decoded and encoded to Opus (WebRTC has no AAC). Without a file it
# first writes a 10 s sample MP4. Watch it in play.html or with play-to-file.sh.
#
#   examples/publish-file.sh [FILE.mp4]           starts its own server
#   SERVER=ws://host:5080/WebRTCAppEE/websocket STREAM_ID=movie examples/publish-file.sh movie.mp4
set -euo pipefail
source "$(dirname "$0")/common.sh"
file=${1:-}
stream_id=${STREAM_ID:-file1}
if [[ -z "$file" ]]; then
  file=$(mktemp --suffix=.mp4)
  echo "no file given: writing a 10 s sample to $file"
  gst-launch-1.0 -q -e videotestsrc num-buffers=300 pattern=smpte \
    ! video/x-raw,width=1280,height=720,framerate=30/1 \
    ! x264enc tune=zerolatency key-int-max=30 ! video/x-h264,profile=constrained-baseline \
    ! mp4mux name=mux ! filesink location="$file" \
    audiotestsrc num-buffers=470 ! audioconvert ! avenc_aac ! mux.
fi
echo "publishing $file as $stream_id on $SERVER"
# clocksync paces the file at its own speed; a file is not a live source.
gst-launch-1.0 -e amsrtcsink name=sink server="$SERVER" stream-id="$stream_id" \
  filesrc location="$file" ! qtdemux name=demux \
  demux.video_0 ! queue ! h264parse ! clocksync ! sink.video_0 \
  demux.audio_0 ! queue ! decodebin ! audioconvert ! audioresample ! clocksync ! sink.audio_0
