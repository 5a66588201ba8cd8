#!/usr/bin/env bash
# SFU fan-out benchmark: one 720p30 H.264 publisher (~2 Mbit/s) and N
# receive-only players (amsrtc-sfu-fanout-bench, a process of its own),
# first through amsrtc-server, then through Janus's VideoRoom (Debian's
# janus package, driven over its WebSocket API) in the same run with the same
# publisher and players. Prints a table per server and the CPU-per-player
# ratio. --soak N instead runs N publish/play/stop cycles against
# amsrtc-server and prints its RSS (after cycle 10 vs after the last).
#
#   bash tests/bench/run-sfu-fanout-bench.sh                       # N = 1,10,25,50,100,150,200
#   bash tests/bench/run-sfu-fanout-bench.sh --players 1,10,50 --window 10
#   bash tests/bench/run-sfu-fanout-bench.sh --rounds 5   # amsrtc, Janus, amsrtc, ...: medians
#   bash tests/bench/run-sfu-fanout-bench.sh --soak 200
#   bash tests/bench/run-sfu-fanout-bench.sh --perf 50   # where amsrtc-server's time goes at N=50
#
# Network: a fresh namespace. Janus gathers no ICE candidate on a loopback
# interface (it skips them, and says "Couldn't find any address"), so the
# namespace also gets a veth pair with 10.77.0.1 on one end; the kernel
# delivers 10.77.0.1 to itself through its local route, exactly like
# 127.0.0.1, and nothing leaves the namespace. Both servers and all the
# players use 10.77.0.1 for media, so both pay the same network cost.
set -euo pipefail
cd "$(dirname "$0")/../.."
all_arguments=("$@")  # for the run inside the namespace
players="1,10,25,50,100,150,200"
window=10
soak=0
perf_players=0
rounds=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --players) players=$2; shift 2 ;;
    --window) window=$2; shift 2 ;;
    --soak) soak=$2; shift 2 ;;
    --perf) perf_players=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

if [[ "${AMSRTC_IN_BENCH_NAMESPACE:-}" != 1 ]]; then
  bash scripts/setup.sh >/dev/null
  command -v janus >/dev/null || apt-get install -y --no-install-recommends janus >/dev/null
  command -v perf >/dev/null || apt-get install -y --no-install-recommends linux-perf >/dev/null
  if [[ ! -f build-release/build.ninja ]]; then
    meson setup build-release --buildtype=release -Dtests=disabled >/dev/null
  fi
  meson compile -C build-release >/dev/null
  # Again, inside the namespace.
  exec unshare -n sh -c '
    ip link set lo up
    ip link add bench0 type veth peer name bench1
    ip addr add 10.77.0.1/24 dev bench0
    ip link set bench1 up
    ip link set bench0 up
    AMSRTC_IN_BENCH_NAMESPACE=1 exec bash "$@"' sh "$0" "${all_arguments[@]}"
fi

bench=build-release/tests/bench/amsrtc-sfu-fanout-bench
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

# Starts amsrtc-server; sets $server and $url.
start_amsrtc() {
  build-release/signaling/server/amsrtc-server --port 0 --media-addresses 10.77.0.1 \
    > "$work/server.out" 2> "$work/server.err" &
  server=$!
  pids+=($server)
  until grep -q listening "$work/server.out"; do
    kill -0 $server 2>/dev/null || { cat "$work/server.err" >&2; exit 1; }
    sleep 0.05
  done
  url=$(head -1 "$work/server.out" | cut -d" " -f2)/WebRTCAppEE/websocket
}

# Stops a server and reports an unclean exit (amsrtc-server exits with status
# 1 if its media pipeline did not stop within 20 s: a bug worth seeing).
stop_server() {
  kill "$1"
  local status=0
  wait "$1" || status=$?
  [[ $status -eq 0 ]] || echo "warning: $2 exited with status $status after SIGTERM" >&2
}

start_amsrtc

