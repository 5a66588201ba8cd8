// What a publisher learns from webrtcbin's get-stats, and the bitrate it
// follows from it. webrtcbin 1.22 has no bandwidth estimator of its own
// (no TWCC or REMB sender side), so the send bitrate follows the loss the
// receiver reports in its RTCP receiver reports: down when it loses, back up
// slowly when it does not, never above the video-bitrate ceiling.
#pragma once

#include <gst/gst.h>

#include <cstdint>

namespace amsrtc::plugin {

// Totals over the video and audio streams we send.
struct SendStats {
  uint64_t bytes_sent = 0;
  uint64_t packets_sent = 0;
  int64_t packets_lost = 0;     // as the receiver reports it
  double fraction_lost = 0;     // 0..1, video, from the last receiver report
  double round_trip_ms = 0;     // video, 0 when unknown
  uint64_t nack_count = 0;      // NACKs received
  uint64_t pli_count = 0;       // PLIs received
  uint64_t fir_count = 0;       // FIRs received
  bool have_receiver_report = false;
};

// Reads webrtcbin's stats structure (one field per stats object).
SendStats read_send_stats(const GstStructure *stats);

// Loss-based send rate (the loss half of Google Congestion Control): above
// 10 % loss the rate drops by half the loss, below 2 % it grows by 8 % per
// report, in between it holds.
class BitrateAdapter {
 public:
  void set_ceiling(unsigned kbps);
  // The rate to use after a report with `fraction_lost` (0..1).
  unsigned update(double fraction_lost);
  unsigned current() const { return current_kbps_; }

 private:
  static constexpr unsigned kFloorKbps = 100;
  unsigned ceiling_kbps_ = 1500;
  unsigned current_kbps_ = 1500;
};

}  // namespace amsrtc::plugin
