// Stream id validation (PROTOCOL.md §2).
//
// Stream ids, room names and main-track ids are session keys on the server
// and end up in logs, file names and URLs, so they are restricted to the
// characters Ant Media Server accepts: [A-Za-z0-9_.-]. We also cap the
// length (AMS does not document one): 128 bytes is far above anything the
// SDKs generate and keeps a hostile id from bloating server state.
#pragma once

#include <cstddef>
#include <string_view>

namespace amsrtc::protocol {

inline constexpr std::size_t kMaxStreamIdLength = 128;

enum class StreamIdProblem {
  kNone,
  kEmpty,
  kTooLong,
  kInvalidCharacter,
};

// What is wrong with `id`, or kNone when it is a valid stream id.
StreamIdProblem check_stream_id(std::string_view id);

inline bool is_valid_stream_id(std::string_view id) {
  return check_stream_id(id) == StreamIdProblem::kNone;
}

}  // namespace amsrtc::protocol
