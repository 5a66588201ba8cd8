// Field descriptors: how one C++ member of a message maps to one JSON member.
//
// Every message struct in messages.h lists its wire fields in a static
// `fields()` function, so the struct itself is the schema: the codec walks
// that list to decode and encode, and tests compare messages field by field
// with it. Adding a field to a message is one line next to the member.
#pragma once

#include <cstdint>
#include <limits>

namespace amsrtc::protocol {

// Flags for a field. Combine with `|`.
enum FieldFlag : unsigned {
  // Missing, null and "" are all "absent" (PROTOCOL.md §2). A required field
  // that is absent makes decode() fail with DecodeErrorKind::kMissingField.
  kRequired = 1u << 0,
  // Encode the field even when it is empty ("" / [] / false). Used where the
  // real SDK always sends the member, so our output looks like its output.
  kAlwaysEmit = 1u << 1,
  // The value is a stream id / room name: validated with is_valid_stream_id()
  // when non-empty (PROTOCOL.md §2).
  kStreamId = 1u << 2,
  // Encode the value under the alias name too (room + mainTrack,
  // room + ATTR_ROOM_NAME: PROTOCOL.md §12.1 "send both").
  kEmitAlias = 1u << 3,
  // An integer that may also arrive as a numeric string ("label": "0").
  kNumericString = 1u << 4,
};

// Inclusive range an integer field must lie in; anything else is
// DecodeErrorKind::kOutOfRange.
struct IntRange {
  int64_t min = 0;
  int64_t max = std::numeric_limits<int32_t>::max();
};

template <typename Owner, typename Value>
struct Field {
  const char *name;   // JSON member name written on the wire
  const char *alias;  // other accepted spelling, or nullptr
  Value Owner::*member;
  unsigned flags;
  IntRange range;
};

template <typename Owner, typename Value>
constexpr Field<Owner, Value> field(const char *name, Value Owner::*member, unsigned flags = 0) {
  return {name, nullptr, member, flags, IntRange{}};
}

template <typename Owner, typename Value>
constexpr Field<Owner, Value> field(const char *name, const char *alias, Value Owner::*member,
                                    unsigned flags = 0) {
  return {name, alias, member, flags, IntRange{}};
}

template <typename Owner, typename Value>
constexpr Field<Owner, Value> int_field(const char *name, Value Owner::*member, IntRange range,
                                        unsigned flags = 0) {
  return {name, nullptr, member, flags, range};
}

}  // namespace amsrtc::protocol
