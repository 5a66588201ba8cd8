#!/usr/bin/env bash
# Installs what amsrtc needs to build and test, from Debian 12 packages.
# Idempotent: asks apt only for what is missing, and runs `apt-get update`
# at most once. Run as root (or with sudo).
#
#   scripts/setup.sh             build + test dependencies
#   scripts/setup.sh --browser   also Debian's chromium (browser suite)
set -euo pipefail

packages=(
  # build
  meson ninja-build pkg-config g++ clang libclang-rt-14-dev
  # GStreamer: headers, webrtcbin (bad), nice for ICE, codecs, tools
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-plugins-ugly gstreamer1.0-nice gstreamer1.0-libav gstreamer1.0-tools
  # libnice's headers: ICE restart on webrtcbin's agent (gst/session/ice_restart.h)
  libnice-dev
  # signaling: WebSocket and JSON
  libsoup-3.0-dev libjson-glib-dev glib-networking
  # OpenSSL's headers: the server turns off its exit-time cleanup (main.cpp)
  libssl-dev
  # tests
  libgtest-dev libgmock-dev iproute2 util-linux python3 openssl
  # packet filtering inside a test's network namespace: a dead ICE path
  nftables
  # an RTSP server inside the tests (H.264 passed through by amsrtcsink)
  libgstrtspserver-1.0-dev
)
if [[ "${1:-}" == "--browser" ]]; then
  packages+=(chromium)
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages already installed"
  exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
echo "setup: installing ${missing[*]}"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
