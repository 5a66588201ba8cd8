#!/usr/bin/env bash
# Records a played stream to MP4 without transcoding: amsrtcsrc decode=false
# gives the H.264 as it was published. Ctrl-C (or DURATION seconds) ends the
# recording and finalizes the file.
#
#   examples/play-to-file.sh STREAM_ID [OUT.mp4]      needs SERVER, or plays from its own server
#   DURATION=10 SERVER=ws://host:5080/WebRTCAppEE/websocket examples/play-to-file.sh cam1 cam1.mp4
set -euo pipefail
if [[ $# -lt 1 ]]; then
  echo "usage: $0 stream-id [out.mp4]" >&2
  exit 2
fi
source "$(dirname "$0")/common.sh"
stream_id=$1
out=${2:-$stream_id.mp4}
echo "recording $stream_id from $SERVER into $out (Ctrl-C to stop)"
gst-launch-1.0 -e amsrtcsrc name=src server="$SERVER" stream-id="$stream_id" decode=false \
  src.video_"$stream_id" ! queue ! h264parse ! mp4mux ! filesink location="$out" &
recorder=$!
trap 'kill -INT $recorder 2>/dev/null; wait $recorder' INT TERM
if [[ -n "${DURATION:-}" ]]; then
  sleep "$DURATION"
  kill -INT $recorder
fi
wait $recorder
echo "recorded $(stat -c %s "$out") bytes of H.264 (not transcoded) into $out"
