// The two webrtcbin ends of the SFU fan-out benchmark, independent of the
// server they talk to (amsrtc-server or Janus): whoever drives them passes
// the remote description and candidates in and gets ours out through the
// two callbacks.
//
// - FanoutPublisher: a 720p30 H.264 camera stand-in (moving SMPTE bars at
//   ~2 Mbit/s, constrained baseline, encoded once and replayed in a loop:
//   encoded_clip.h), send-only.
// - RtpCountingReceiver: a receive-only webrtcbin that never decodes: a
//   probe where each packet would enter the jitterbuffer counts RTP packets,
//   bytes and the sequence numbers that never arrived, and drops the packet.
//   That is after ICE, SRTP and the RTP session (receiver reports go out as
//   from any player) but before any retransmission: the loss as delivered.
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "gst/session/peer_session.h"

namespace amsrtc::bench {

struct FanoutSignals {
  std::function<void(protocol::SdpType type, const std::string &sdp)> send_description;
  std::function<void(unsigned mline, const std::string &mid, const std::string &candidate)>
      send_candidate;
};

// What a receiver got, cumulative since it started.
struct RtpCounts {
  uint64_t packets = 0;
  uint64_t bytes = 0;  // RTP, headers included
  // Extended sequence numbers from the first packet to the newest one: the
  // packets that were sent to us meanwhile (expected - packets = lost).
  uint64_t expected = 0;
};

class FanoutPublisher {
 public:
  // `local_address`: where ICE gathers its host candidate (127.0.0.1 here).
  // `source`: a gst-launch description ending in H.264 that replaces the
  // looped clip (the publish CPU benchmark's bare-webrtcbin floor reads a
  // file); empty for the clip.
  FanoutPublisher(FanoutSignals signals, const std::string &local_address,
                  const std::string &source = "");
  ~FanoutPublisher();
  FanoutPublisher(const FanoutPublisher &) = delete;
  FanoutPublisher &operator=(const FanoutPublisher &) = delete;

  bool start();  // PLAYING; the offer comes with create_offer()
  void create_offer() { session_->create_offer(); }
  session::PeerSession &session() { return *session_; }
  // RTP bytes (headers included) the payloader produced so far.
  uint64_t sent_bytes() const { return sent_bytes_; }
  bool failed() const { return failed_; }

 private:
  GstElement *pipeline_ = nullptr;
  std::unique_ptr<session::PeerSession> session_;
  std::atomic<uint64_t> sent_bytes_{0};
  std::atomic<bool> failed_{false};
};

class RtpCountingReceiver {
 public:
  RtpCountingReceiver(FanoutSignals signals, const std::string &local_address);
  ~RtpCountingReceiver();
  RtpCountingReceiver(const RtpCountingReceiver &) = delete;
  RtpCountingReceiver &operator=(const RtpCountingReceiver &) = delete;

  bool start();
  session::PeerSession &session() { return *session_; }
  RtpCounts counts() const;
  bool failed() const { return failed_; }

 private:
  static void on_new_jitterbuffer(GstElement *rtpbin, GstElement *jitterbuffer, guint session,
                                  guint ssrc, gpointer self);
  static GstPadProbeReturn count_packet(GstPad *, GstPadProbeInfo *info, gpointer self);

  GstElement *pipeline_ = nullptr;
  GstElement *webrtc_ = nullptr;
  std::unique_ptr<session::PeerSession> session_;
  std::atomic<bool> failed_{false};
  // Video only (the publisher sends no audio), so one streaming thread
  // writes these; counts() reads them from any thread.
  std::atomic<uint64_t> packets_{0};
  std::atomic<uint64_t> bytes_{0};
  std::atomic<int64_t> first_seq_{-1};
  std::atomic<int64_t> newest_seq_{-1};
};

}  // namespace amsrtc::bench
