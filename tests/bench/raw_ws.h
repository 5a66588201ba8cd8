// A minimal WebSocket client for load generation: non-blocking sockets on
// one epoll loop, hand-written framing, no JSON. A benchmark's client must
// cost far less than the server it measures, or it measures itself; a
// libsoup client per socket would. Text frames only, as the protocol has.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace amsrtc::bench {

class RawWsLoop;

struct RawWs {
  int fd = -1;
  bool open = false;    // handshake done
  bool failed = false;  // connect/handshake error or closed by the server
  std::string in;       // bytes received, not yet parsed
  std::string out;      // bytes to send
  std::size_t out_sent = 0;
  std::size_t index = 0;  // position in RawWsLoop's list
};

class RawWsLoop {
 public:
  // Called for every text frame received: (socket index, payload).
  using OnText = std::function<void(std::size_t, std::string_view)>;

  RawWsLoop();
  ~RawWsLoop();

  // Opens `count` sockets to ws://127.0.0.1:port/path, `batch` handshakes at
  // a time; returns how many opened within `timeout_ms`.
  std::size_t connect_all(int port, const std::string &path, std::size_t count, std::size_t batch,
                          int timeout_ms);

  void send_text(std::size_t socket, std::string_view text);
  // Runs the loop until `until()` is true or `timeout_ms` passed.
  void run(const std::function<bool()> &until, int timeout_ms);
  void close_all();

  void set_on_text(OnText handler) { on_text_ = std::move(handler); }
  // Longest wait for events between checks of run()'s condition.
  void set_tick_ms(int tick_ms) { tick_ms_ = tick_ms; }
  std::size_t size() const { return sockets_.size(); }
  const RawWs &socket(std::size_t i) const { return sockets_[i]; }

 private:
  bool start_connect(int port, const std::string &path);
  void handle_readable(RawWs &ws);
  void handle_writable(RawWs &ws);
  void flush(RawWs &ws);
  void update_interest(RawWs &ws);

  int epoll_fd_;
  std::vector<RawWs> sockets_;
  OnText on_text_;
  int tick_ms_ = 50;
};

// Raises RLIMIT_NOFILE to its hard limit (10,000 idle sockets need it);
// returns the new soft limit.
long raise_fd_limit();

}  // namespace amsrtc::bench
