// P2P calls through the state machine, step by step (PROTOCOL.md §3.4,
// §12.2-§12.4): pairing, relay, a third joiner, leaving and re-pairing.
#include "server_test_util.h"

namespace amsrtc::server::testing {
namespace {

constexpr ConnectionId A = 1, B = 2, C = 3, D = 4;

const char *kJoin = R"({"command":"join","streamId":"call1","multiPeer":false,"mode":"both"})";
const char *kOffer =
    R"({"command":"takeConfiguration","streamId":"call1","type":"offer","sdp":"v=0\r\n"})";
const char *kAnswer =
    R"({"command":"takeConfiguration","streamId":"call1","type":"answer","sdp":"v=0\r\n"})";
const char *kCandidate =
    R"({"command":"takeCandidate","streamId":"call1","label":0,"id":"0","candidate":"candidate:1 1 udp 1 127.0.0.1 5000 typ host"})";

class P2p : public ::testing::Test {
 protected:
  // A and B joined "call1"; A got `start`.
  void pair_a_and_b() {
    Outbox out = d.send(A, kJoin);
    EXPECT_EQ(definition_to(out, A), "joined");
    out = d.send(B, kJoin);
    EXPECT_EQ(definition_to(out, B), "joined");
    EXPECT_EQ(only<proto::Start>(out, A).stream_id, "call1");
    EXPECT_EQ(recipients(out), (std::set<ConnectionId>{A, B}));
  }
  Driver d;
};

TEST_F(P2p, FirstJoinerGetsOnlyJoined) {
  Outbox out = d.send(A, kJoin);
  EXPECT_EQ(only<proto::Notification>(out, A).stream_id, "call1");
  EXPECT_EQ(recipients(out), std::set<ConnectionId>{A});
}

TEST_F(P2p, SecondJoinStartsTheFirstJoiner) { pair_a_and_b(); }

TEST_F(P2p, OfferIsRelayedWithEmptyIdMapping) {
  pair_a_and_b();
  Outbox out = d.send(A, kOffer);
  auto offer = only<proto::TakeConfiguration>(out, B);
  EXPECT_EQ(offer.stream_id, "call1");
  EXPECT_EQ(offer.type, proto::SdpType::kOffer);
  EXPECT_EQ(offer.sdp, "v=0\r\n");
  ASSERT_TRUE(offer.id_mapping.has_value()) << "§12.3: relayed offers carry idMapping";
  EXPECT_TRUE(offer.id_mapping->empty());
  EXPECT_EQ(recipients(out), std::set<ConnectionId>{B});
}

TEST_F(P2p, OfferKeepsAnIdMappingTheSenderGave) {
  pair_a_and_b();
  Outbox out = d.send(A, R"({"command":"takeConfiguration","streamId":"call1","type":"offer",
      "sdp":"v=0","idMapping":{"0":"ARDAMSvx"}})");
  auto offer = only<proto::TakeConfiguration>(out, B);
  ASSERT_TRUE(offer.id_mapping.has_value());
  EXPECT_EQ(offer.id_mapping->at("0"), "ARDAMSvx");
}

TEST_F(P2p, AnswerAndCandidatesAreRelayedBothWays) {
  pair_a_and_b();
  d.send(A, kOffer);
  Outbox out = d.send(B, kAnswer);
  auto answer = only<proto::TakeConfiguration>(out, A);
  EXPECT_EQ(answer.type, proto::SdpType::kAnswer);
  EXPECT_FALSE(answer.id_mapping.has_value()) << "answers are relayed unchanged";

  out = d.send(A, kCandidate);
  auto candidate = only<proto::TakeCandidate>(out, B);
  EXPECT_EQ(candidate.label, 0);
  EXPECT_EQ(candidate.id, "0");
  EXPECT_EQ(candidate.candidate, "candidate:1 1 udp 1 127.0.0.1 5000 typ host");
  out = d.send(B, kCandidate);
  EXPECT_EQ(only<proto::TakeCandidate>(out, A).stream_id, "call1");
}

// Messages that need no change are forwarded as the exact text received
// (unknown members included); an offer that gets idMapping is re-encoded.
TEST_F(P2p, UnchangedMessagesAreForwardedVerbatim) {
  pair_a_and_b();
  const std::string candidate =
      R"({"command":"takeCandidate","streamId":"call1","label":0,"id":"0","candidate":"c","x-extra":1})";
  Outbox out = d.send(A, candidate);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<SendMessage>(out[0]).verbatim, candidate);
  out = d.send(A, kOffer);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<SendMessage>(out[0]).verbatim, "") << "changed: must be re-encoded";
}

TEST_F(P2p, PeerMessageCommandIsRelayedUnchanged) {
  pair_a_and_b();
  Outbox out = d.send(
      B,
      R"({"command":"peerMessageCommand","streamId":"call1","definition":"chat","data":{"t":"hi"}})");
  auto message = only<proto::PeerMessageCommand>(out, A);
  EXPECT_EQ(message.stream_id, "call1");
  EXPECT_EQ(message.definition, "chat");
  EXPECT_EQ(message.data.text, R"({"t":"hi"})");
}

TEST_F(P2p, ThirdJoinerGetsStreamIdInUse) {
  pair_a_and_b();
  Outbox out = d.send(C, kJoin);
  auto error = only<proto::Error>(out, C);
  EXPECT_EQ(error.definition, "streamIdInUse");
  EXPECT_EQ(error.stream_id, "call1");
  EXPECT_EQ(recipients(out), std::set<ConnectionId>{C}) << "the pair hears nothing";
}

TEST_F(P2p, RepeatedJoinChangesNothing) {
  pair_a_and_b();
  Outbox out = d.send(A, kJoin);
  EXPECT_EQ(definition_to(out, A), "joined");
  EXPECT_EQ(recipients(out), std::set<ConnectionId>{A});
  EXPECT_EQ(d.machine().session_count(A), 1u);
}

