// Malformed input: each entry maps one bad message to the specific
// DecodeError it must produce (kind, and the member at fault). None may
// crash, hang or be accepted.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "signaling/protocol/codec.h"

namespace amsrtc::protocol {
namespace {

using K = DecodeErrorKind;

struct MalformedCase {
  std::string name;
  std::string text;
  DecodeErrorKind kind;
  std::string field;  // "" when the error names no member
};

std::string nested(int levels) { return std::string(levels, '[') + std::string(levels, ']'); }

std::vector<MalformedCase> malformed_cases() {
  const std::string ten_mb(10 * 1024 * 1024, 'a');
  return {
      // Not JSON at all / truncated
      {"empty_text", "", K::kInvalidJson, ""},
      {"whitespace_only", "   \n", K::kInvalidJson, ""},
      {"truncated_object", R"({"command":"ping")", K::kInvalidJson, ""},
      {"truncated_string", R"({"command":"pi)", K::kInvalidJson, ""},
      {"trailing_garbage", R"({"command":"ping"} x)", K::kInvalidJson, ""},
      {"single_quotes", R"({'command':'ping'})", K::kInvalidJson, ""},
      {"comment", R"({"command":"ping" /* hi */})", K::kInvalidJson, ""},
      {"hex_number", R"({"command":"takeCandidate","streamId":"s","label":0x1,"candidate":"c"})",
       K::kInvalidJson, ""},
      {"trailing_comma", R"({"command":"ping",})", K::kInvalidJson, ""},
      {"bare_word", "ping", K::kInvalidJson, ""},
      // Valid JSON, not an object
      {"json_array", R"([{"command":"ping"}])", K::kNotAnObject, ""},
      {"json_string", R"("ping")", K::kNotAnObject, ""},
      {"json_number", "42", K::kNotAnObject, ""},
      {"json_null", "null", K::kNotAnObject, ""},
      // Encoding
      {"invalid_utf8", "{\"command\":\"pi\xff\xfeng\"}", K::kInvalidUtf8, ""},
      {"overlong_utf8", "{\"command\":\"\xc0\xafping\"}", K::kInvalidUtf8, ""},
      {"nul_byte", std::string("{\"command\":\"ping\"}\0", 19), K::kNulCharacter, ""},
      {"nul_byte_inside_string", std::string("{\"command\":\"pi\0ng\"}", 19), K::kNulCharacter, ""},
      {"nul_escape", R"({"command":"stop","streamId":"a\u0000b"})", K::kNulCharacter, ""},
      // Found by the fuzzer: json-glib accepts \2 and makes a byte of it.
      {"unknown_escape", R"({"command":"stop","streamId":"a","x":"v=1\r\2n"})", K::kInvalidJson,
       ""},
      // Size and nesting
      {"ten_mb_message", R"({"command":"stop","streamId":")" + ten_mb + "\"}", K::kTooLarge, ""},
      {"ten_thousand_levels", nested(10000), K::kTooDeep, ""},
      {"deep_member_value",
       R"({"command":"peerMessageCommand","streamId":"p","data":)" + nested(100) + "}", K::kTooDeep,
       ""},
      // Duplicate members
      {"duplicate_command", R"({"command":"ping","command":"stop"})", K::kDuplicateMember,
       "command"},
      {"duplicate_stream_id", R"({"command":"stop","streamId":"a","streamId":"b"})",
       K::kDuplicateMember, "streamId"},
      {"duplicate_via_escape", R"({"command":"stop","streamId":"a","stream\u0049d":"b"})",
       K::kDuplicateMember, "(a name spelled with escapes)"},
      // The command member
      {"missing_command", R"({"streamId":"s1"})", K::kMissingCommand, ""},
      {"null_command", R"({"command":null})", K::kMissingCommand, ""},
      {"empty_command", R"({"command":""})", K::kMissingCommand, ""},
      {"numeric_command", R"({"command":7})", K::kWrongType, "command"},
      {"unknown_command", R"({"command":"fly","streamId":"s1"})", K::kUnknownCommand, ""},
      {"command_wrong_case", R"({"command":"Publish","streamId":"s1"})", K::kUnknownCommand, ""},
      // Required members
      {"publish_without_stream_id", R"({"command":"publish"})", K::kMissingField, "streamId"},
      {"play_null_stream_id", R"({"command":"play","streamId":null})", K::kMissingField,
       "streamId"},
      {"stop_empty_stream_id", R"({"command":"stop","streamId":""})", K::kMissingField, "streamId"},
      {"offer_without_sdp", R"({"command":"takeConfiguration","streamId":"s","type":"offer"})",
       K::kMissingField, "sdp"},
      {"candidate_without_label", R"({"command":"takeCandidate","streamId":"s","candidate":"c"})",
       K::kMissingField, "label"},
      {"join_room_without_room", R"({"command":"joinRoom","streamId":"me"})", K::kMissingField,
       "room"},
      {"label_empty_string",
       R"({"command":"takeCandidate","streamId":"s","label":"","candidate":"c"})", K::kMissingField,
       "label"},
      {"video_empty_string_means_default",
       R"({"command":"enableTrack","streamId":"m","trackId":"t","enabled":""})", K::kMissingField,
       "enabled"},
      {"enable_track_without_enabled", R"({"command":"enableTrack","streamId":"m","trackId":"t"})",
       K::kMissingField, "enabled"},
      {"notification_without_definition", R"({"command":"notification","streamId":"s"})",
       K::kMissingField, "definition"},
      // Wrong types
      {"label_as_word",
       R"({"command":"takeCandidate","streamId":"s","label":"zero","candidate":"c"})",
       K::kWrongType, "label"},
      {"label_as_fraction",
       R"({"command":"takeCandidate","streamId":"s","label":0.5,"candidate":"c"})", K::kWrongType,
       "label"},
      {"label_as_bool",
       R"({"command":"takeCandidate","streamId":"s","label":true,"candidate":"c"})", K::kWrongType,
       "label"},
      {"video_as_string", R"({"command":"publish","streamId":"s","video":"true"})", K::kWrongType,
       "video"},
      {"video_as_number", R"({"command":"publish","streamId":"s","video":1})", K::kWrongType,
       "video"},
      {"enabled_as_string",
       R"({"command":"toggleVideo","streamId":"s","trackId":"s","enabled":"false"})", K::kWrongType,
       "enabled"},
      {"track_list_as_string", R"({"command":"play","streamId":"s","trackList":"t1"})",
       K::kWrongType, "trackList"},
      {"track_list_with_number", R"({"command":"play","streamId":"s","trackList":["t1",2]})",
       K::kWrongType, "trackList"},
      {"stream_id_as_number", R"({"command":"stop","streamId":12})", K::kWrongType, "streamId"},
      {"stream_id_as_object", R"({"command":"stop","streamId":{"id":"a"}})", K::kWrongType,
       "streamId"},
      {"sdp_type_unknown",
       R"({"command":"takeConfiguration","streamId":"s","type":"pranswer","sdp":"v=0"})",
       K::kWrongType, "type"},
      {"id_mapping_as_array",
       R"({"command":"takeConfiguration","streamId":"s","type":"offer","sdp":"v=0","idMapping":["a"]})",
       K::kWrongType, "idMapping"},
      {"stream_info_entry_not_object",
       R"({"command":"streamInformation","streamId":"s","streamInfo":[1]})", K::kWrongType,
       "streamInfo"},
      // Numbers out of range
      {"label_negative", R"({"command":"takeCandidate","streamId":"s","label":-1,"candidate":"c"})",
       K::kOutOfRange, "label"},
      {"label_too_large",
       R"({"command":"takeCandidate","streamId":"s","label":70000,"candidate":"c"})",
       K::kOutOfRange, "label"},
      {"label_beyond_int64",
       R"({"command":"takeCandidate","streamId":"s","label":99999999999999999999,"candidate":"c"})",
       K::kOutOfRange, "label"},
      {"label_huge_numeric_string",
       R"({"command":"takeCandidate","streamId":"s","label":"99999999999999999999","candidate":"c"})",
       K::kOutOfRange, "label"},
      {"label_exponent",
       R"({"command":"takeCandidate","streamId":"s","label":1e300,"candidate":"c"})",
       K::kOutOfRange, "label"},
      {"stream_height_negative",
       R"({"command":"forceStreamQuality","streamId":"s","streamHeight":-360})", K::kOutOfRange,
       "streamHeight"},
      {"max_track_count_beyond_int32",
       R"({"command":"setMaxVideoTrackCountCommand","streamId":"s","maxTrackCount":4294967296})",
       K::kOutOfRange, "maxTrackCount"},
      // Stream ids (§2)
      {"stream_id_with_slash", R"({"command":"publish","streamId":"a/b"})", K::kInvalidStreamId,
       "streamId"},
      {"stream_id_with_space", R"({"command":"play","streamId":"a b"})", K::kInvalidStreamId,
       "streamId"},
      {"stream_id_with_dotdot_slash", R"({"command":"play","streamId":"../etc"})",
       K::kInvalidStreamId, "streamId"},
      {"stream_id_non_ascii", R"({"command":"play","streamId":"caf\u00e9"})", K::kInvalidStreamId,
       "streamId"},
      {"stream_id_too_long", R"({"command":"stop","streamId":")" + std::string(129, 'x') + "\"}",
       K::kInvalidStreamId, "streamId"},
      // Found by the fuzzer: an empty id in `streams` re-encoded to an entry
      // without streamId, which did not decode again.
      {"room_member_empty_id", R"({"command":"roomInformation","room":"r","streams":[""]})",
       K::kInvalidStreamId, "streamList"},
      {"room_member_bad_id",
       R"({"command":"roomInformation","room":"r","streamList":[{"streamId":"a b"}]})",
       K::kInvalidStreamId, "streamId"},
      {"room_with_slash", R"({"command":"joinRoom","room":"r/1"})", K::kInvalidStreamId, "room"},
      {"main_track_with_quote", R"({"command":"publish","streamId":"s","mainTrack":"r\"1"})",
       K::kInvalidStreamId, "mainTrack"},
  };
}

class Malformed : public ::testing::TestWithParam<MalformedCase> {};

TEST_P(Malformed, IsRejectedWithItsSpecificError) {
  const MalformedCase &c = GetParam();
  const Decoded decoded = decode(c.text);
  ASSERT_FALSE(decoded.ok()) << "accepted: " << c.text.substr(0, 200);
  const DecodeError &error = decoded.error();
  EXPECT_EQ(static_cast<int>(error.kind), static_cast<int>(c.kind)) << error.describe();
  EXPECT_EQ(error.field, c.field) << error.describe();
  EXPECT_FALSE(error.describe().empty());
  // The error reply is itself a valid message: the server can always answer.
  const Decoded reply = decode(encode(error_reply_for(error)));
  ASSERT_TRUE(reply.ok()) << encode(error_reply_for(error));
}

INSTANTIATE_TEST_SUITE_P(Table, Malformed, ::testing::ValuesIn(malformed_cases()),
                         [](const auto &info) { return info.param.name; });

TEST(MalformedTable, HasAtLeastFortyEntries) { EXPECT_GE(malformed_cases().size(), 40u); }

}  // namespace
}  // namespace amsrtc::protocol
