// What the media plane reports to the state machine about an endpoint
// (outbox.h names the actions that create them). Inputs of
// StateMachine::on_media_event, like frames are inputs of on_text.
#pragma once

#include <map>
#include <string>
#include <variant>

#include "outbox.h"

namespace amsrtc::server {

// The endpoint's offer (player) or answer (publisher), ready to send.
struct LocalDescription {
  EndpointKey key;
  protocol::SdpType type = protocol::SdpType::kAnswer;
  std::string sdp;
  std::map<std::string, std::string> id_mapping;  // player offers: mid -> track id (§3.3 step 8)
};
// A local ICE candidate of the endpoint.
struct LocalCandidate {
  EndpointKey key;
  unsigned mline = 0;
  std::string mid;
  std::string candidate;
};
// Media flows: the publisher's first packets arrived, or the player's
// connection is up and forwarding.
struct MediaFlowing {
  EndpointKey key;
};
// The endpoint cannot work (refused SDP, ICE or DTLS failure, a publisher
// that stopped sending).
struct EndpointFailed {
  EndpointKey key;
  std::string definition;   // the error to send, e.g. "notSetRemoteDescription"; "" for none
  std::string information;  // why, for the client
};
// What a publisher sends, measured about once a second (getStreamInfo).
struct StreamStats {
  EndpointKey key;
  protocol::StreamInfo info;
};

using MediaEvent =
    std::variant<LocalDescription, LocalCandidate, MediaFlowing, EndpointFailed, StreamStats>;

}  // namespace amsrtc::server
