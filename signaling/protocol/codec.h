// JSON text <-> Message (messages.h), on json-glib.
//
// decode() is lenient where PROTOCOL.md §12.1 says so (alias spellings,
// `label` as a numeric string, missing/null/"" alike, unknown members
// ignored) and otherwise precise: every failure is a DecodeError naming what
// was wrong. encode() is strict: numbers and booleans as JSON numbers and
// booleans, both spellings where §12.1 says "send both".
//
// Pure: no I/O, no main loop, no logging; safe to call from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

#include "messages.h"

namespace amsrtc::protocol {

enum class DecodeErrorKind {
  kTooLarge,         // text longer than DecodeLimits::max_bytes
  kInvalidUtf8,      // not UTF-8
  kNulCharacter,     // a NUL byte, or a \u0000 escape in a string
  kTooDeep,          // nesting deeper than DecodeLimits::max_depth
  kInvalidJson,      // json-glib could not parse it (detail has why)
  kDuplicateMember,  // the message object names a member twice (field)
  kNotAnObject,      // valid JSON, but not an object
  kMissingCommand,   // no string `command` member
  kUnknownCommand,   // `command` is not one this library knows (command)
  kMissingField,     // a required member is missing/null/"" (field)
  kWrongType,        // a member has the wrong JSON type (field, expected)
  kOutOfRange,       // a number outside its allowed range (field, expected)
  kInvalidStreamId,  // a stream id / room name breaks §2 (field, value)
};

struct DecodeError {
  DecodeErrorKind kind = DecodeErrorKind::kInvalidJson;
  std::string command;   // the message's command, when known
  std::string field;     // the member at fault, when there is one
  std::string expected;  // kWrongType / kOutOfRange: what was expected
  std::string value;     // kInvalidStreamId: the offending id (truncated)
  std::string detail;    // kInvalidJson / kUnknownCommand: more context

  // One sentence for logs and for the `information` of error replies.
  std::string describe() const;
};

struct DecodeLimits {
  std::size_t max_bytes = 1024 * 1024;  // the server's default frame limit
  int max_depth = 32;                   // our messages nest 3 levels at most
};

// The result of decode(): a Message or the DecodeError that prevented it.
class Decoded {
 public:
  Decoded(Message message) : value_(std::move(message)) {}
  Decoded(DecodeError error) : value_(std::move(error)) {}

  bool ok() const { return std::holds_alternative<Message>(value_); }
  explicit operator bool() const { return ok(); }
  const Message &message() const { return std::get<Message>(value_); }
  Message &message() { return std::get<Message>(value_); }
  const DecodeError &error() const { return std::get<DecodeError>(value_); }

 private:
  std::variant<Message, DecodeError> value_;
};

// Parses one wire message (one WebSocket text frame).
Decoded decode(std::string_view text, const DecodeLimits &limits = {});

// Serializes a message as one compact JSON object.
std::string encode(const Message &message);

// The error reply a server sends for a message that failed to decode
// (PROTOCOL.md §12.10): invalid_json, unsupported_command, missingParameter,
// invalidParameter or invalidStreamName, with the request's command, the
// member at fault and describe() as `information`.
Error error_reply_for(const DecodeError &error);

}  // namespace amsrtc::protocol
