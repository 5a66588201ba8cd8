#include "stream_id.h"

namespace amsrtc::protocol {
namespace {

constexpr bool is_stream_id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

}  // namespace

StreamIdProblem check_stream_id(std::string_view id) {
  if (id.empty()) return StreamIdProblem::kEmpty;
  if (id.size() > kMaxStreamIdLength) return StreamIdProblem::kTooLong;
  for (char c : id) {
    if (!is_stream_id_char(c)) return StreamIdProblem::kInvalidCharacter;
  }
  return StreamIdProblem::kNone;
}

}  // namespace amsrtc::protocol
