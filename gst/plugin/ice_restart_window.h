// The ICE restart an element controller has under way on one connection
// (used on the controller's worker thread only). Until the window's
// deadline, a "connection failed" report is left to the check that runs at
// the deadline: libnice keeps the old pair's consent timer until a new pair
// is chosen, so one more failure can follow a restart. Each restart opens a
// new window; a check scheduled for an older one is stale and does nothing.
#pragma once

#include <chrono>

namespace amsrtc::plugin {

class IceRestartWindow {
 public:
  // How long a restarted connection has to come up before it counts as lost.
  static constexpr std::chrono::milliseconds kTimeout{10000};

  // Opens a new window; returns its generation, for is_current().
  unsigned open() {
    deadline_ = std::chrono::steady_clock::now() + kTimeout;
    return ++generation_;
  }
  // A restart is under way: its deadline is ahead.
  bool under_way() const { return std::chrono::steady_clock::now() < deadline_; }
  // No newer window was opened since the one of `generation`.
  bool is_current(unsigned generation) const { return generation == generation_; }
  unsigned generation() const { return generation_; }
  // The restart is over (connected again, or given up).
  void close() { deadline_ = {}; }

 private:
  std::chrono::steady_clock::time_point deadline_;
  unsigned generation_ = 0;
};

}  // namespace amsrtc::plugin
