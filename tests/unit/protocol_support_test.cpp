// Lenient input (PROTOCOL.md §12.1), stream id rules (§2), definition
// tables, error replies (§12.10) and the small accessors of the library.
#include <gtest/gtest.h>

#include "json_compare.h"
#include "signaling/protocol/codec.h"
#include "signaling/protocol/stream_id.h"

namespace amsrtc::protocol {
namespace {

template <typename T>
T decode_as(const std::string &text) {
  const Decoded decoded = decode(text);
  EXPECT_TRUE(decoded.ok()) << (decoded.ok() ? "" : decoded.error().describe());
  if (!decoded.ok()) return T{};
  const T *message = std::get_if<T>(&decoded.message());
  EXPECT_NE(message, nullptr) << "decoded as " << command_name(decoded.message());
  return message ? *message : T{};
}

// --- §12.1 lenient input --------------------------------------------------

TEST(Lenient, JoinRoomAcceptsMainTrackAlone) {
  auto m = decode_as<JoinRoom>(R"({"command":"joinRoom","mainTrack":"room1"})");
  EXPECT_EQ(m.room, "room1");
}

TEST(Lenient, JoinRoomAcceptsRoomAloneAndSendsBoth) {
  auto m = decode_as<JoinRoom>(R"({"command":"joinRoom","room":"room1"})");
  EXPECT_EQ(testing::json_difference(R"({"command":"joinRoom","room":"room1","mainTrack":"room1"})",
                                     encode(m)),
            "");
}

TEST(Lenient, MetadataSpellings) {
  EXPECT_EQ(decode_as<JoinRoom>(R"({"command":"joinRoom","room":"r","metaData":"x"})").metadata,
            "x");
  EXPECT_EQ(decode_as<Publish>(R"({"command":"publish","streamId":"s","metadata":"y"})").meta_data,
            "y");
}

TEST(Lenient, StreamsOrStreamList) {
  auto from_ids =
      decode_as<RoomInformation>(R"({"command":"roomInformation","room":"r","streams":["a","b"]})");
  EXPECT_EQ(from_ids.members.ids(), (std::vector<std::string>{"a", "b"}));
  auto from_list = decode_as<RoomInformation>(
      R"({"command":"roomInformation","ATTR_ROOM_NAME":"r","streamList":[{"streamId":"c","streamName":"C"}]})");
  EXPECT_EQ(from_list.room, "r");
  ASSERT_EQ(from_list.members.entries.size(), 1u);
  EXPECT_EQ(from_list.members.entries[0].stream_name, "C");
}

TEST(Lenient, LabelAsNumericString) {
  auto m = decode_as<TakeCandidate>(
      R"({"command":"takeCandidate","streamId":"s","label":"2","id":"2","candidate":"c"})");
  EXPECT_EQ(m.label, 2);
  // ...and always written back as a JSON number.
  EXPECT_NE(encode(m).find(R"("label":2)"), std::string::npos);
}

TEST(Lenient, IntegralDoubleIsAnInteger) {
  EXPECT_EQ(decode_as<TakeCandidate>(
                R"({"command":"takeCandidate","streamId":"s","label":1.0,"candidate":"c"})")
                .label,
            1);
}

TEST(Lenient, MissingNullAndEmptyAreAlike) {
  for (const char *text : {R"({"command":"publish","streamId":"s"})",
                           R"({"command":"publish","streamId":"s","token":null,"mainTrack":null})",
                           R"({"command":"publish","streamId":"s","token":"","mainTrack":""})"}) {
    auto m = decode_as<Publish>(text);
    EXPECT_EQ(m.token, "") << text;
    EXPECT_EQ(m.main_track, "") << text;
    EXPECT_TRUE(m.video) << "video defaults to true, as in AMS: " << text;
  }
}

TEST(Lenient, UnknownMembersAreIgnored) {
  auto m = decode_as<Stop>(R"({"command":"stop","streamId":"s","futureField":{"x":[1,2]}})");
  EXPECT_EQ(m.stream_id, "s");
}

TEST(Lenient, MemberOrderDoesNotMatter) {
  auto m = decode_as<GetDebugInfo>(R"({"streamId":"room1","command":"getDebugInfo"})");
  EXPECT_EQ(m.stream_id, "room1");
}

TEST(Lenient, EmptyCandidateIsAcceptedAsEndOfCandidates) {
  auto m = decode_as<TakeCandidate>(
      R"({"command":"takeCandidate","streamId":"s","label":0,"id":"0","candidate":""})");
  EXPECT_EQ(m.candidate, "");
}

TEST(Lenient, ServerStyleNullsFromJsonSimple) {
  auto m = decode_as<TakeConfiguration>(
      R"({"command":"takeConfiguration","streamId":"s","type":"answer","sdp":"v=0","linkSession":null,"subscriberId":null})");
  EXPECT_EQ(m.type, SdpType::kAnswer);
  EXPECT_FALSE(m.id_mapping.has_value());
}

// --- strict output ---------------------------------------------------------

TEST(Strict, CandidateCarriesIdAlongsideLabel) {
  TakeCandidate m;
  m.stream_id = "s";
  m.label = 0;
  m.id = "video0";
  m.candidate = "candidate:1 1 UDP 1 127.0.0.1 9 typ host";
  EXPECT_EQ(testing::json_difference(
                R"({"command":"takeCandidate","streamId":"s","label":0,"id":"video0",
                    "candidate":"candidate:1 1 UDP 1 127.0.0.1 9 typ host"})",
                encode(m)),
            "");
}

