// Signaling relay benchmark (a program, not a test).
//
// For each server under test (amsrtc-server, then the minimal Node `ws`
// relay of tests/bench/node_relay.mjs, in the same run and under the same
// load):
//   1. relay: N sockets (default 1,000) in P2P pairs; every socket keeps
//      `window` takeCandidate messages in flight to its partner and sends a
//      new one each time one arrives, for `seconds` (after a 2 s warm-up):
//      relayed messages per second, p50/p99 relay latency (send to arrival,
//      one clock), and the server's CPU time per message;
//   2. idle: a fresh server, 10,000 sockets that each did one ping: server
//      RSS growth per socket.
// Then the ratios. Run it through tests/bench/run-signaling-bench.sh, which
// builds, installs `ws` and runs inside a loopback-only network namespace.
//
//   3. open loop: the same sockets send at a fixed aggregate rate (default
//      20,000 msg/s) for seconds/2, no replies: p50/p99 latency when the
//      server is not saturated (closed-loop latency is in-flight/throughput);
// (phase 3 runs right after phase 1 on the same sockets)
//
//   signaling-relay-bench --server build/.../amsrtc-server --node-relay tests/bench/node_relay.mjs
//       [--sockets 1000] [--seconds 20] [--window 1] [--rate 20000] [--idle 10000]
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "raw_ws.h"

extern char **environ;

namespace amsrtc::bench {
namespace {

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct Options {
  std::string server;
  std::string node_relay;
  std::size_t sockets = 1000;
  int seconds = 20;
  int window = 1;
  std::size_t idle = 10000;
  double rate = 20000;  // open-loop phase: messages per second, all sockets together
};

// A server process whose first stdout line is "listening ws://HOST:PORT".
class Server {
 public:
  explicit Server(const std::vector<std::string> &argv) {
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) return;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
    std::vector<char *> args;
    for (const auto &arg : argv) args.push_back(const_cast<char *>(arg.c_str()));
    args.push_back(nullptr);
    if (posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
    close(pipe_fds[1]);
    std::string line;
    char c;
    while (read(pipe_fds[0], &c, 1) == 1 && c != '\n') line += c;
    close(pipe_fds[0]);
    const auto colon = line.rfind(':');
    if (line.rfind("listening ", 0) == 0 && colon != std::string::npos) {
      port_ = std::atoi(line.c_str() + colon + 1);
    }
  }
  ~Server() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }

  // Resident set size in KiB, from /proc.
  long rss_kib() const {
    std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
    std::string key;
    while (status >> key) {
      if (key == "VmRSS:") {
        long kib = 0;
        status >> kib;
        return kib;
      }
      status.ignore(1 << 20, '\n');
    }
    return -1;
  }
  // User + system CPU time in seconds, from /proc.
  double cpu_seconds() const {
    std::ifstream stat("/proc/" + std::to_string(pid_) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const auto close_paren = text.rfind(')');
    std::istringstream fields(text.substr(close_paren + 2));
    std::string field;
    long utime = 0, stime = 0;
    for (int i = 3; fields >> field; ++i) {
      if (i == 14) utime = std::atol(field.c_str());
      if (i == 15) {
        stime = std::atol(field.c_str());
        break;
      }
    }
    return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }

 private:
  pid_t pid_ = -1;
  int port_ = -1;
};

struct RelayResult {
  std::size_t sockets = 0;
  double messages_per_second = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double open_loop_rate = 0;  // achieved in the fixed-rate phase
  double open_loop_p50_ms = 0;
  double open_loop_p99_ms = 0;
  double server_cpu_percent = 0;  // of one core
  double server_us_per_message = 0;
};

struct IdleResult {
  std::size_t sockets = 0;
  long rss_before_kib = 0;
  long rss_after_kib = 0;
  double kib_per_socket = 0;
};

std::string pair_id(std::size_t socket) { return "b" + std::to_string(socket / 2); }

std::string candidate_message(std::size_t socket) {
  return R"({"command":"takeCandidate","streamId":")" + pair_id(socket) +
         R"(","label":0,"id":"0","candidate":"candidate:)" + std::to_string(now_us()) +
         R"( 1 udp 2122260223 127.0.0.1 9 typ host"})";
}

double percentile(std::vector<double> &values, double p) {
  if (values.empty()) return 0;
  const std::size_t index =
      std::min(values.size() - 1, static_cast<std::size_t>(values.size() * p));
  std::nth_element(values.begin(), values.begin() + static_cast<long>(index), values.end());
  return values[index];
}