if [[ $soak -gt 0 ]]; then
  echo "amsrtc-server: $soak publish/play/stop cycles (720p30 H.264 publisher, one player)"
  $bench --soak "$soak" --url "$url" --server-pid $server --local-address 10.77.0.1 | tee "$work/soak"
  python3 tests/bench/summarize_fanout.py --soak "$work/soak"
  exit 0
fi

if [[ $perf_players -gt 0 ]]; then
  # A profile of the server in the steady state of one step: perf samples
  # on the CPU clock (these machines have no hardware counters).
  $bench --target amsrtc --url "$url" --server-pid $server --local-address 10.77.0.1 \
    --players "$perf_players" --window 5 --hold 30 > "$work/perf-rows" &
  pids+=($!)
  until grep -q players "$work/perf-rows"; do sleep 0.2; done
  cat "$work/perf-rows"
  perf record -F 499 -e cpu-clock -g -p $server -o build-release/sfu-fanout.perf.data -- sleep 20 \
    2> /dev/null
  perf report -i build-release/sfu-fanout.perf.data --no-children --sort dso --stdio 2>/dev/null \
    | grep -v "^#" | grep -v "^$" | head -25
  perf report -i build-release/sfu-fanout.perf.data --no-children --sort dso,symbol -g none \
    --percent-limit 0.7 --stdio 2>/dev/null | grep -v "^#" | grep -v "^$" | head -60
  exit 0
fi

# Janus: its packaged defaults, with only the VideoRoom plugin and the
# WebSocket transport loaded, ICE on the veth address. The bench creates an
# H.264 room with no bitrate cap and no periodic keyframe requests.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
lib=/usr/lib/x86_64-linux-gnu/janus
cat > "$work/janus.jcfg" <<CFG
general: {
  configs_folder = "$work"
  plugins_folder = "$lib/plugins"
  transports_folder = "$lib/transports"
  events_folder = "$lib/events"
  loggers_folder = "$lib/loggers"
  debug_level = 4
}
media: {
}
nat: {
  ice_enforce_list = "bench0"
}
plugins: {
  disable = "libjanus_audiobridge.so,libjanus_duktape.so,libjanus_echotest.so,libjanus_lua.so,libjanus_nosip.so,libjanus_recordplay.so,libjanus_sip.so,libjanus_streaming.so,libjanus_textroom.so,libjanus_videocall.so,libjanus_voicemail.so"
}
transports: {
  disable = "libjanus_http.so,libjanus_mqtt.so,libjanus_nanomsg.so,libjanus_pfunix.so,libjanus_rabbitmq.so"
}
loggers: {
  disable = "libjanus_jsonlog.so"
}
events: {
}
CFG
cat > "$work/janus.transport.websockets.jcfg" <<CFG
general: {
  json = "plain"
  ws = true
  ws_port = $port
  ws_ip = "127.0.0.1"
  wss = false
}
admin: {
  admin_ws = false
  admin_wss = false
}
CFG
echo "general: {
}" > "$work/janus.plugin.videoroom.jcfg"

# The bench's JSON lines, each tagged with its round.
tag_round() { sed -u "s/^{/{\"round\":$1,/"; }

for round in $(seq 1 "$rounds"); do
  [[ $round -gt 1 ]] && start_amsrtc
  $bench --target amsrtc --url "$url" --server-pid $server --local-address 10.77.0.1 \
    --players "$players" --window "$window" | tag_round "$round" | tee -a "$work/rows"
  stop_server $server amsrtc-server

  janus -F "$work" -C "$work/janus.jcfg" -o > "$work/janus.out" 2>&1 &
  janus=$!
  pids+=($janus)
  until grep -q "WebSockets thread started" "$work/janus.out"; do
    kill -0 $janus 2>/dev/null || { cat "$work/janus.out" >&2; exit 1; }
    sleep 0.05
  done
  $bench --target janus --url "ws://127.0.0.1:$port" --server-pid $janus --local-address 10.77.0.1 \
    --players "$players" --window "$window" | tag_round "$round" | tee -a "$work/rows"
  stop_server $janus janus
done

echo
cp "$work/rows" build-release/sfu-fanout.jsonl  # kept for a closer look
python3 tests/bench/summarize_fanout.py "$work/rows"
