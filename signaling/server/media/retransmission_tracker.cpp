#include "retransmission_tracker.h"

#include <algorithm>

namespace amsrtc::server::media {
namespace {

// How far `seqnum` is ahead of `reference` (negative: behind), across the
// 16-bit wrap.
int distance(guint16 reference, guint16 seqnum) {
  return static_cast<gint16>(static_cast<guint16>(seqnum - reference));
}

}  // namespace

RetransmissionTracker::Verdict RetransmissionTracker::on_packet(guint16 seqnum, gint64 now_us,
                                                                bool retransmitted) {
  Verdict verdict;
  if (!started_) {
    started_ = true;
    next_ = static_cast<guint16>(seqnum + 1);
    ++stats_.forwarded;
    return verdict;
  }
  const int ahead = distance(next_, seqnum);
  if (ahead == 0) {
    next_ = static_cast<guint16>(seqnum + 1);
  } else if (ahead > 0 && ahead <= settings_.max_gap) {
    ask_for_gap(next_, seqnum, now_us, verdict);
    next_ = static_cast<guint16>(seqnum + 1);
  } else if (ahead < 0 && -ahead <= settings_.max_gap) {
    auto it = std::find_if(missing_.begin(), missing_.end(),
                           [seqnum](const Missing &m) { return m.seqnum == seqnum; });
    if (it == missing_.end()) {
      ++stats_.duplicates;
      verdict.forward = false;
    } else {
      found(it, now_us, retransmitted);
    }
  } else {
    // Far ahead or far behind: the sender restarted its numbering.
    missing_.clear();
    next_ = static_cast<guint16>(seqnum + 1);
  }
  retry_or_give_up(now_us, verdict);
  if (verdict.forward) ++stats_.forwarded;
  return verdict;
}

void RetransmissionTracker::reset() {
  started_ = false;
  missing_.clear();
}

gint64 RetransmissionTracker::retry_interval_us() const {
  if (round_trip_us_ == 0) return settings_.first_retry_us;
  return std::max(2 * round_trip_us_, settings_.min_retry_us);
}

void RetransmissionTracker::ask_for_gap(guint16 from, guint16 to, gint64 now_us, Verdict &verdict) {
  for (guint16 seqnum = from; seqnum != to; ++seqnum) {
    missing_.push_back({seqnum, now_us, now_us, 1});
    verdict.request.push_back(seqnum);
    ++stats_.requests;
  }
  // Bounded: the oldest gaps are the least likely to be filled now.
  while (missing_.size() > static_cast<size_t>(settings_.max_gap)) {
    missing_.pop_front();
    ++stats_.lost;
  }
}

void RetransmissionTracker::found(std::deque<Missing>::iterator it, gint64 now_us,
                                  bool retransmitted) {
  ++stats_.late;
  if (retransmitted) {
    ++stats_.recovered;
    // The time since the last ask is this retransmission's round trip
    // (an answer to an earlier ask only makes it look shorter).
    const gint64 sample = now_us - it->last_asked_us;
    round_trip_us_ = round_trip_us_ == 0 ? sample : (7 * round_trip_us_ + sample) / 8;
  }
  missing_.erase(it);
}

void RetransmissionTracker::retry_or_give_up(gint64 now_us, Verdict &verdict) {
  const gint64 interval = retry_interval_us();
  for (auto it = missing_.begin(); it != missing_.end();) {
    const bool due = now_us - it->last_asked_us >= interval;
    if (now_us - it->first_asked_us >= settings_.give_up_us ||
        (due && it->requests >= settings_.max_requests)) {
      it = missing_.erase(it);
      ++stats_.lost;
      continue;
    }
    if (due) {
      it->last_asked_us = now_us;
      ++it->requests;
      verdict.request.push_back(it->seqnum);
      ++stats_.requests;
    }
    ++it;
  }
}

}  // namespace amsrtc::server::media
