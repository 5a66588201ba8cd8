// Rooms and mesh relay through the state machine (PROTOCOL.md §3.7, §12.5):
// joinedTheRoom, streamJoined/streamLeaved, streamId rewriting both ways,
// getRoomInfo, leave and socket-close cleanup, limits and isolation.
#include "server_test_util.h"

namespace amsrtc::server::testing {
namespace {

constexpr ConnectionId A = 1, B = 2, C = 3, D = 4;

std::string join_room(const std::string &room, const std::string &stream_id) {
  return R"({"command":"joinRoom","room":")" + room + R"(","mainTrack":")" + room +
         R"(","streamId":")" + stream_id + R"(","mode":"legacy"})";
}

class Rooms : public ::testing::Test {
 protected:
  // a (A), b (B), c (C) in room "r".
  void three_members() {
    Outbox out = d.send(A, join_room("r", "a"));
    auto joined = only<proto::Notification>(out, A);
    EXPECT_EQ(joined.definition, "joinedTheRoom");
    EXPECT_TRUE(joined.members->entries.empty());
    out = d.send(B, join_room("r", "b"));
    EXPECT_EQ(only<proto::Notification>(out, B).members->ids(), std::vector<std::string>{"a"});
    out = d.send(C, join_room("r", "c"));
    EXPECT_EQ(only<proto::Notification>(out, C).members->ids(),
              (std::vector<std::string>{"a", "b"}));
  }
  Driver d;
};

TEST_F(Rooms, JoinedTheRoomCarriesEverything) {
  d.send(A, join_room("r", "a"));
  Outbox out = d.send(B, join_room("r", "b"));
  auto joined = only<proto::Notification>(out, B);
  EXPECT_EQ(joined.definition, "joinedTheRoom");
  EXPECT_EQ(joined.stream_id, "b");
  EXPECT_EQ(joined.room, "r");
  ASSERT_TRUE(joined.members.has_value());
  EXPECT_EQ(joined.members->ids(), std::vector<std::string>{"a"});
  EXPECT_EQ(joined.max_track_count, 16);
  // on the wire: streams, streamList, room and ATTR_ROOM_NAME
  const std::string text = proto::encode(joined);
  for (const char *member : {R"("streams":["a"])", R"("streamList":[{"streamId":"a"}])",
                             R"("ATTR_ROOM_NAME":"r")", R"("room":"r")"}) {
    EXPECT_NE(text.find(member), std::string::npos) << member << " in " << text;
  }
}

TEST_F(Rooms, MembersHearOfNewcomers) {
  d.send(A, join_room("r", "a"));
  Outbox out = d.send(B, join_room("r", "b"));
  auto notice = only<proto::Notification>(out, A);
  EXPECT_EQ(notice.definition, "streamJoined");
  EXPECT_EQ(notice.stream_id, "b");
  EXPECT_EQ(notice.room, "r");
}

TEST_F(Rooms, NewcomerOfferReachesMemberWithSenderId) {
  three_members();
  // c offers to a and b (it received their ids in `streams`)
  Outbox out = d.send(
      C, R"({"command":"takeConfiguration","streamId":"a","type":"offer","sdp":"v=0 c-to-a"})");
  auto offer = only<proto::TakeConfiguration>(out, A);
  EXPECT_EQ(offer.stream_id, "c") << "rewritten to the sender's id";
  EXPECT_EQ(offer.sdp, "v=0 c-to-a");
  ASSERT_TRUE(offer.id_mapping.has_value());
  EXPECT_EQ(recipients(out), std::set<ConnectionId>{A});
  // a answers "to c"; c sees it as coming from a
  out = d.send(
      A, R"({"command":"takeConfiguration","streamId":"c","type":"answer","sdp":"v=0 a-to-c"})");
  auto answer = only<proto::TakeConfiguration>(out, C);
  EXPECT_EQ(answer.stream_id, "a");
  EXPECT_EQ(answer.type, proto::SdpType::kAnswer);
}

TEST_F(Rooms, CandidatesAreRewrittenBothWays) {
  three_members();
  Outbox out = d.send(
      B, R"({"command":"takeCandidate","streamId":"c","label":1,"id":"1","candidate":"cand-b"})");
  auto candidate = only<proto::TakeCandidate>(out, C);
  EXPECT_EQ(candidate.stream_id, "b");
  EXPECT_EQ(candidate.label, 1);
  EXPECT_EQ(candidate.candidate, "cand-b");
  out = d.send(
      C, R"({"command":"takeCandidate","streamId":"b","label":0,"id":"0","candidate":"cand-c"})");
  EXPECT_EQ(only<proto::TakeCandidate>(out, B).stream_id, "c");
}

TEST_F(Rooms, PeerMessageToTheRoomReachesEveryOtherMember) {
  three_members();
  Outbox out = d.send(
      A, R"({"command":"peerMessageCommand","streamId":"r","definition":"chat","data":"hi"})");
  EXPECT_EQ(recipients(out), (std::set<ConnectionId>{B, C}));
  EXPECT_EQ(only<proto::PeerMessageCommand>(out, B).data.text, R"("hi")");
}

TEST_F(Rooms, GetRoomInfoListsTheOthers) {
  three_members();
  Outbox out = d.send(B, R"({"command":"getRoomInfo","room":"r","streamId":"b"})");
  auto info = only<proto::RoomInformation>(out, B);
  EXPECT_EQ(info.room, "r");
  EXPECT_EQ(info.members.ids(), (std::vector<std::string>{"a", "c"}));
}

