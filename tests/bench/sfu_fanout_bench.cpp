// amsrtc-sfu-fanout-bench: how many players one published stream can have.
//
// One 720p30 H.264 publisher (~2 Mbit/s) and N receive-only players, all
// plain webrtcbins in this process (separate from the server); players count
// RTP and never decode (fanout_peers.h). The players are added in steps
// (--players 1,10,25,...); at each step, once every player receives, the
// program waits --settle seconds and then measures for --window seconds:
//   - the server's CPU, from /proc/<--server-pid>/stat (% of one core: the
//     mean over the window, and each second's), and its RSS at the end;
//   - each player's received bitrate and loss (sequence numbers that never
//     arrived, after NACK/RTX and the jitterbuffer);
//   - this process's own CPU, to see whether the load generator is the limit.
// It prints one JSON line per step and stops after a step where loss
// exceeds --stop-loss % or a player never received.
//
// The same publisher and players run against amsrtc-server (--target amsrtc,
// the Ant Media protocol) or Janus's VideoRoom (--target janus, the Janus API
// over its WebSocket transport), so the two figures are comparable.
//
// --soak N instead runs N publish/play/stop cycles against amsrtc-server and
// prints the server's RSS after cycle 10 and after the last one.
//
//   amsrtc-sfu-fanout-bench --target amsrtc --url ws://127.0.0.1:PORT/WebRTCAppEE/websocket --server-pid PID
//   amsrtc-sfu-fanout-bench --target janus --url ws://127.0.0.1:PORT --server-pid PID
//   amsrtc-sfu-fanout-bench --soak 200 --url ws://... --server-pid PID
#include <gst/gst.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "ams_participants.h"
#include "janus_participants.h"
#include "proc_stats.h"

namespace {

using namespace amsrtc::bench;

struct Options {
  std::string target = "amsrtc";
  std::string url;
  pid_t server_pid = 0;
  std::vector<int> players = {1, 10, 25, 50, 100, 150, 200};
  double window_s = 10;
  double settle_s = 3;
  double stop_loss_pct = 3;
  int soak_cycles = 0;
  double hold_s = 0;  // keep the last step running this long (for a profiler)
  std::string local_address = "127.0.0.1";
};

// Waits (polling: a benchmark, not a test) until `done` or the deadline.
bool wait_until(const std::function<bool()> &done, double seconds) {
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<int>(seconds * 1000));
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t middle = values.size() / 2;
  return values.size() % 2 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

// Whatever the server, the benchmark sees the publisher and the players
// through these.
struct Fleet {
  std::function<uint64_t()> publisher_sent_bytes;
  std::function<bool()> add_player;  // false: it could not even start
  std::vector<std::function<RtpCounts()>> counts;
  std::vector<std::function<bool()>> failed;
};

// One step of N players: measured once they all receive.
bool measure_step(const Options &options, Fleet &fleet, int players) {
  while (static_cast<int>(fleet.counts.size()) < players) {
    if (!fleet.add_player()) return false;
  }
  auto receiving = [&] {
    int count = 0;
    for (size_t i = 0; i < fleet.counts.size(); ++i) {
      if (fleet.counts[i]().packets > 0) ++count;
    }
    return count;
  };
  const bool all_receive =
      wait_until([&] { return receiving() == players; }, 20 + 0.2 * players);
  std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int>(options.settle_s * 1000)));

  std::vector<RtpCounts> before;
  for (auto &counts : fleet.counts) before.push_back(counts());
  const uint64_t sent_before = fleet.publisher_sent_bytes();
  const ProcSample self_before = sample_process(getpid());
  const ProcSample server_first = sample_process(options.server_pid);
  ProcSample server_last = server_first;
  const auto started = std::chrono::steady_clock::now();
  std::vector<double> server_cpu_pct;
  auto next = started;
  for (int second = 0; second < static_cast<int>(options.window_s); ++second) {
    next += std::chrono::seconds(1);
    std::this_thread::sleep_until(next);
    const ProcSample server_now = sample_process(options.server_pid);
    if (!server_now.ok) {
      g_printerr("the server (pid %d) is gone\n", options.server_pid);
      return false;
    }
    server_cpu_pct.push_back(100.0 * (server_now.cpu_s - server_last.cpu_s));
    server_last = server_now;
  }
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const ProcSample self_after = sample_process(getpid());

  std::vector<double> bitrates_kbps;
  uint64_t received = 0, expected = 0;
  double worst_loss_pct = 0;
  int broken = 0;
  for (size_t i = 0; i < fleet.counts.size(); ++i) {
    const RtpCounts after = fleet.counts[i]();
    const uint64_t got = after.packets - before[i].packets;
    const uint64_t sent = after.expected - before[i].expected;
    bitrates_kbps.push_back(8.0 * static_cast<double>(after.bytes - before[i].bytes) / elapsed /
                            1000.0);
    received += got;
    expected += sent;
    if (sent == 0 || fleet.failed[i]()) ++broken;
    if (sent > 0 && sent > got) {
      worst_loss_pct =
          std::max(worst_loss_pct, 100.0 * static_cast<double>(sent - got) / static_cast<double>(sent));
    }
  }
  const double loss_pct =
      expected == 0 ? 100.0
                    : 100.0 * static_cast<double>(expected > received ? expected - received : 0) /
                          static_cast<double>(expected);
  // The mean over the window (ticks of 10 ms add up to a precise figure);
  // the per-second samples are printed too.
  const double cpu_pct = 100.0 * (server_last.cpu_s - server_first.cpu_s) / elapsed;
  std::string samples;
  for (double sample : server_cpu_pct) {
    samples += (samples.empty() ? "" : ",") + std::to_string(static_cast<int>(sample + 0.5));
  }
  std::printf(
      "{\"target\":\"%s\",\"players\":%d,\"receiving\":%d,\"broken\":%d,"
      "\"server_cpu_pct\":%.1f,\"server_cpu_pct_per_second\":[%s],\"cpu_per_player_pct\":%.3f,"
      "\"server_rss_mb\":%.1f,\"bench_cpu_pct\":%.1f,\"publisher_kbps\":%.0f,"
      "\"player_kbps_median\":%.0f,\"player_kbps_min\":%.0f,\"loss_pct\":%.3f,"
      "\"loss_pct_worst_player\":%.3f}\n",
      options.target.c_str(), players, receiving(), broken, cpu_pct,
      samples.c_str(), cpu_pct / players,
      static_cast<double>(server_last.rss_kb) / 1024.0,
      100.0 * (self_after.cpu_s - self_before.cpu_s) / elapsed,
      8.0 * static_cast<double>(fleet.publisher_sent_bytes() - sent_before) / elapsed / 1000.0,
      median(bitrates_kbps), *std::min_element(bitrates_kbps.begin(), bitrates_kbps.end()),
      loss_pct, worst_loss_pct);
  std::fflush(stdout);
  return all_receive && broken == 0 && loss_pct <= options.stop_loss_pct;
}

