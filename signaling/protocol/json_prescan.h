// A single linear pass over JSON text that finds what json-glib would accept
// silently or handle badly: nesting deep enough to exhaust the stack,
// `\u0000` escapes (json-glib truncates the string there), and members named
// twice in the top-level object (json-glib keeps the last one, so two
// readers could disagree about what a message says).
//
// It also rejects bytes outside strings that standard JSON never contains:
// json-glib's scanner accepts single-quoted strings, comments and hex
// numbers, which other parsers reject, and two parsers must not disagree
// about a message. Everything else is left to json-glib.
#pragma once

#include <string>
#include <string_view>

namespace amsrtc::protocol::detail {

struct PrescanResult {
  enum class Problem { kNone, kTooDeep, kNulEscape, kDuplicateMember, kNotJson };
  Problem problem = Problem::kNone;
  std::string duplicate_member;  // raw (still escaped) name, kDuplicateMember
  std::size_t offset = 0;        // kNotJson: where the stray byte is
  // Members counted in the top-level object; compared with json-glib's
  // member count to catch duplicates spelled with different escapes.
  unsigned top_level_members = 0;
};

PrescanResult prescan_json(std::string_view text, int max_depth);

}  // namespace amsrtc::protocol::detail
