// Round trip of every message type: a message with every member set encodes
// to exactly the JSON written here by hand (names, types, both spellings
// where §12.1 says "send both"), and that JSON decodes back to an equal
// message, compared field by field.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "json_compare.h"
#include "signaling/protocol/codec.h"

namespace amsrtc::protocol {
namespace {

struct RoundTripCase {
  std::string name;
  Message message;
  std::string json;
};

template <typename T>
RoundTripCase make_case(std::string name, T message, std::string json) {
  return {std::move(name), Message{std::move(message)}, std::move(json)};
}

std::vector<RoundTripCase> all_cases() {
  std::vector<RoundTripCase> cases;
  cases.push_back(make_case("ping", Ping{}, R"({"command":"ping"})"));
  cases.push_back(
      make_case("getIceServerConfig", GetIceServerConfig{}, R"({"command":"getIceServerConfig"})"));
  {
    Publish m;
    m.stream_id = "pub1";
    m.token = "tok";
    m.subscriber_id = "sub";
    m.subscriber_code = "123456";
    m.stream_name = "Camera 1";
    m.main_track = "room1";
    m.video = true;
    m.audio = false;
    m.meta_data = R"({"mic":true})";
    m.role = "host";
    cases.push_back(make_case("publish", m, R"({"command":"publish","streamId":"pub1","token":"tok",
      "subscriberId":"sub","subscriberCode":"123456","streamName":"Camera 1","mainTrack":"room1",
      "video":true,"audio":false,"metaData":"{\"mic\":true}","role":"host"})"));
  }
  {
    Play m;
    m.stream_id = "room1";
    m.token = "tok";
    m.room = "room1";
    m.track_list = {"a", "!b"};
    m.subscriber_id = "sub";
    m.subscriber_code = "code";
    m.viewer_info = "info";
    m.role = "viewer";
    m.user_publish_id = "me";
    m.subscriber_name = "Bob";
    m.disable_tracks_by_default = true;
    cases.push_back(make_case("play", m, R"({"command":"play","streamId":"room1","token":"tok",
      "room":"room1","trackList":["a","!b"],"subscriberId":"sub","subscriberCode":"code",
      "viewerInfo":"info","role":"viewer","userPublishId":"me","subscriberName":"Bob",
      "disableTracksByDefault":true})"));
  }
  {
    TakeConfiguration m;
    m.stream_id = "s1";
    m.type = SdpType::kOffer;
    m.sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n";
    m.id_mapping = IdMapping{{"0", "ARDAMSvs1"}, {"1", "ARDAMSas1"}};
    m.link_session = "link";
    m.subscriber_id = "sub";
    cases.push_back(make_case("takeConfiguration-offer", m,
                              R"({"command":"takeConfiguration","streamId":"s1","type":"offer",
      "sdp":"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n","idMapping":{"0":"ARDAMSvs1","1":"ARDAMSas1"},
      "linkSession":"link","subscriberId":"sub"})"));
  }
  {
    TakeConfiguration m;
    m.stream_id = "s1";
    m.type = SdpType::kAnswer;
    m.sdp = "v=0\r\n";
    m.id_mapping = IdMapping{};  // present but empty: relayed P2P offers (§12.3)
    cases.push_back(make_case(
        "takeConfiguration-answer", m,
        R"({"command":"takeConfiguration","streamId":"s1","type":"answer","sdp":"v=0\r\n","idMapping":{}})"));
  }
  {
    TakeCandidate m;
    m.stream_id = "s1";
    m.label = 1;
    m.id = "1";
    m.candidate = "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host";
    m.link_session = "link";
    m.subscriber_id = "sub";
    cases.push_back(make_case("takeCandidate", m, R"({"command":"takeCandidate","streamId":"s1",
      "label":1,"id":"1","candidate":"candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host",
      "linkSession":"link","subscriberId":"sub"})"));
  }
  {
    Stop m;
    m.stream_id = "s1";
    cases.push_back(make_case("stop", m, R"({"command":"stop","streamId":"s1"})"));
  }
  {
    Join m;
    m.stream_id = "p2p";
    m.multi_peer = true;
    m.mode = "both";
    m.token = "jwt";
    cases.push_back(make_case(
        "join", m,
        R"({"command":"join","streamId":"p2p","multiPeer":true,"mode":"both","token":"jwt"})"));
  }
  {
    Leave m;
    m.stream_id = "p2p";
    cases.push_back(make_case("leave", m, R"({"command":"leave","streamId":"p2p"})"));
  }
  {
    PeerMessageCommand m;
    m.stream_id = "p2p";
    m.definition = "chat";
    m.data = RawJson{R"({"text":"hi","n":[1,2]})"};
    cases.push_back(make_case(
        "peerMessageCommand", m,
        R"({"command":"peerMessageCommand","streamId":"p2p","definition":"chat","data":{"text":"hi","n":[1,2]}})"));
  }
  {
    JoinRoom m;
    m.room = "room1";
    m.stream_id = "me";
    m.mode = "legacy";
    m.stream_name = "Me";
    m.role = "host";
    m.metadata = "{}";
    m.token = "jwt";
    cases.push_back(make_case("joinRoom", m, R"({"command":"joinRoom","room":"room1",
      "mainTrack":"room1","streamId":"me","mode":"legacy","streamName":"Me","role":"host",
      "metadata":"{}","token":"jwt"})"));
  }
  {
    LeaveFromRoom m;
    m.room = "room1";
    m.stream_id = "me";
    cases.push_back(make_case(
        "leaveFromRoom", m,
        R"({"command":"leaveFromRoom","room":"room1","mainTrack":"room1","streamId":"me"})"));
  }
  {
    GetRoomInfo m;
    m.room = "room1";
    m.stream_id = "me";
    cases.push_back(
        make_case("getRoomInfo", m, R"({"command":"getRoomInfo","room":"room1","streamId":"me"})"));
  }
  {
    GetStreamInfo m;
    m.stream_id = "s1";
    cases.push_back(
        make_case("getStreamInfo", m, R"({"command":"getStreamInfo","streamId":"s1"})"));
  }
  {
    GetTrackList m;
    m.stream_id = "main1";
    m.token = "tok";
    cases.push_back(make_case("getTrackList", m,
                              R"({"command":"getTrackList","streamId":"main1","token":"tok"})"));
  }
  {
    EnableTrack m;
    m.stream_id = "main1";
    m.track_id = "t1";
    m.enabled = false;
    cases.push_back(make_case(
        "enableTrack", m,
        R"({"command":"enableTrack","streamId":"main1","trackId":"t1","enabled":false})"));
  }
  {
    ToggleVideo m;
    m.stream_id = "s1";
    m.track_id = "s1";
    m.enabled = false;
    cases.push_back(
        make_case("toggleVideo", m,
                  R"({"command":"toggleVideo","streamId":"s1","trackId":"s1","enabled":false})"));
  }
  {
    ToggleAudio m;
    m.stream_id = "s1";
    m.track_id = "s1";
    m.enabled = true;
    cases.push_back(
        make_case("toggleAudio", m,
                  R"({"command":"toggleAudio","streamId":"s1","trackId":"s1","enabled":true})"));
  }
  {
    ForceStreamQuality m;
    m.stream_id = "s1";
    m.stream_height = 360;
    m.track_id = "t1";
    cases.push_back(make_case(
        "forceStreamQuality", m,
        R"({"command":"forceStreamQuality","streamId":"s1","streamHeight":360,"trackId":"t1"})"));
  }
  {
    UpdateStreamMetaData m;
    m.stream_id = "s1";
    m.meta_data = R"({"a":1})";
    cases.push_back(
        make_case("updateStreamMetaData", m,
                  R"({"command":"updateStreamMetaData","streamId":"s1","metaData":"{\"a\":1}"})"));
  }
  {
    GetBroadcastObject m;
    m.stream_id = "room1";
    cases.push_back(make_case("getBroadcastObject", m,
                              R"({"command":"getBroadcastObject","streamId":"room1"})"));
  }
  {
    GetSubtracks m;
    m.stream_id = "room1";
    m.role = "host";
    m.offset = 0;
    m.size = 10;
    cases.push_back(make_case(
        "getSubtracks", m,
        R"({"command":"getSubtracks","streamId":"room1","role":"host","offset":0,"size":10})"));
  }
  {
    GetSubtracksCount m;
    m.stream_id = "room1";
    m.role = "host";
    m.status = "broadcasting";
    cases.push_back(make_case(
        "getSubtracksCount", m,
        R"({"command":"getSubtracksCount","streamId":"room1","role":"host","status":"broadcasting"})"));
  }
  {
    GetSubscriberCount m;
    m.stream_id = "s1";
    cases.push_back(
        make_case("getSubscriberCount", m, R"({"command":"getSubscriberCount","streamId":"s1"})"));
  }
  {
    GetSubscribers m;
    m.stream_id = "s1";
    m.offset = 5;
    m.size = 20;
    cases.push_back(
        make_case("getSubscribers", m,
                  R"({"command":"getSubscribers","streamId":"s1","offset":5,"size":20})"));
  }
  {
    GetVideoTrackAssignments m;
    m.stream_id = "room1";
    cases.push_back(
        make_case("getVideoTrackAssignmentsCommand", m,
                  R"({"command":"getVideoTrackAssignmentsCommand","streamId":"room1"})"));
  }
  {
    AssignVideoTrack m;
    m.stream_id = "p1";
    m.video_track_id = "videoTrack0";
    m.enabled = false;
    cases.push_back(make_case(
        "assignVideoTrackCommand", m,
        R"({"command":"assignVideoTrackCommand","streamId":"p1","videoTrackId":"videoTrack0","enabled":false})"));
  }
  {
    UpdateVideoTrackAssignments m;
    m.stream_id = "room1";
    m.offset = 0;
    m.size = 4;
    cases.push_back(make_case(
        "updateVideoTrackAssignmentsCommand", m,
        R"({"command":"updateVideoTrackAssignmentsCommand","streamId":"room1","offset":0,"size":4})"));
  }
  {
    SetMaxVideoTrackCount m;
    m.stream_id = "me";
    m.max_track_count = 6;
    cases.push_back(make_case(
        "setMaxVideoTrackCountCommand", m,
        R"({"command":"setMaxVideoTrackCountCommand","streamId":"me","maxTrackCount":6})"));
  }
  {
    GetDebugInfo m;
    m.stream_id = "room1";
    cases.push_back(
        make_case("getDebugInfo", m, R"({"command":"getDebugInfo","streamId":"room1"})"));
  }
  {
    RegisterPushNotificationToken m;
    m.subscriber_id = "sub";
    m.token = "jwt";
    m.pns_registration_token = "pns";
    m.pns_type = "fcm";
    cases.push_back(
        make_case("registerPushNotificationToken", m,
                  R"({"command":"registerPushNotificationToken","subscriberId":"sub","token":"jwt",
      "pnsRegistrationToken":"pns","pnsType":"fcm"})"));
  }
  {
    SendPushNotification m;
    m.subscriber_id = "sub";
    m.token = "jwt";
    m.push_notification_content = RawJson{R"({"title":"t"})"};
    m.subscriber_ids_to_notify = {"u1", "u2"};
    m.topic = "news";
    cases.push_back(
        make_case("sendPushNotification", m,
                  R"({"command":"sendPushNotification","subscriberId":"sub","token":"jwt",
      "pushNotificationContent":{"title":"t"},"subscriberIdsToNotify":["u1","u2"],"topic":"news"})"));
  }
  {
    Start m;
    m.stream_id = "pub1";
    m.subscriber_id = "sub";
    cases.push_back(
        make_case("start", m, R"({"command":"start","streamId":"pub1","subscriberId":"sub"})"));
  }
  cases.push_back(make_case("pong", Pong{}, R"({"command":"pong"})"));
  {
    Notification m;
    m.definition = "joinedTheRoom";
    m.stream_id = "me";
    m.subscriber_id = "sub";
    m.room = "room1";
    m.members = RoomMembers{{{"a", "Alice", "{}"}, {"b", "", ""}}};
    m.max_track_count = 6;
    m.track_id = "t1";
    m.stream_height = 720;
    m.count = 3;
    m.target_bitrate = 2000000;
    m.video_bitrate = 1800000;
    m.audio_bitrate = 64000;
    m.broadcast = R"({"streamId":"room1"})";
    m.subtrack_list = std::vector<std::string>{"{}"};
    m.subscriber_list = std::vector<std::string>{};
    m.debug_info = "dbg";
    m.success = true;
    m.information = "info";
    cases.push_back(make_case("notification-all-fields", m, R"({"command":"notification",
      "definition":"joinedTheRoom","streamId":"me","subscriberId":"sub","room":"room1",
      "ATTR_ROOM_NAME":"room1","streamList":[{"streamId":"a","streamName":"Alice","metaData":"{}"},
      {"streamId":"b"}],"streams":["a","b"],"maxTrackCount":6,"trackId":"t1","streamHeight":720,
      "count":3,"targetBitrate":2000000,"videoBitrate":1800000,"audioBitrate":64000,
      "broadcast":"{\"streamId\":\"room1\"}","subtrackList":["{}"],"subscriberList":[],
      "debugInfo":"dbg","success":true,"information":"info"})"));
  }
  {
    Notification m;
    m.definition = "publish_started";
    m.stream_id = "pub1";
    cases.push_back(make_case(
        "notification-publish_started", m,
        R"({"command":"notification","definition":"publish_started","streamId":"pub1"})"));
  }
  {
    Notification m;
    m.definition = "some_future_definition";  // unknown definitions are kept
    m.stream_id = "s1";
    cases.push_back(make_case(
        "notification-unknown-definition", m,
        R"({"command":"notification","definition":"some_future_definition","streamId":"s1"})"));
  }
  {
    Error m;
    m.definition = "missingParameter";
    m.stream_id = "s1";
    m.subscriber_id = "sub";
    m.room = "room1";
    m.command_name = "publish";
    m.parameter = "streamId";
    m.error_code = "404";
    m.information = "detail";
    cases.push_back(make_case("error-all-fields", m, R"({"command":"error",
      "definition":"missingParameter","streamId":"s1","subscriberId":"sub","room":"room1",
      "commandName":"publish","parameter":"streamId","error_code":"404","information":"detail"})"));
  }
  {
    StreamInformation m;
    m.stream_id = "s1";
    m.stream_info = {StreamInfo{1280, 720, 1500000, 64000, "H264"}};
    cases.push_back(make_case("streamInformation", m, R"({"command":"streamInformation",
      "streamId":"s1","streamInfo":[{"streamWidth":1280,"streamHeight":720,
      "videoBitrate":1500000,"audioBitrate":64000,"videoCodec":"H264"}]})"));
  }
  {
    RoomInformation m;
    m.room = "room1";
    m.stream_id = "me";
    m.members = RoomMembers{{{"a", "", ""}}};
    cases.push_back(make_case("roomInformation", m, R"({"command":"roomInformation",
      "room":"room1","ATTR_ROOM_NAME":"room1","streamId":"me","streamList":[{"streamId":"a"}],
      "streams":["a"]})"));
  }
  {
    TrackList m;
    m.stream_id = "main1";
    m.track_list = {"t1", "t2"};
    cases.push_back(make_case(
        "trackList", m, R"({"command":"trackList","streamId":"main1","trackList":["t1","t2"]})"));
  }
  {
    ConnectWithNewId m;
    m.stream_id = "new1";
    cases.push_back(
        make_case("connectWithNewId", m, R"({"command":"connectWithNewId","streamId":"new1"})"));
  }
  {
    IceServerConfig m;
    m.stun_server_uri = "turn:127.0.0.1:3478";
    m.turn_server_username = "u";
    m.turn_server_credential = "p";
    cases.push_back(make_case("iceServerConfig", m, R"({"command":"iceServerConfig",
      "stunServerUri":"turn:127.0.0.1:3478","turnServerUsername":"u","turnServerCredential":"p"})"));
  }
  {
    // §12.8: stunServerUri is sent (empty) when no server is configured.
    cases.push_back(make_case("iceServerConfig-empty", IceServerConfig{},
                              R"({"command":"iceServerConfig","stunServerUri":""})"));
  }
  {
    StartNewP2PConnection m;
    m.stream_id = "p2p";
    cases.push_back(make_case("startNewP2PConnection", m,
                              R"({"command":"startNewP2PConnection","streamId":"p2p"})"));
  }
  return cases;
}

class RoundTrip : public ::testing::TestWithParam<RoundTripCase> {};

TEST_P(RoundTrip, EncodesToExpectedJson) {
  const RoundTripCase &c = GetParam();
  const std::string encoded = encode(c.message);
  EXPECT_EQ(amsrtc::testing::json_difference(c.json, encoded), "") << "encoded: " << encoded;
}

TEST_P(RoundTrip, DecodesBackFieldByField) {
  const RoundTripCase &c = GetParam();
  const Decoded decoded = decode(c.json);
  ASSERT_TRUE(decoded.ok()) << decoded.error().describe();
  EXPECT_EQ(decoded.message().index(), c.message.index());
  EXPECT_TRUE(decoded.message() == c.message) << "re-encoded: " << encode(decoded.message());
}

std::string case_name(const ::testing::TestParamInfo<RoundTripCase> &info) {
  std::string name = info.param.name;
  for (char &ch : name) {
    if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(AllMessages, RoundTrip, ::testing::ValuesIn(all_cases()), case_name);

// Every alternative of Message has at least one case above.
TEST(RoundTripCoverage, EveryMessageTypeHasACase) {
  std::vector<bool> covered(std::variant_size_v<Message>, false);
  for (const auto &c : all_cases()) covered[c.message.index()] = true;
  for (std::size_t i = 0; i < covered.size(); ++i) {
    EXPECT_TRUE(covered[i]) << "no round-trip case for Message alternative " << i;
  }
}

}  // namespace
}  // namespace amsrtc::protocol
