// What a publisher learns from webrtcbin's get-stats and from the RTCP
// receiver reports it receives, and the bitrate it follows from them.
// webrtcbin 1.22 has no bandwidth estimator of its own (no TWCC or REMB
// sender side), so the send bitrate follows the loss the receiver reports:
// down when it loses, back up slowly when it does not, never above the
// video-bitrate ceiling.
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>

namespace amsrtc::plugin {

// Totals over the video and audio streams we send.
struct SendStats {
  uint64_t bytes_sent = 0;
  uint64_t packets_sent = 0;
  int64_t packets_lost = 0;  // as the receiver reports it
  double fraction_lost = 0;  // 0..1: get-stats' report (see ReceiverFeedback)
  double round_trip_ms = 0;  // the transport's, 0 when unknown
  uint64_t nack_count = 0;   // NACKs received
  uint64_t pli_count = 0;    // PLIs received
  uint64_t fir_count = 0;    // FIRs received
  bool have_receiver_report = false;
  uint32_t video_ssrc = 0;  // our video stream's SSRC, 0 when not sending video
  uint64_t video_packets_sent = 0;
};

// Reads webrtcbin's stats structure (one field per stats object).
SendStats read_send_stats(const GstStructure *stats);

// What the receiver tells us about each stream we send, read from the RTCP
// webrtcbin receives, by the SSRC it is about:
//  - report blocks of receiver and sender reports. webrtcbin 1.22's
//    get-stats keeps one per remote source, so with audio and video on one
//    bundled transport it shows only one of them (in practice audio's);
//  - generic NACKs: the sequence numbers the receiver missed. A receiver
//    that NACKs sends early RTCP, which carries no report blocks, and the
//    regular reports can then stay away for as long as the loss lasts
//    (measured on amsrtc-server: none in 15 s at 25 % loss), so the NACKs
//    are what tells us about loss while it happens.
class ReceiverFeedback {
 public:
  struct Stream {
    double fraction_lost = 0;     // of the newest report block, 0..1
    uint64_t report_blocks = 0;   // report blocks received
    uint64_t packets_nacked = 0;  // distinct sequence numbers NACKed
  };

  ReceiverFeedback();
  ~ReceiverFeedback();
  ReceiverFeedback(const ReceiverFeedback &) = delete;
  ReceiverFeedback &operator=(const ReceiverFeedback &) = delete;

  // Starts reading the RTCP `webrtc` receives, once its RTP session exists
  // (after negotiation). Returns whether it is reading; calling it again
  // after that does nothing.
  bool listen(GstElement *webrtc);
  std::optional<Stream> about(uint32_t ssrc) const;
  // Reads one RTCP compound packet (what listen() does with each one).
  void read_rtcp(GstBuffer *buffer);

 private:
  struct Feedback {
    std::mutex mutex;
    std::map<uint32_t, Stream> by_ssrc;
    // The sequence numbers already counted, per SSRC: a packet whose
    // retransmission was lost too is NACKed again, and counts once.
    std::map<uint32_t, std::set<uint16_t>> recently_nacked;
  };
  static void on_rtcp(GObject *session, GstBuffer *buffer, gpointer feedback);
  static void read(Feedback &feedback, GstBuffer *buffer);
  std::shared_ptr<Feedback> feedback_;
  GObject *session_ = nullptr;
  gulong handler_ = 0;
};

// Loss over a span of sent packets: report blocks when the receiver sends
// them, else the NACKed share of the video packets sent since the last
// decision. Returns nothing until enough has been sent to judge.
class LossMeter {
 public:
  std::optional<double> update(const ReceiverFeedback::Stream &stream, uint64_t packets_sent);
  double last() const { return last_; }  // the newest measure, 0 before the first

 private:
  // Enough for a share to mean something: 2-3 s of a small 30 fps picture
  // (about a packet a frame), a fraction of a second at 720p.
  static constexpr uint64_t kMinPackets = 60;
  uint64_t report_blocks_ = 0;
  uint64_t nacked_ = 0;
  uint64_t sent_ = 0;
  bool started_ = false;
  double last_ = 0;
};

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
