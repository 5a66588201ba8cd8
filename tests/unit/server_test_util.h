// A driver for StateMachine unit tests: sends JSON text from numbered
// connections with a fake clock and lets tests pick apart the Outbox.
#pragma once

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "signaling/protocol/codec.h"
#include "signaling/protocol/stream_id.h"
#include "signaling/server/state_machine.h"

namespace amsrtc::server::testing {

namespace proto = amsrtc::protocol;

class Driver {
 public:
  explicit Driver(StateMachineConfig config = {}) : machine_(std::move(config)) {}

  StateMachine &machine() { return machine_; }

  // Sends `json` from `connection` (opened on first use); the clock moves on
  // by `step_us` first, 10 ms by default (well under any rate limit).
  Outbox send(ConnectionId connection, const std::string &json, int64_t step_us = 10'000) {
    if (opened_.insert(connection).second) machine_.on_open(connection);
    clock_.monotonic_us += step_us;
    return machine_.on_text(connection, json, clock_);
  }
  Outbox close(ConnectionId connection) { return machine_.on_close(connection); }
  Clock &clock() { return clock_; }

 private:
  StateMachine machine_;
  Clock clock_{1'000'000, 1'700'000'000};
  std::set<ConnectionId> opened_;
};

// Messages sent to `connection`, in order.
inline std::vector<proto::Message> to(const Outbox &out, ConnectionId connection) {
  std::vector<proto::Message> messages;
  for (const Output &output : out) {
    if (const auto *send = std::get_if<SendMessage>(&output); send && send->to == connection) {
      messages.push_back(send->message);
    }
  }
  return messages;
}

// Connections that received anything (sends or closes).
inline std::set<ConnectionId> recipients(const Outbox &out) {
  std::set<ConnectionId> ids;
  for (const Output &output : out) {
    if (const auto *send = std::get_if<SendMessage>(&output)) ids.insert(send->to);
    if (const auto *close = std::get_if<CloseConnection>(&output)) ids.insert(close->connection);
  }
  return ids;
}

// The single message of type T sent to `connection`; fails the test if
// there is not exactly one message, or it is of another type.
template <typename T>
T only(const Outbox &out, ConnectionId connection) {
  const auto messages = to(out, connection);
  EXPECT_EQ(messages.size(), 1u) << "messages to " << connection << ": " << messages.size();
  if (messages.size() != 1) return T{};
  const T *message = std::get_if<T>(&messages[0]);
  EXPECT_NE(message, nullptr) << "got '" << proto::command_name(messages[0])
                              << "': " << proto::encode(messages[0]);
  return message ? *message : T{};
}

inline std::string definition_to(const Outbox &out, ConnectionId connection) {
  const auto messages = to(out, connection);
  if (messages.size() != 1) return "<" + std::to_string(messages.size()) + " messages>";
  if (const auto *n = std::get_if<proto::Notification>(&messages[0])) return n->definition;
  if (const auto *e = std::get_if<proto::Error>(&messages[0])) return e->definition;
  return std::string(proto::command_name(messages[0]));
}

}  // namespace amsrtc::server::testing
