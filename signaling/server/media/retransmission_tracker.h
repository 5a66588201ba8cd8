// Which packets of one RTP stream are missing, and when to ask for them
// again: the logic of the SFU's forwarding jitterbuffer
// (forwarding_jitterbuffer.h), kept free of GStreamer so that it can be
// tested with made-up clocks.
//
// Packets are forwarded in the order they arrive; nothing waits for a
// missing one. A gap in the sequence numbers asks for each missing packet
// at once, then again every retry interval (twice the measured round trip,
// at least min_retry) up to max_requests times or give_up after the gap was
// seen, whichever comes first. A missing packet that arrives later (a
// retransmission, or reordered on the way) is forwarded; a packet already
// forwarded or given up is a duplicate and dropped.
#pragma once

#include <glib.h>

#include <deque>
#include <vector>

namespace amsrtc::server::media {

struct RetransmissionSettings {
  // A jump of more sequence numbers than this is a sender that restarted or
  // skipped ahead, not loss: nothing is asked for.
  int max_gap = 256;
  int max_requests = 3;
  gint64 min_retry_us = 20 * 1000;
  // Before any retransmission has measured the round trip.
  gint64 first_retry_us = 40 * 1000;
  gint64 give_up_us = 1000 * 1000;
};

struct RetransmissionStats {
  guint64 forwarded = 0;
  guint64 lost = 0;        // asked for, never came
  guint64 late = 0;        // came after a later packet (retransmitted or reordered)
  guint64 duplicates = 0;  // dropped
  // Retransmission requests called for (first asks and retries). The
  // element sends them only once NACK is negotiated, and counts what it sent
  // itself ("rtx-count" in its stats).
  guint64 requests = 0;
  guint64 recovered = 0;   // missing packets that came as retransmissions
};

class RetransmissionTracker {
 public:
  struct Verdict {
    bool forward = true;
    std::vector<guint16> request;  // ask the sender for these, in this order
  };

  explicit RetransmissionTracker(RetransmissionSettings settings = {}) : settings_(settings) {}

  // One arriving packet. `retransmitted`: it came as a retransmission (RTX).
  Verdict on_packet(guint16 seqnum, gint64 now_us, bool retransmitted);
  // Forgets the stream (a flush): the next packet starts it again.
  void reset();

  const RetransmissionStats &stats() const { return stats_; }
  // Smoothed time from a request to its retransmission; 0 until measured.
  gint64 round_trip_us() const { return round_trip_us_; }
  size_t missing() const { return missing_.size(); }

 private:
  struct Missing {
    guint16 seqnum;
    gint64 first_asked_us;
    gint64 last_asked_us;
    int requests;
  };

  gint64 retry_interval_us() const;
  void ask_for_gap(guint16 from, guint16 to, gint64 now_us, Verdict &verdict);
  void found(std::deque<Missing>::iterator it, gint64 now_us, bool retransmitted);
  void retry_or_give_up(gint64 now_us, Verdict &verdict);

  RetransmissionSettings settings_;
  bool started_ = false;
  guint16 next_ = 0;             // the sequence number expected next
  std::deque<Missing> missing_;  // in the order the gaps were seen
  RetransmissionStats stats_;
  gint64 round_trip_us_ = 0;
};

}  // namespace amsrtc::server::media