// Bounds the players' teardown, once every figure is printed, so that a run
// goes on with the next server whatever hangs there. Twice before
// element_stop.h made sctpenc ignore RECONFIGURE while it stops, tearing the
// players down hung for good in gst_task_join() (docs/benchmarks.md).
void exit_if_teardown_hangs() {
  std::thread([] {
    std::this_thread::sleep_for(std::chrono::seconds(30));
    g_printerr("warning: the players' teardown did not finish in 30 s; exiting without it\n");
    std::fflush(stdout);
    std::_Exit(0);
  }).detach();
}

void run_steps(const Options &options, Fleet &fleet) {
  for (int players : options.players) {
    if (!measure_step(options, fleet, players)) break;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int>(options.hold_s * 1000)));
}

int run_amsrtc(const Options &options) {
  AmsPublisher publisher(options.url, "fanout", options.local_address);
  if (!publisher.start() || !wait_until([&] { return publisher.started(); }, 20)) {
    g_printerr("the publisher did not start publishing\n");
    return 1;
  }
  std::vector<std::unique_ptr<AmsPlayer>> players;
  Fleet fleet;
  fleet.publisher_sent_bytes = [&] { return publisher.publisher().sent_bytes(); };
  fleet.add_player = [&] {
    players.push_back(std::make_unique<AmsPlayer>(options.url, "fanout", options.local_address));
    AmsPlayer *player = players.back().get();
    fleet.counts.push_back([player] { return player->counts(); });
    fleet.failed.push_back([player] { return player->failed(); });
    return player->start();
  };
  run_steps(options, fleet);
  exit_if_teardown_hangs();
  players.clear();
  return 0;
}

