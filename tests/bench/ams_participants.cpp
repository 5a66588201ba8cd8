#include "ams_participants.h"

namespace amsrtc::bench {

namespace proto = amsrtc::protocol;

namespace {

// Our descriptions and candidates as the protocol's messages on `client`.
FanoutSignals signals_to(std::unique_ptr<client::SignalingClient> &client,
                         const std::string &stream_id) {
  return FanoutSignals{
      [&client, stream_id](proto::SdpType type, const std::string &sdp) {
        proto::TakeConfiguration message;
        message.stream_id = stream_id;
        message.type = type;
        message.sdp = sdp;
        client->send(message);
      },
      [&client, stream_id](unsigned mline, const std::string &mid, const std::string &candidate) {
        proto::TakeCandidate message;
        message.stream_id = stream_id;
        message.label = mline;
        message.id = mid;
        message.candidate = candidate;
        client->send(message);
      }};
}

// The remote description or candidate of `message` into `session`; true if
// it was one of them.
bool apply_to(session::PeerSession &session, const proto::Message &message) {
  if (const auto *config = std::get_if<proto::TakeConfiguration>(&message)) {
    session.set_remote_description(config->type, config->sdp);
    return true;
  }
  if (const auto *candidate = std::get_if<proto::TakeCandidate>(&message)) {
    session.add_remote_candidate(static_cast<unsigned>(candidate->label), candidate->candidate);
    return true;
  }
  return false;
}

void report_error(const proto::Message &message, const std::string &who,
                  std::atomic<bool> &failed) {
  if (const auto *error = std::get_if<proto::Error>(&message)) {
    g_printerr("%s: server error %s\n", who.c_str(), error->definition.c_str());
    failed = true;
  }
}

}  // namespace

AmsPublisher::AmsPublisher(const std::string &url, const std::string &stream_id,
                           const std::string &local_address, const std::string &source)
    : stream_id_(stream_id) {
  publisher_ =
      std::make_unique<FanoutPublisher>(signals_to(client_, stream_id), local_address, source);
  client::ClientConfig config;
  config.uri = url;
  config.max_attempts = 1;
  client_ = std::make_unique<client::SignalingClient>(
      config, client::ClientCallbacks{
                  [this](bool) {
                    proto::Publish publish;
                    publish.stream_id = stream_id_;
                    publish.audio = false;
                    client_->send(publish);
                  },
                  [this](const proto::Message &message) { on_message(message); }, nullptr,
                  [this](const std::string &error) {
                    g_printerr("publisher: %s\n", error.c_str());
                    failed_ = true;
                  }});
}

AmsPublisher::~AmsPublisher() {
  client_->stop();
  publisher_.reset();
}

bool AmsPublisher::start() { return publisher_->start() && client_->start(); }

void AmsPublisher::stop() {
  proto::Stop stop;
  stop.stream_id = stream_id_;
  client_->send(stop);
}

// On the signaling client's thread.
void AmsPublisher::on_message(const proto::Message &message) {
  if (std::holds_alternative<proto::Start>(message)) {
    publisher_->create_offer();
  } else if (const auto *notification = std::get_if<proto::Notification>(&message)) {
    if (notification->definition == "publish_started") started_ = true;
    if (notification->definition == "publish_finished") finished_ = true;
  } else if (!apply_to(publisher_->session(), message)) {
    report_error(message, "publisher", failed_);
  }
}

AmsPlayer::AmsPlayer(const std::string &url, const std::string &stream_id,
                     const std::string &local_address)
    : stream_id_(stream_id) {
  receiver_ = std::make_unique<RtpCountingReceiver>(signals_to(client_, stream_id), local_address);
  client::ClientConfig config;
  config.uri = url;
  config.max_attempts = 1;
  client_ = std::make_unique<client::SignalingClient>(
      config, client::ClientCallbacks{
                  [this](bool) {
                    proto::Play play;
                    play.stream_id = stream_id_;
                    client_->send(play);
                  },
                  [this](const proto::Message &message) { on_message(message); }, nullptr,
                  [this](const std::string &error) {
                    g_printerr("player: %s\n", error.c_str());
                    failed_ = true;
                  }});
}

AmsPlayer::~AmsPlayer() {
  client_->stop();
  receiver_.reset();
}

bool AmsPlayer::start() { return receiver_->start() && client_->start(); }

void AmsPlayer::stop() {
  proto::Stop stop;
  stop.stream_id = stream_id_;
  client_->send(stop);
}

void AmsPlayer::on_message(const proto::Message &message) {
  if (const auto *notification = std::get_if<proto::Notification>(&message)) {
    if (notification->definition == "play_finished") finished_ = true;
  } else if (!apply_to(receiver_->session(), message)) {
    report_error(message, "player", failed_);
  }
}

}  // namespace amsrtc::bench
