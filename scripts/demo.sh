#!/usr/bin/env bash
# The demo command: sets up a fresh Debian 12 machine, builds amsrtc and
# shows what exists so far. Today that is the protocol library: it decodes
# the messages the real Ant Media JavaScript SDK sent (captured in
# tests/fixtures) and answers malformed input with the exact error reply
# amsrtc-server will send. The server and the elements join the demo as
# they land.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== 1/3 installing dependencies (Debian packages)"
bash scripts/setup.sh

echo "== 2/3 building"
if [[ ! -f build/build.ninja ]]; then meson setup build >/dev/null; fi
meson compile -C build examples/amsrtc-wire-decode >/dev/null

echo "== 3/3 decoding what the real AMS SDK 2.16.2 sent"
build/examples/amsrtc-wire-decode tests/fixtures/ams-sdk-2.16.2/wire_dump.txt \
  tests/fixtures/ams-sdk-2.16.2/publish_flow.txt
echo
echo "== and what a server answers to bad input"
printf '%s\n' \
  '{"command":"publish","streamId":"cam/1"}' \
  '{"command":"takeCandidate","streamId":"cam1","label":"zero","candidate":"c"}' \
  '{"command":"teleport","streamId":"cam1"}' \
  '{"command":"publish"' |
  build/examples/amsrtc-wire-decode