RelayResult run_relay(const std::vector<std::string> &server_argv, const Options &options) {
  RelayResult result;
  Server server(server_argv);
  if (server.port() <= 0) {
    std::fprintf(stderr, "server did not start: %s\n", server_argv[0].c_str());
    return result;
  }
  RawWsLoop loop;
  const std::size_t count = options.sockets & ~std::size_t{1};
  result.sockets = loop.connect_all(server.port(), "/WebRTCAppEE/websocket", count, 100, 60000);
  if (result.sockets != count) {
    std::fprintf(stderr, "only %zu of %zu sockets opened\n", result.sockets, count);
    return result;
  }

  // Pair up: even sockets join first (and get `start`), then odd ones.
  std::vector<int> replies(count, 0);
  loop.set_on_text([&](std::size_t socket, std::string_view) { ++replies[socket]; });
  for (std::size_t i = 0; i < count; i += 2) {
    loop.send_text(i, R"({"command":"join","streamId":")" + pair_id(i) + R"(","mode":"both"})");
  }
  loop.run(
      [&] {
        for (std::size_t i = 0; i < count; i += 2)
          if (replies[i] < 1) return false;
        return true;
      },
      30000);
  for (std::size_t i = 1; i < count; i += 2) {
    loop.send_text(i, R"({"command":"join","streamId":")" + pair_id(i) + R"(","mode":"both"})");
  }
  loop.run(
      [&] {
        for (std::size_t i = 0; i < count; ++i)
          if (replies[i] < (i % 2 == 0 ? 2 : 1)) return false;
        return true;
      },
      30000);

  // Closed loop: each arrival triggers the receiver's next message.
  bool measuring = false;
  bool replying = true;
  std::vector<double> latencies;
  latencies.reserve(4'000'000);
  std::size_t received = 0;
  loop.set_on_text([&](std::size_t socket, std::string_view text) {
    const auto at = text.find("candidate:");
    if (at == std::string_view::npos) return;
    const int64_t sent = std::atoll(std::string(text.substr(at + 10, 20)).c_str());
    if (measuring) {
      ++received;
      latencies.push_back(static_cast<double>(now_us() - sent) / 1000.0);
    }
    if (replying) loop.send_text(socket, candidate_message(socket));
  });
  for (std::size_t i = 0; i < count; ++i) {
    for (int w = 0; w < options.window; ++w) loop.send_text(i, candidate_message(i));
  }
  loop.run([] { return false; }, 2000);  // warm-up
  measuring = true;
  const double cpu_before = server.cpu_seconds();
  const int64_t start = now_us();
  loop.run([] { return false; }, options.seconds * 1000);
  const double elapsed = static_cast<double>(now_us() - start) / 1e6;
  const double cpu = server.cpu_seconds() - cpu_before;
  measuring = false;
  replying = false;
  loop.run([] { return false; }, 500);  // let the in-flight messages drain
  const std::size_t throughput_received = received;
  const double saturated_p50 = percentile(latencies, 0.50);
  const double saturated_p99 = percentile(latencies, 0.99);

  // Open loop: a fixed aggregate rate spread over all sockets, no replies;
  // the latency a client sees when the server is not saturated.
  latencies.clear();
  received = 0;
  measuring = true;
  loop.set_tick_ms(1);
  const int64_t open_start = now_us();
  const int64_t open_end = open_start + int64_t{options.seconds} * 1'000'000 / 2;
  std::size_t sent = 0, next_socket = 0;
  loop.run(
      [&] {
        const int64_t now = now_us();
        const auto due =
            static_cast<std::size_t>(options.rate * static_cast<double>(now - open_start) / 1e6);
        for (; sent < due && now < open_end; ++sent) {
          loop.send_text(next_socket, candidate_message(next_socket));
          next_socket = (next_socket + 1) % count;
        }
        return now >= open_end;
      },
      options.seconds * 1000);
  loop.run([&] { return received >= sent; }, 2000);
  measuring = false;
  result.open_loop_rate =
      static_cast<double>(sent) / (static_cast<double>(open_end - open_start) / 1e6);
  result.open_loop_p50_ms = percentile(latencies, 0.50);
  result.open_loop_p99_ms = percentile(latencies, 0.99);
  if (received < sent)
    std::fprintf(stderr, "open loop: %zu of %zu messages arrived\n", received, sent);

  result.messages_per_second = static_cast<double>(throughput_received) / elapsed;
  result.p50_ms = saturated_p50;
  result.p99_ms = saturated_p99;
  result.server_cpu_percent = 100.0 * cpu / elapsed;
  result.server_us_per_message =
      throughput_received > 0 ? 1e6 * cpu / static_cast<double>(throughput_received) : 0;
  return result;
}