TEST_F(P2p, LeaveStopsThePartnerWhoStaysJoined) {
  pair_a_and_b();
  Outbox out = d.send(A, R"({"command":"leave","streamId":"call1"})");
  EXPECT_EQ(definition_to(out, A), "leaved");
  EXPECT_EQ(only<proto::Stop>(out, B).stream_id, "call1");
  EXPECT_EQ(d.machine().session_count(A), 0u);
  EXPECT_EQ(d.machine().session_count(B), 1u);
}

TEST_F(P2p, PairingAfterALeaveStartsTheOneWhoStayed) {
  pair_a_and_b();
  d.send(A, R"({"command":"leave","streamId":"call1"})");
  Outbox out = d.send(C, kJoin);
  EXPECT_EQ(definition_to(out, C), "joined");
  EXPECT_EQ(only<proto::Start>(out, B).stream_id, "call1") << "B is now the first joiner";
  out = d.send(B, kOffer);
  EXPECT_EQ(only<proto::TakeConfiguration>(out, C).type, proto::SdpType::kOffer);
  EXPECT_TRUE(to(out, A).empty());
}

TEST_F(P2p, ThirdJoinerCanJoinAfterALeave) {
  pair_a_and_b();
  EXPECT_EQ(definition_to(d.send(C, kJoin), C), "streamIdInUse");
  d.send(B, R"({"command":"leave","streamId":"call1"})");
  Outbox out = d.send(C, kJoin);
  EXPECT_EQ(definition_to(out, C), "joined");
  EXPECT_EQ(only<proto::Start>(out, A).stream_id, "call1");
}

TEST_F(P2p, PlayOnlyFirstJoinerLetsTheOtherOffer) {
  d.send(A, R"({"command":"join","streamId":"call1","multiPeer":false,"mode":"play"})");
  Outbox out = d.send(B, kJoin);
  const auto to_b = to(out, B);  // joined, then start
  ASSERT_EQ(to_b.size(), 2u);
  EXPECT_EQ(std::get<proto::Notification>(to_b[0]).definition, "joined");
  EXPECT_EQ(std::get<proto::Start>(to_b[1]).stream_id, "call1");
  EXPECT_TRUE(to(out, A).empty());
}

TEST_F(P2p, BothPlayOnlyStartsTheFirst) {
  const char *play = R"({"command":"join","streamId":"call1","mode":"play"})";
  d.send(A, play);
  Outbox out = d.send(B, play);
  EXPECT_EQ(only<proto::Start>(out, A).stream_id, "call1");
}

TEST_F(P2p, SignalingWithoutJoinIsRefused) {
  pair_a_and_b();
  Outbox out = d.send(D, kOffer);
  auto error = only<proto::Error>(out, D);
  EXPECT_EQ(error.definition, "no_peer_associated_before");
  EXPECT_EQ(error.stream_id, "call1");
  EXPECT_EQ(recipients(out), std::set<ConnectionId>{D}) << "D cannot reach the pair";
}

TEST_F(P2p, SignalingWhileAloneIsRefused) {
  d.send(A, kJoin);
  EXPECT_EQ(definition_to(d.send(A, kCandidate), A), "no_peer_associated_before");
}

TEST_F(P2p, LeaveOfACallNotJoinedTouchesNobody) {
  pair_a_and_b();
  Outbox out = d.send(D, R"({"command":"leave","streamId":"call1"})");
  EXPECT_EQ(definition_to(out, D), "leaved");
  EXPECT_EQ(recipients(out), std::set<ConnectionId>{D});
  EXPECT_EQ(d.machine().session_count(A), 1u);
  EXPECT_EQ(d.machine().session_count(B), 1u);
}

TEST_F(P2p, SocketCloseStopsThePartner) {
  pair_a_and_b();
  Outbox out = d.close(A);
  EXPECT_EQ(only<proto::Stop>(out, B).stream_id, "call1");
  EXPECT_EQ(d.machine().connection_count(), 1u);
  // and B pairs again with the next joiner
  out = d.send(C, kJoin);
  EXPECT_EQ(only<proto::Start>(out, B).stream_id, "call1");
}

TEST_F(P2p, CloseOfTheLastPeerForgetsTheCall) {
  d.send(A, kJoin);
  EXPECT_TRUE(d.close(A).empty());
  Outbox out = d.send(B, kJoin);
  EXPECT_EQ(recipients(out), std::set<ConnectionId>{B}) << "no stale peer gets start";
}

TEST_F(P2p, StopIsIgnoredForUnknownSessions) {
  pair_a_and_b();
  EXPECT_TRUE(d.send(D, R"({"command":"stop","streamId":"call1"})").empty());
  EXPECT_TRUE(d.send(A, R"({"command":"stop","streamId":"nothing"})").empty());
}

TEST_F(P2p, ManyCallsOnOneSocket) {
  for (int i = 0; i < 5; ++i) {
    const std::string id = "c" + std::to_string(i);
    d.send(A, R"({"command":"join","streamId":")" + id + R"("})");
    Outbox out = d.send(B, R"({"command":"join","streamId":")" + id + R"("})");
    EXPECT_EQ(only<proto::Start>(out, A).stream_id, id);
  }
  Outbox out =
      d.send(A, R"({"command":"takeCandidate","streamId":"c3","label":1,"candidate":"x"})");
  EXPECT_EQ(only<proto::TakeCandidate>(out, B).stream_id, "c3");
  out = d.close(B);
  EXPECT_EQ(to(out, A).size(), 5u) << "one stop per call";
}

}  // namespace
}  // namespace amsrtc::server::testing