TEST(Strict, EncodeEscapesSdpLineBreaksAndQuotes) {
  TakeConfiguration m;
  m.stream_id = "s";
  m.sdp = "v=0\r\na=x:\"q\"\r\n";
  const std::string text = encode(m);
  EXPECT_EQ(text.find('\r'), std::string::npos);
  EXPECT_EQ(decode_as<TakeConfiguration>(text).sdp, m.sdp);
}

TEST(Strict, RawJsonThatIsNotJsonIsWrittenAsNull) {
  PeerMessageCommand m;
  m.stream_id = "p";
  m.data = RawJson{"not json"};
  EXPECT_NE(encode(m).find(R"("data":null)"), std::string::npos) << encode(m);
}

// --- stream ids (§2) -------------------------------------------------------

TEST(StreamId, Rules) {
  EXPECT_EQ(check_stream_id("cam_1.main-HD"), StreamIdProblem::kNone);
  EXPECT_EQ(check_stream_id(""), StreamIdProblem::kEmpty);
  EXPECT_EQ(check_stream_id(std::string(kMaxStreamIdLength, 'a')), StreamIdProblem::kNone);
  EXPECT_EQ(check_stream_id(std::string(kMaxStreamIdLength + 1, 'a')), StreamIdProblem::kTooLong);
  for (const char *bad : {"a/b", "a b", "a\\b", "a:b", "a?b", "a#b", "é", "a\nb"}) {
    EXPECT_EQ(check_stream_id(bad), StreamIdProblem::kInvalidCharacter) << bad;
  }
}

TEST(StreamId, TenMegabyteIdIsRejectedAndTruncatedInTheError) {
  const std::string id(10 * 1024 * 1024, 'a');
  const Decoded decoded =
      decode(R"({"command":"publish","streamId":")" + id + "\"}", {16 * 1024 * 1024, 32});
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().kind, DecodeErrorKind::kInvalidStreamId);
  EXPECT_LE(decoded.error().value.size(), kMaxStreamIdLength + 3);
}

TEST(Limits, MessageAtTheLimitIsAccepted) {
  std::string text = R"({"command":"takeConfiguration","streamId":"s","type":"offer","sdp":")";
  const std::size_t limit = 4096;
  text += std::string(limit - text.size() - 2, 'x') + "\"}";
  ASSERT_EQ(text.size(), limit);
  EXPECT_TRUE(decode(text, {limit, 32}).ok());
  EXPECT_EQ(decode(text + " ", {limit, 32}).error().kind, DecodeErrorKind::kTooLarge);
}

