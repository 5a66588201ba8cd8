#!/usr/bin/env bash
# SFU latency and publish CPU benchmark, 720p30 H.264:
#   1. time to first decoded frame and glass-to-glass latency of a call
#      through the SFU (each side publishes with amsrtcsink and plays the
#      other with amsrtcsrc), against the same call P2P (amsrtcpeer through
#      amsrtc-server) and the hand-wired webrtcbin floor, all measured in this
#      run, alternating, each a fresh process (amsrtc-p2p-bench);
#   2. the CPU of one amsrtcsink publish of the same content given raw (x264
#      encodes it) and given as H.264 (passed through), and of two floors for
#      the passthrough: the same H.264 through a bare webrtcbin, and as plain
#      RTP over UDP with no WebRTC at all; alternating
#      (amsrtc-publish-cpu-bench).
# Builds what it needs (build-release/, optimized) and runs in a
# loopback-only namespace.
#
#   bash tests/bench/run-sfu-latency-bench.sh            # 10 runs of each
#   bash tests/bench/run-sfu-latency-bench.sh --runs 20
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=10
[[ "${1:-}" == "--runs" ]] && runs=$2

if [[ "${AMSRTC_IN_BENCH_NAMESPACE:-}" != 1 ]]; then
  bash scripts/setup.sh >/dev/null
  if [[ ! -f build-release/build.ninja ]]; then
    meson setup build-release --buildtype=release -Dtests=disabled >/dev/null
  fi
  meson compile -C build-release >/dev/null  # the server, the plugin and the benchmarks
  exec unshare -n sh -c 'ip link set lo up && AMSRTC_IN_BENCH_NAMESPACE=1 exec bash "$@"' \
    sh "$0" --runs "$runs"
fi

export GST_PLUGIN_PATH=$PWD/build-release/gst/plugin
export GST_REGISTRY_1_0=$PWD/build-release/bench-registry.bin
call_bench=build-release/tests/bench/amsrtc-p2p-bench
cpu_bench=build-release/tests/bench/amsrtc-publish-cpu-bench
work=$(mktemp -d)
build-release/signaling/server/amsrtc-server --port 0 > "$work/server" 2>/dev/null &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
until grep -q listening "$work/server"; do sleep 0.05; done
url=$(head -1 "$work/server" | cut -d" " -f2)/WebRTCAppEE/websocket

# The publish content: 15 s of a moving 720p30 picture, raw, and the same
# frames encoded once with amsrtcsink's own x264 settings at 1.5 Mbit/s.
source_caps="video/x-raw,format=I420,width=1280,height=720,framerate=30/1"
gst-launch-1.0 -q videotestsrc num-buffers=450 pattern=smpte horizontal-speed=4 ! "$source_caps" ! \
  filesink location="$work/frames.i420"
gst-launch-1.0 -q filesrc location="$work/frames.i420" ! \
  rawvideoparse format=i420 width=1280 height=720 framerate=30/1 ! \
  x264enc tune=zerolatency speed-preset=ultrafast key-int-max=60 bitrate=1500 ! \
  video/x-h264,profile=constrained-baseline ! h264parse ! mp4mux ! filesink location="$work/frames.mp4"

echo "measuring: $runs runs of each call path, then $runs publishes of each of 4 inputs" >&2
# One unmeasured run of each warms the page cache and the plugin registry.
$call_bench --mode sfu --codec h264 --server "$url" --stream-id warm >/dev/null 2>&1 || true
for i in $(seq 1 "$runs"); do
  # A failed call prints its line with a negative time; the exit status adds nothing.
  $call_bench --mode floor --codec h264 >> "$work/calls" 2>/dev/null || true
  $call_bench --mode server --codec h264 --server "$url" --stream-id "p2p$i" >> "$work/calls" 2>/dev/null || true
  $call_bench --mode sfu --codec h264 --server "$url" --stream-id "sfu$i" >> "$work/calls" 2>/dev/null || true
done
for i in $(seq 1 "$runs"); do
  $cpu_bench --input raw --file "$work/frames.i420" --server "$url" --stream-id "raw$i" >> "$work/cpu" || true
  $cpu_bench --input h264 --file "$work/frames.mp4" --server "$url" --stream-id "h264$i" >> "$work/cpu" || true
  $cpu_bench --input h264-webrtcbin --file "$work/frames.mp4" --server "$url" --stream-id "bare$i" >> "$work/cpu" || true
  $cpu_bench --input h264-udp --file "$work/frames.mp4" --server "$url" >> "$work/cpu" || true
done

python3 - "$work/calls" "$work/cpu" "$runs" <<'PY'
import json, statistics, sys
calls = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
cpu = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
runs = sys.argv[3]
def ok(r):
    return r["ttff_a_ms"] >= 0 and r["ttff_b_ms"] >= 0
print(f"720p30 H.264 calls, {runs} processes of 2 calls each per path; medians over runs")
print("(time to first frame: from both pipelines PLAYING until both sides decoded a frame)")
print()
print("| call | path | time to first frame | ratio to floor | ratio to P2P | latency | latency - P2P |")
print("|---|---|---|---|---|---|---|")
for call, label in ((1, "first (new process)"), (2, "second (same process)")):
    figures = {}
    for mode in ("floor", "server", "sfu"):
        rows = [r for r in calls if r["mode"] == mode and r["call"] == call and ok(r)]
        figures[mode] = (
            statistics.median(max(r["ttff_a_ms"], r["ttff_b_ms"]) for r in rows) if rows else float("nan"),
            statistics.median(r["latency_median_ms"] for r in rows) if rows else float("nan"),
            len(rows),
        )
    p2p_ttff, p2p_lat, _ = figures["server"]
    for mode, name in (("floor", "hand-wired webrtcbin pair"), ("server", "P2P: amsrtcpeer"),
                       ("sfu", "SFU: amsrtcsink -> server -> amsrtcsrc")):
        ttff, lat, n = figures[mode]
        print(f"| {label} | {name} ({n} ok) | {ttff:.0f} ms | {ttff / figures['floor'][0]:.2f} | "
              f"{ttff / p2p_ttff:.2f} | {lat:.1f} ms | {lat - p2p_lat:+.1f} ms |")
failed = sum(1 for r in calls if not ok(r))
print()
print(f"failed calls: {failed}")
print()
print(f"One amsrtcsink publish of the same 720p30 content, {runs} runs each; CPU of the publishing process")
print()
print("| input | CPU (% of one core), median | sent (kbit/s), median |")
print("|---|---|---|")
med = {}
for kind, label in (("raw", "raw, encoded by x264"), ("h264", "H.264, passed through"),
                    ("h264-webrtcbin", "floor: H.264 through a bare webrtcbin, no amsrtcsink"),
                    ("h264-udp", "floor: H.264 as plain RTP over UDP, no WebRTC")):
    rows = [r for r in cpu if r["input"] == kind and r["cpu_percent"] >= 0]
    med[kind] = statistics.median(r["cpu_percent"] for r in rows) if rows else float("nan")
    rate = statistics.median(r["bitrate_kbps"] for r in rows) if rows else float("nan")
    print(f"| {label} ({len(rows)} ok) | {med[kind]:.1f} % | {rate:.0f} |")
print()
print(f"passthrough / encode CPU: {med['h264'] / med['raw']:.3f}")
print(f"bare webrtcbin floor / encode CPU: {med['h264-webrtcbin'] / med['raw']:.3f}")
print(f"plain RTP/UDP floor / encode CPU: {med['h264-udp'] / med['raw']:.3f}")
PY
