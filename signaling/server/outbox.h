// What the state machine asks the I/O layer to do: the only way it acts on
// the world. The WebSocket layer (ws_server.cpp) executes an Outbox in order.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include "signaling/protocol/messages.h"

namespace amsrtc::server {

// Assigned by the I/O layer, never reused within a server's lifetime.
using ConnectionId = uint64_t;

// Send `message` as one text frame to connection `to`. When `verbatim` is
// set it is the exact text to send: a relayed message that needs no change
// goes out as it came in (one fewer encode on the hot path, and unknown
// members reach the peer untouched).
struct SendMessage {
  ConnectionId to;
  protocol::Message message;
  std::string verbatim;
};

// Close connection `connection` with a WebSocket close code.
struct CloseConnection {
  ConnectionId connection;
  int code;  // 1001 going away, 1008 policy violation, ...
  std::string reason;
};

// ---- Media plane (the SFU, PROTOCOL.md §3.2, §3.3, §12.7) --------------
// The state machine decides; the media plane (webrtcbin endpoints) acts and
// reports back with MediaEvents (media_events.h). An endpoint serves one
// session: a connection publishing or playing one stream id.
struct EndpointKey {
  ConnectionId connection = 0;
  std::string stream_id;
  bool player = false;  // false: the publisher of stream_id
  bool operator<(const EndpointKey &o) const {
    return std::tie(connection, stream_id, player) < std::tie(o.connection, o.stream_id, o.player);
  }
  bool operator==(const EndpointKey &o) const {
    return connection == o.connection && stream_id == o.stream_id && player == o.player;
  }
};

// A publisher's offer arrived: create its receiving endpoint and answer.
struct CreatePublisher {
  EndpointKey key;
  std::string offer_sdp;
};
// A player: create a sending endpoint fed from the tracks of `sources`
// (forwarded, never decoded) and offer. `sources` is the played stream, or
// for a main-track conference every other member's stream (may be empty).
struct CreatePlayer {
  EndpointKey key;
  std::vector<std::string> sources;
};
// A main-track player's members changed: link the new, drop the gone, and
// re-offer (renegotiation, PROTOCOL.md §3.3 (7)).
struct UpdatePlayerSources {
  EndpointKey key;
  std::vector<std::string> sources;
};
// toggleVideo / toggleAudio / enableTrack: stop or resume forwarding the
// tracks of `source` of `kind` ("video", "audio", "" for both) to a player.
struct SetTrackEnabled {
  EndpointKey key;
  std::string source;
  std::string kind;
  bool enabled = true;
};
// The client's answer to a player's offer (or a publisher's new offer).
struct ApplyRemoteDescription {
  EndpointKey key;
  protocol::SdpType type = protocol::SdpType::kAnswer;
  std::string sdp;
};
struct ApplyRemoteCandidate {
  EndpointKey key;
  unsigned mline = 0;
  std::string candidate;
};
// The session ended: tear the endpoint down.
struct RemoveEndpoint {
  EndpointKey key;
};

using Output = std::variant<SendMessage, CloseConnection, CreatePublisher, CreatePlayer,
                            UpdatePlayerSources, SetTrackEnabled, ApplyRemoteDescription,
                            ApplyRemoteCandidate, RemoveEndpoint>;
using Outbox = std::vector<Output>;

}  // namespace amsrtc::server
