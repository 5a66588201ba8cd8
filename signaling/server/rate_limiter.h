// Per-socket message rate limit (PROTOCOL.md §12.10): a token bucket that
// holds up to one second's worth of messages and refills continuously, so a
// client may burst to `rate` messages and then sustain `rate` per second.
#pragma once

#include <algorithm>
#include <cstdint>

namespace amsrtc::server {

class RateLimiter {
 public:
  explicit RateLimiter(double rate_per_second = 200)
      : rate_(rate_per_second), tokens_(rate_per_second) {}

  // True when a message arriving at `now_us` (monotonic microseconds) may
  // pass; false when it is over the limit and must be dropped.
  bool allow(int64_t now_us) {
    if (rate_ <= 0) return true;  // 0 disables the limit
    if (last_us_ != 0) {
      const double elapsed_s = static_cast<double>(now_us - last_us_) / 1e6;
      tokens_ = std::min(rate_, tokens_ + std::max(0.0, elapsed_s) * rate_);
    }
    last_us_ = now_us;
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
  }

 private:
  double rate_;
  double tokens_;
  int64_t last_us_ = 0;
};

}  // namespace amsrtc::server
