// The fan-out benchmark's participants on Janus's VideoRoom: the same
// FanoutPublisher and RtpCountingReceiver as on amsrtc-server, driven through
// one shared JanusVideoRoom connection (a handle each).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "fanout_peers.h"
#include "janus_videoroom.h"

namespace amsrtc::bench {

class JanusPublisher {
 public:
  JanusPublisher(JanusVideoRoom &janus, uint64_t room, const std::string &local_address);
  // Creates the room, joins it as its publisher and sends the offer.
  bool start(std::string *error);
  bool started() const { return started_; }  // Janus's webrtcup
  bool failed() const { return failed_ || publisher_->failed(); }
  uint64_t feed() const { return feed_; }
  FanoutPublisher &publisher() { return *publisher_; }

 private:
  void on_event(const JanusEvent &event);

  JanusVideoRoom &janus_;
  uint64_t room_;
  // Known only after attach(); our callbacks read it on other threads.
  std::atomic<uint64_t> handle_{0};
  std::atomic<uint64_t> feed_{0};
  std::unique_ptr<FanoutPublisher> publisher_;
  std::atomic<bool> started_{false};
  std::atomic<bool> failed_{false};
};

class JanusPlayer {
 public:
  JanusPlayer(JanusVideoRoom &janus, uint64_t room, uint64_t feed,
              const std::string &local_address);
  bool start(std::string *error);
  bool failed() const { return failed_ || receiver_->failed(); }
  RtpCounts counts() const { return receiver_->counts(); }

 private:
  void on_event(const JanusEvent &event);

  JanusVideoRoom &janus_;
  uint64_t room_, feed_;
  std::atomic<uint64_t> handle_{0};
  std::unique_ptr<RtpCountingReceiver> receiver_;
  std::atomic<bool> failed_{false};
};

}  // namespace amsrtc::bench
