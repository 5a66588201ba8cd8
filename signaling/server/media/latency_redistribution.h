// Hands the pipeline's latency out again when its elements ask for it
// (GST_MESSAGE_LATENCY), once per burst of asks rather than once per ask.
//
// Every endpoint that joins posts a few LATENCY messages (its nicesink, its
// data channel's appsink, its jitterbuffer), and its RTP sessions need the
// redistributed latency to time their sender reports. But one
// gst_bin_recalculate_latency() queries every sink of the pipeline: about
// 30-50 ms at 100 players. Done for each message, 100 players joining at
// once held the server's main thread (all signaling) busy for 15-20 s.
//
// So a message only schedules a recalculation, and one already scheduled
// covers every message before it runs. Between two recalculations there is
// at least kMinimumGapMs and at least nine times what the last one cost:
// the main thread spends at most a tenth of its time on this however many
// endpoints join, and a newcomer gets its latency within that gap.
#pragma once

#include <glib.h>

#include <cstdint>
#include <functional>
#include <utility>

#include "one_shot_timer.h"

namespace amsrtc::server::media {

class LatencyRedistribution {
 public:
  static constexpr guint kMinimumGapMs = 50;

  // `recalculate` runs on `context`, e.g. gst_bin_recalculate_latency().
  LatencyRedistribution(GMainContext *context, std::function<void()> recalculate)
      : context_(context), recalculate_(std::move(recalculate)) {}

  // An element asked (a LATENCY message, on `context`).
  void request() {
    if (timer_.active()) return;  // the scheduled run covers this ask too
    timer_.start(context_, gap_ms(last_cost_us_), [this] { run(); });
  }

  // How long to wait after a recalculation that took `cost_us`.
  static guint gap_ms(int64_t cost_us) {
    const int64_t proportional_ms = 9 * cost_us / 1000;
    return proportional_ms > kMinimumGapMs ? static_cast<guint>(proportional_ms)
                                            : kMinimumGapMs;
  }

 private:
  void run() {
    const int64_t started = g_get_monotonic_time();
    recalculate_();
    last_cost_us_ = g_get_monotonic_time() - started;
  }

  GMainContext *context_;
  std::function<void()> recalculate_;
  OneShotTimer timer_;
  int64_t last_cost_us_ = 0;
};

}  // namespace amsrtc::server::media
