#!/usr/bin/env bash
# P2P call benchmark: time to first frame and glass-to-glass latency of a
# 720p30 call between two pipelines through amsrtc-server (amsrtcpeer on
# both sides), against the floor measured in the same run: two plain
# webrtcbins wired to each other in memory with the same encoders and
# decoders. Each measurement is a fresh process (amsrtc-p2p-bench), runs
# alternate between the two, H.264 and VP8. Builds what it needs
# (build-release/, optimized) and runs in a loopback-only namespace.
#
#   bash tests/bench/run-p2p-bench.sh            # 10 runs of each
#   bash tests/bench/run-p2p-bench.sh --runs 20
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=10
[[ "${1:-}" == "--runs" ]] && runs=$2

bash scripts/setup.sh >/dev/null
if [[ ! -f build-release/build.ninja ]]; then
  meson setup build-release --buildtype=release -Dtests=disabled >/dev/null
fi
meson compile -C build-release >/dev/null  # the server, the plugin and the benchmark

exec unshare -n sh -c 'ip link set lo up && exec "$@"' sh bash -c '
set -euo pipefail
runs=$1
export GST_PLUGIN_PATH=$PWD/build-release/gst/plugin
export GST_REGISTRY_1_0=$PWD/build-release/bench-registry.bin
bench=build-release/tests/bench/amsrtc-p2p-bench
out=$(mktemp)
build-release/signaling/server/amsrtc-server --port 0 > "$out.server" 2>/dev/null &
server=$!
trap "kill $server 2>/dev/null; rm -f $out $out.server" EXIT
until grep -q listening "$out.server"; do sleep 0.05; done
url=$(head -1 "$out.server" | cut -d" " -f2)/WebRTCAppEE/websocket
# One unmeasured run of each warms the page cache and the plugin registry.
$bench --mode floor --codec vp8 >/dev/null 2>&1 || true
for i in $(seq 1 "$runs"); do
  for codec in h264 vp8; do
    # A failed call prints its line with a negative time; the exit status adds nothing.
    $bench --mode floor --codec $codec >> "$out" 2>/dev/null || true
    $bench --mode server --codec $codec --server "$url" --stream-id "run$i$codec" >> "$out" 2>/dev/null || true
  done
done
python3 - "$out" "$runs" <<PY
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
print(f"P2P 720p30, {sys.argv[2]} processes of 2 calls each per line; medians over runs")
print("(time to first frame: from both pipelines PLAYING until both sides decoded a frame)")
print()
print("| codec | call | hand-wired webrtcbin pair (floor) | amsrtcpeer through amsrtc-server | ratio | latency floor | latency ours |")
print("|---|---|---|---|---|---|---|")
def pick(codec, mode, call):
    return [r for r in rows if r["codec"] == codec and r["mode"] == mode and r.get("call") == call]
failed = sum(1 for r in rows if r.get("failed") or r["ttff_a_ms"] < 0 or r["ttff_b_ms"] < 0)
for codec in ("h264", "vp8"):
    for call, label in ((1, "first (new process)"), (2, "second (same process)")):
        figures = {}
        for mode in ("floor", "server"):
            ok = [r for r in pick(codec, mode, call) if r["ttff_a_ms"] >= 0 and r["ttff_b_ms"] >= 0]
            ttff = statistics.median(max(r["ttff_a_ms"], r["ttff_b_ms"]) for r in ok) if ok else float("nan")
            lat = statistics.median(r["latency_median_ms"] for r in ok) if ok else float("nan")
            figures[mode] = (ttff, lat)
        (ft, fl), (st, sl) = figures["floor"], figures["server"]
        print(f"| {codec} | {label} | {ft:.0f} ms | {st:.0f} ms | {st / ft:.2f} | {fl:.1f} ms | {sl:.1f} ms |")
print()
print(f"failed calls: {failed}")
PY
' sh "$runs"
