#include "janus_participants.h"

namespace amsrtc::bench {

namespace proto = amsrtc::protocol;

namespace {

FanoutSignals signals_to(JanusVideoRoom &janus, std::atomic<uint64_t> &handle,
                         const std::string &body_with_description) {
  return FanoutSignals{
      [&janus, &handle, body_with_description](proto::SdpType type, const std::string &sdp) {
        janus.message(handle, body_with_description,
                      type == proto::SdpType::kOffer ? "offer" : "answer", sdp);
      },
      [&janus, &handle](unsigned mline, const std::string &mid, const std::string &candidate) {
        janus.trickle(handle, mline, mid, candidate);
      }};
}

void apply_description(session::PeerSession &session, const JanusEvent &event) {
  if (event.jsep_type.empty()) return;
  session.set_remote_description(
      event.jsep_type == "offer" ? proto::SdpType::kOffer : proto::SdpType::kAnswer,
      event.jsep_sdp);
}

std::string string_member(JsonObject *object, const char *name) {
  return object != nullptr ? json_object_get_string_member_with_default(object, name, "") : "";
}

}  // namespace

JanusPublisher::JanusPublisher(JanusVideoRoom &janus, uint64_t room,
                               const std::string &local_address)
    : janus_(janus), room_(room) {
  publisher_ = std::make_unique<FanoutPublisher>(
      signals_to(janus_, handle_,
                 "{\"request\":\"publish\",\"audio\":false,\"video\":true}"),
      local_address);
}

bool JanusPublisher::start(std::string *error) {
  handle_ = janus_.attach([this](const JanusEvent &event) { on_event(event); });
  if (handle_ == 0) {
    *error = "Janus did not attach a VideoRoom handle";
    return false;
  }
  // A room for H.264 with no bitrate cap and no periodic keyframe requests:
  // the same forwarding work as amsrtc-server's.
  const std::string created = janus_.request(
      handle_, "{\"request\":\"create\",\"room\":" + std::to_string(room_) +
                   ",\"publishers\":1,\"bitrate\":0,\"fir_freq\":0,\"videocodec\":\"h264\","
                   "\"audiocodec\":\"opus\",\"record\":false}");
  if (created.find("\"created\"") == std::string::npos) {
    *error = "Janus did not create the room: " + created;
    return false;
  }
  janus_.message(handle_, "{\"request\":\"join\",\"ptype\":\"publisher\",\"room\":" +
                              std::to_string(room_) + ",\"display\":\"fanout\"}");
  return publisher_->start();
}

// On the Janus client's thread.
void JanusPublisher::on_event(const JanusEvent &event) {
  if (event.kind == "webrtcup") {
    started_ = true;
    return;
  }
  if (event.kind != "event") return;
  const std::string what = string_member(event.data, "videoroom");
  if (what == "joined") {
    feed_ = static_cast<uint64_t>(json_object_get_int_member_with_default(event.data, "id", 0));
    publisher_->create_offer();
  } else if (json_object_has_member(event.data, "error")) {
    g_printerr("Janus publisher: %s\n", string_member(event.data, "error").c_str());
    failed_ = true;
  }
  apply_description(publisher_->session(), event);
}

JanusPlayer::JanusPlayer(JanusVideoRoom &janus, uint64_t room, uint64_t feed,
                         const std::string &local_address)
    : janus_(janus), room_(room), feed_(feed) {
  receiver_ = std::make_unique<RtpCountingReceiver>(
      signals_to(janus_, handle_,
                 "{\"request\":\"start\",\"room\":" + std::to_string(room_) + "}"),
      local_address);
}

bool JanusPlayer::start(std::string *error) {
  if (!receiver_->start()) {
    *error = "the receiver pipeline did not start";
    return false;
  }
  handle_ = janus_.attach([this](const JanusEvent &event) { on_event(event); });
  if (handle_ == 0) {
    *error = "Janus did not attach a VideoRoom handle";
    return false;
  }
  janus_.message(handle_, "{\"request\":\"join\",\"ptype\":\"subscriber\",\"room\":" +
                              std::to_string(room_) + ",\"streams\":[{\"feed\":" +
                              std::to_string(feed_) + "}]}");
  return true;
}

void JanusPlayer::on_event(const JanusEvent &event) {
  if (event.kind != "event") return;
  if (event.data != nullptr && json_object_has_member(event.data, "error")) {
    g_printerr("Janus player: %s\n", string_member(event.data, "error").c_str());
    failed_ = true;
  }
  apply_description(receiver_->session(), event);
}

}  // namespace amsrtc::bench
