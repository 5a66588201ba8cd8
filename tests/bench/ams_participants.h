// The fan-out benchmark's participants on amsrtc-server (or any server of
// the Ant Media protocol): a FanoutPublisher or an RtpCountingReceiver with
// its own signaling socket, publishing or playing one stream id.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "fanout_peers.h"
#include "signaling/client/signaling_client.h"

namespace amsrtc::bench {

class AmsPublisher {
 public:
  // `source`: as FanoutPublisher's (empty: the looped clip).
  AmsPublisher(const std::string &url, const std::string &stream_id,
               const std::string &local_address, const std::string &source = "");
  ~AmsPublisher();
  bool start();
  void stop();  // sends stop for the stream, keeps the socket
  bool started() const { return started_; }    // publish_started
  bool finished() const { return finished_; }  // publish_finished
  bool failed() const { return failed_ || publisher_->failed(); }
  FanoutPublisher &publisher() { return *publisher_; }

 private:
  void on_message(const protocol::Message &message);

  std::string stream_id_;
  std::unique_ptr<FanoutPublisher> publisher_;
  std::unique_ptr<client::SignalingClient> client_;
  std::atomic<bool> started_{false};
  std::atomic<bool> finished_{false};
  std::atomic<bool> failed_{false};
};

class AmsPlayer {
 public:
  AmsPlayer(const std::string &url, const std::string &stream_id,
            const std::string &local_address);
  ~AmsPlayer();
  bool start();
  void stop();
  bool finished() const { return finished_; }  // play_finished
  bool failed() const { return failed_ || receiver_->failed(); }
  RtpCounts counts() const { return receiver_->counts(); }

 private:
  void on_message(const protocol::Message &message);

  std::string stream_id_;
  std::unique_ptr<RtpCountingReceiver> receiver_;
  std::unique_ptr<client::SignalingClient> client_;
  std::atomic<bool> finished_{false};
  std::atomic<bool> failed_{false};
};

}  // namespace amsrtc::bench