int run_janus(const Options &options) {
  JanusVideoRoom janus;
  std::string error;
  if (!janus.connect(options.url, &error)) {
    g_printerr("Janus: %s\n", error.c_str());
    return 1;
  }
  const uint64_t room = 4242;
  JanusPublisher publisher(janus, room, options.local_address);
  if (!publisher.start(&error)) {
    g_printerr("Janus publisher: %s\n", error.c_str());
    return 1;
  }
  if (!wait_until([&] { return publisher.started() && publisher.feed() != 0; }, 20)) {
    g_printerr("the Janus publisher did not connect\n");
    return 1;
  }
  std::vector<std::unique_ptr<JanusPlayer>> players;
  Fleet fleet;
  fleet.publisher_sent_bytes = [&] { return publisher.publisher().sent_bytes(); };
  fleet.add_player = [&] {
    players.push_back(std::make_unique<JanusPlayer>(janus, room, publisher.feed(),
                                                    options.local_address));
    JanusPlayer *player = players.back().get();
    fleet.counts.push_back([player] { return player->counts(); });
    fleet.failed.push_back([player] { return player->failed(); });
    std::string why;
    if (!player->start(&why)) {
      g_printerr("Janus player: %s\n", why.c_str());
      return false;
    }
    return true;
  };
  run_steps(options, fleet);
  exit_if_teardown_hangs();
  players.clear();
  return 0;
}

// Publish, play until packets arrive, stop both, wait for the server to say
// both ended; repeated. The server's RSS after cycle 10 is the baseline.
int run_soak(const Options &options) {
  double baseline_mb = 0;
  for (int cycle = 1; cycle <= options.soak_cycles; ++cycle) {
    AmsPublisher publisher(options.url, "soak", options.local_address);
    if (!publisher.start() || !wait_until([&] { return publisher.started(); }, 20)) {
      g_printerr("cycle %d: the publisher did not start publishing\n", cycle);
      return 1;
    }
    AmsPlayer player(options.url, "soak", options.local_address);
    if (!player.start() || !wait_until([&] { return player.counts().packets > 0; }, 20)) {
      g_printerr("cycle %d: the player received nothing\n", cycle);
      return 1;
    }
    player.stop();
    publisher.stop();
    if (!wait_until([&] { return player.finished() && publisher.finished(); }, 10)) {
      g_printerr("cycle %d: the server did not finish both sessions\n", cycle);
      return 1;
    }
    const ProcSample server = sample_process(options.server_pid);
    const double rss_mb = static_cast<double>(server.rss_kb) / 1024.0;
    if (cycle == 10) baseline_mb = rss_mb;
    if (cycle == 1 || cycle % 10 == 0) {
      std::printf("{\"cycle\":%d,\"server_rss_mb\":%.1f%s}\n", cycle, rss_mb,
                  baseline_mb > 0
                      ? (",\"vs_cycle_10\":" + std::to_string(rss_mb / baseline_mb)).c_str()
                      : "");
      std::fflush(stdout);
    }
  }
  return 0;
}

bool parse(int argc, char **argv, Options &options) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string name = argv[i], value = argv[i + 1];
    if (name == "--target") {
      options.target = value;
    } else if (name == "--url") {
      options.url = value;
    } else if (name == "--server-pid") {
      options.server_pid = static_cast<pid_t>(std::stoi(value));
    } else if (name == "--players") {
      options.players.clear();
      std::istringstream list(value);
      for (std::string item; std::getline(list, item, ',');) options.players.push_back(std::stoi(item));
    } else if (name == "--window") {
      options.window_s = std::stod(value);
    } else if (name == "--settle") {
      options.settle_s = std::stod(value);
    } else if (name == "--stop-loss") {
      options.stop_loss_pct = std::stod(value);
    } else if (name == "--soak") {
      options.soak_cycles = std::stoi(value);
    } else if (name == "--hold") {
      options.hold_s = std::stod(value);
    } else if (name == "--local-address") {
      options.local_address = value;
    } else {
      return false;
    }
  }
  return !options.url.empty() && options.server_pid > 0 && !options.players.empty() &&
         (options.target == "amsrtc" || options.target == "janus");
}

}  // namespace

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  Options options;
  if (!parse(argc, argv, options)) {
    g_printerr(
        "usage: %s --target amsrtc|janus --url WS_URL --server-pid PID [--players 1,10,25]\n"
        "          [--window S] [--settle S] [--stop-loss PCT] [--hold S] [--local-address IP]\n"
        "       %s --soak CYCLES --url WS_URL --server-pid PID\n",
        argv[0], argv[0]);
    return 2;
  }
  if (options.soak_cycles > 0) return run_soak(options);
  return options.target == "janus" ? run_janus(options) : run_amsrtc(options);
}