IdleResult run_idle(const std::vector<std::string> &server_argv, const Options &options) {
  IdleResult result;
  Server server(server_argv);
  if (server.port() <= 0) return result;
  RawWsLoop loop;
  // Let the server settle, then take the baseline.
  loop.run([] { return false; }, 300);
  result.rss_before_kib = server.rss_kib();
  result.sockets =
      loop.connect_all(server.port(), "/WebRTCAppEE/websocket", options.idle, 200, 120000);
  // One ping each, so every socket has reached the server's handler.
  std::size_t pongs = 0;
  loop.set_on_text([&](std::size_t, std::string_view) { ++pongs; });
  for (std::size_t i = 0; i < loop.size(); ++i) {
    if (loop.socket(i).open) loop.send_text(i, R"({"command":"ping"})");
  }
  loop.run([&] { return pongs >= result.sockets; }, 60000);
  loop.run([] { return false; }, 300);
  result.rss_after_kib = server.rss_kib();
  result.kib_per_socket = result.sockets > 0
                              ? static_cast<double>(result.rss_after_kib - result.rss_before_kib) /
                                    static_cast<double>(result.sockets)
                              : 0;
  return result;
}

void print_relay(const char *name, const RelayResult &r) {
  std::printf(
      "%-14s %5zu sockets  saturated: %8.0f msg/s  p50 %7.3f ms  p99 %7.3f ms  server CPU %5.1f%%  "
      "%5.2f us/msg\n"
      "%-14s %5s          open loop: %8.0f msg/s  p50 %7.3f ms  p99 %7.3f ms\n",
      name, r.sockets, r.messages_per_second, r.p50_ms, r.p99_ms, r.server_cpu_percent,
      r.server_us_per_message, "", "", r.open_loop_rate, r.open_loop_p50_ms, r.open_loop_p99_ms);
}

void print_idle(const char *name, const IdleResult &r) {
  std::printf("%-14s %7zu idle sockets  RSS %ld -> %ld KiB  %6.1f KiB/socket\n", name, r.sockets,
              r.rss_before_kib, r.rss_after_kib, r.kib_per_socket);
}

Options parse(int argc, char **argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    const char *value = argv[i + 1];
    if (key == "--server")
      options.server = value;
    else if (key == "--node-relay")
      options.node_relay = value;
    else if (key == "--sockets")
      options.sockets = std::strtoul(value, nullptr, 10);
    else if (key == "--seconds")
      options.seconds = std::atoi(value);
    else if (key == "--window")
      options.window = std::atoi(value);
    else if (key == "--idle")
      options.idle = std::strtoul(value, nullptr, 10);
    else if (key == "--rate")
      options.rate = std::atof(value);
  }
  return options;
}

}  // namespace
}  // namespace amsrtc::bench

int main(int argc, char **argv) {
  using namespace amsrtc::bench;
  const Options options = parse(argc, argv);
  if (options.server.empty() || options.node_relay.empty()) {
    std::fprintf(stderr,
                 "usage: %s --server AMSRTC_SERVER --node-relay NODE_RELAY_MJS [--sockets N] "
                 "[--seconds S] [--window W] [--idle N]\n",
                 argv[0]);
    return 2;
  }
  const long fds = raise_fd_limit();  // inherited by the servers we start
  std::printf(
      "signaling relay benchmark: %zu sockets; saturated: window %d for %d s; open loop: %.0f "
      "msg/s "
      "for %d s; idle: %zu sockets (fd limit %ld)\n",
      options.sockets, options.window, options.seconds, options.rate, options.seconds / 2,
      options.idle, fds);
  // Same limits for both: amsrtc's per-socket rate limit is lifted, since
  // the benchmark measures relay capacity, not the limiter.
  const std::vector<std::string> amsrtc{options.server, "--port", "0", "--rate-limit", "0"};
  const std::vector<std::string> node{"node", options.node_relay, "0"};

  const RelayResult amsrtc_relay = run_relay(amsrtc, options);
  print_relay("amsrtc-server", amsrtc_relay);
  const RelayResult node_relay = run_relay(node, options);
  print_relay("node ws relay", node_relay);
  const IdleResult amsrtc_idle = run_idle(amsrtc, options);
  print_idle("amsrtc-server", amsrtc_idle);
  const IdleResult node_idle = run_idle(node, options);
  print_idle("node ws relay", node_idle);

  std::printf(
      "\nratios (amsrtc / node): throughput %.2fx, saturated p99 %.2fx, open-loop p50 %.2fx, "
      "open-loop p99 %.2fx, CPU per message %.2fx, RSS per idle socket %.2fx\n",
      amsrtc_relay.messages_per_second / std::max(1.0, node_relay.messages_per_second),
      amsrtc_relay.p99_ms / std::max(1e-9, node_relay.p99_ms),
      amsrtc_relay.open_loop_p50_ms / std::max(1e-9, node_relay.open_loop_p50_ms),
      amsrtc_relay.open_loop_p99_ms / std::max(1e-9, node_relay.open_loop_p99_ms),
      amsrtc_relay.server_us_per_message / std::max(1e-9, node_relay.server_us_per_message),
      amsrtc_idle.kib_per_socket / std::max(1e-9, node_idle.kib_per_socket));
  const bool ok = amsrtc_relay.sockets > 0 && node_relay.sockets > 0 && amsrtc_idle.sockets > 0 &&
                  node_idle.sockets > 0;
  return ok ? 0 : 1;
}