TEST_F(Rooms, GetRoomInfoOfAnEmptyRoom) {
  Outbox out = d.send(A, R"({"command":"getRoomInfo","room":"nobody","streamId":"a"})");
  auto error = only<proto::Error>(out, A);
  EXPECT_EQ(error.definition, "no_active_streams_in_room");
  EXPECT_EQ(error.room, "nobody");
}

TEST_F(Rooms, LeaveFromRoomTellsTheOthers) {
  three_members();
  Outbox out =
      d.send(B, R"({"command":"leaveFromRoom","room":"r","mainTrack":"r","streamId":"b"})");
  auto leaved = only<proto::Notification>(out, B);
  EXPECT_EQ(leaved.definition, "leavedFromRoom");
  EXPECT_EQ(leaved.room, "r");
  for (ConnectionId other : {A, C}) {
    auto notice = only<proto::Notification>(out, other);
    EXPECT_EQ(notice.definition, "streamLeaved");
    EXPECT_EQ(notice.stream_id, "b");
  }
  EXPECT_EQ(d.machine().room_members("r"), (std::vector<std::string>{"a", "c"}));
}

TEST_F(Rooms, SocketCloseTellsTheOthersAndFreesTheId) {
  three_members();
  Outbox out = d.close(C);
  EXPECT_EQ(only<proto::Notification>(out, A).definition, "streamLeaved");
  EXPECT_EQ(only<proto::Notification>(out, B).stream_id, "c");
  // the id is free again at once (§12.8: reconnecting clients reuse it)
  out = d.send(D, join_room("r", "c"));
  EXPECT_EQ(definition_to(out, D), "joinedTheRoom");
}

TEST_F(Rooms, FourthMemberJoinsAfterALeave) {
  three_members();
  d.close(A);
  Outbox out = d.send(D, join_room("r", "d"));
  EXPECT_EQ(only<proto::Notification>(out, D).members->ids(), (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(recipients(out), (std::set<ConnectionId>{B, C, D}));
}

TEST_F(Rooms, DuplicateIdInARoomIsRefused) {
  d.send(A, join_room("r", "a"));
  Outbox out = d.send(B, join_room("r", "a"));
  EXPECT_EQ(definition_to(out, B), "streamIdInUse");
  EXPECT_EQ(recipients(out), std::set<ConnectionId>{B});
}

TEST_F(Rooms, RepeatedJoinIsAnsweredAgain) {
  d.send(A, join_room("r", "a"));
  d.send(B, join_room("r", "b"));
  Outbox out = d.send(B, join_room("r", "b"));
  EXPECT_EQ(only<proto::Notification>(out, B).members->ids(), std::vector<std::string>{"a"});
  EXPECT_EQ(d.machine().room_members("r"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(d.machine().session_count(B), 1u);
  EXPECT_EQ(recipients(out), std::set<ConnectionId>{B}) << "nobody else hears of it";
}

TEST_F(Rooms, JoinWithoutStreamIdGetsOneGenerated) {
  Outbox out = d.send(A, R"({"command":"joinRoom","room":"r","mainTrack":"r"})");
  auto joined = only<proto::Notification>(out, A);
  EXPECT_TRUE(proto::is_valid_stream_id(joined.stream_id)) << joined.stream_id;
  EXPECT_EQ(d.machine().room_members("r"), std::vector<std::string>{joined.stream_id});
}

TEST_F(Rooms, MemberLimit) {
  StateMachineConfig config;
  config.limits.room_member_limit = 2;
  Driver small(config);
  small.send(A, join_room("r", "a"));
  small.send(B, join_room("r", "b"));
  Outbox out = small.send(C, join_room("r", "c"));
  auto error = only<proto::Error>(out, C);
  EXPECT_EQ(error.definition,
            "main_track_has_max_subtrack_count__not_allowed_to_add_more_subtracks");
  EXPECT_EQ(error.room, "r");
  EXPECT_EQ(recipients(out), std::set<ConnectionId>{C});
}

TEST_F(Rooms, OutsiderCannotReachMembers) {
  three_members();
  for (const char *text :
       {R"({"command":"takeConfiguration","streamId":"a","type":"offer","sdp":"x"})",
        R"({"command":"takeCandidate","streamId":"b","label":0,"candidate":"x"})",
        R"({"command":"peerMessageCommand","streamId":"r","data":"x"})"}) {
    Outbox out = d.send(D, text);
    EXPECT_EQ(definition_to(out, D), "no_peer_associated_before") << text;
    EXPECT_EQ(recipients(out), std::set<ConnectionId>{D}) << text;
  }
  Outbox out = d.send(D, R"({"command":"leaveFromRoom","room":"r","streamId":"a"})");
  EXPECT_EQ(recipients(out), std::set<ConnectionId>{D});
  EXPECT_EQ(d.machine().room_members("r"), (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(Rooms, MemberOfOneRoomCannotReachAnother) {
  three_members();
  d.send(D, join_room("other", "d"));
  Outbox out = d.send(D, R"({"command":"takeCandidate","streamId":"a","label":0,"candidate":"x"})");
  EXPECT_EQ(definition_to(out, D), "no_peer_associated_before");
}

TEST_F(Rooms, SignalingToOwnIdIsNotRelayed) {
  three_members();
  Outbox out = d.send(A, R"({"command":"takeCandidate","streamId":"a","label":0,"candidate":"x"})");
  EXPECT_EQ(recipients(out), std::set<ConnectionId>{A});
}

}  // namespace
}  // namespace amsrtc::server::testing
