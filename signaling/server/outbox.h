// What the state machine asks the I/O layer to do: the only way it acts on
// the world. The WebSocket layer (ws_server.cpp) executes an Outbox in order.
#pragma once

#include <cstdint>
#include <string>
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

using Output = std::variant<SendMessage, CloseConnection>;
using Outbox = std::vector<Output>;

}  // namespace amsrtc::server