// --- definitions -----------------------------------------------------------

TEST(Definitions, KnownAndUnknown) {
  EXPECT_EQ(notification_kind("publish_started"), NotificationKind::kPublishStarted);
  EXPECT_EQ(notification_kind("streamLeaved"), NotificationKind::kStreamLeaved);
  EXPECT_EQ(notification_kind("brand_new"), NotificationKind::kUnknown);
  EXPECT_EQ(error_kind("no_stream_exist"), ErrorKind::kNoStreamExist);
  EXPECT_EQ(error_kind("main_track_has_max_subtrack_count__not_allowed_to_add_more_subtracks"),
            ErrorKind::kRoomFull);
  EXPECT_EQ(error_kind("unsupported_command"), ErrorKind::kUnsupportedCommand);
  EXPECT_EQ(error_kind("whatever"), ErrorKind::kUnknown);
  EXPECT_EQ(definition_text(ErrorKind::kUnauthorizedAccess), "unauthorized_access");
  EXPECT_EQ(definition_text(NotificationKind::kUnknown), "");
}

TEST(Definitions, UnknownDefinitionSurvivesRoundTrip) {
  auto e =
      decode_as<Error>(R"({"command":"error","definition":"quota_exceeded_2031","streamId":"s"})");
  EXPECT_EQ(e.kind(), ErrorKind::kUnknown);
  EXPECT_EQ(e.definition, "quota_exceeded_2031");
  EXPECT_NE(encode(e).find("quota_exceeded_2031"), std::string::npos);
}

// --- error replies (§12.10) -----------------------------------------------

Error reply_for(const std::string &text) {
  const Decoded decoded = decode(text);
  EXPECT_FALSE(decoded.ok());
  return decoded.ok() ? Error{} : error_reply_for(decoded.error());
}

TEST(ErrorReply, InvalidJson) {
  Error e = reply_for("{nope");
  EXPECT_EQ(e.definition, "invalid_json");
  EXPECT_FALSE(e.information.empty());
}

TEST(ErrorReply, UnsupportedCommandNamesIt) {
  Error e = reply_for(R"({"command":"teleport","streamId":"s"})");
  EXPECT_EQ(e.definition, "unsupported_command");
  EXPECT_EQ(e.command_name, "teleport");
}

TEST(ErrorReply, MissingParameterNamesCommandAndParameter) {
  Error e = reply_for(R"({"command":"publish"})");
  EXPECT_EQ(e.definition, "missingParameter");
  EXPECT_EQ(e.command_name, "publish");
  EXPECT_EQ(e.parameter, "streamId");
}

TEST(ErrorReply, InvalidStreamNameEchoesTheId) {
  Error e = reply_for(R"({"command":"publish","streamId":"a/b"})");
  EXPECT_EQ(e.definition, "invalidStreamName");
  EXPECT_EQ(e.stream_id, "a/b");
}

TEST(ErrorReply, WrongTypeIsInvalidParameter) {
  Error e = reply_for(R"({"command":"publish","streamId":"s","video":"yes"})");
  EXPECT_EQ(e.definition, "invalidParameter");
  EXPECT_EQ(e.parameter, "video");
  EXPECT_NE(e.information.find("boolean"), std::string::npos) << e.information;
}

// --- accessors -------------------------------------------------------------

TEST(Accessors, CommandNameAndStreamId) {
  Publish p;
  p.stream_id = "cam1";
  EXPECT_EQ(command_name(Message{p}), "publish");
  EXPECT_EQ(stream_id_of(Message{p}), "cam1");
  EXPECT_EQ(stream_id_of(Message{Ping{}}), "");
  Stop s;
  s.stream_id = "x";
  EXPECT_EQ(stream_id_of(Message{s}), "x");
}

}  // namespace
}  // namespace amsrtc::protocol
