// Publish and play through the media plane, step by step (PROTOCOL.md
// §3.2, §3.3, §12.7): what the state machine asks the media plane to do,
// what each client is told, and how sessions end. The media plane is
// played by the test: it feeds MediaEvents back in.
#include "server_test_util.h"

namespace amsrtc::server::testing {
namespace {

constexpr ConnectionId Pub = 1, P1 = 2, P2 = 3, Other = 4;

const char *kPublish = R"({"command":"publish","streamId":"cam1","video":true,"audio":true})";
const char *kPlay = R"({"command":"play","streamId":"cam1","room":""})";
const char *kStop = R"({"command":"stop","streamId":"cam1"})";
const char *kOffer =
    R"({"command":"takeConfiguration","streamId":"cam1","type":"offer","sdp":"v=0\r\noffer"})";
const char *kAnswer =
    R"({"command":"takeConfiguration","streamId":"cam1","type":"answer","sdp":"v=0\r\nanswer"})";
const char *kCandidate =
    R"({"command":"takeCandidate","streamId":"cam1","label":1,"id":"1","candidate":"candidate:1 1 udp 1 127.0.0.1 5000 typ host"})";

template <typename T>
std::vector<T> actions(const Outbox &out) {
  std::vector<T> found;
  for (const Output &output : out) {
    if (const auto *action = std::get_if<T>(&output)) found.push_back(*action);
  }
  return found;
}

StateMachineConfig with_media_plane() {
  StateMachineConfig config;
  config.media_plane = true;
  return config;
}

class Media : public ::testing::Test {
 protected:
  // Pub publishes cam1 up to live media.
  void publish_live() {
    Outbox out = d.send(Pub, kPublish);
    EXPECT_EQ(only<proto::Start>(out, Pub).stream_id, "cam1");
    out = d.send(Pub, kOffer);
    const auto created = actions<CreatePublisher>(out);
    ASSERT_EQ(created.size(), 1u);
    EXPECT_EQ(created[0].key, (EndpointKey{Pub, "cam1", false}));
    EXPECT_EQ(created[0].offer_sdp, "v=0\r\noffer");
    EXPECT_TRUE(to(out, Pub).empty()) << "the answer comes from the media plane";

    out = event(LocalDescription{publisher, proto::SdpType::kAnswer, "v=0\r\nanswer", {}});
    const auto answer = only<proto::TakeConfiguration>(out, Pub);
    EXPECT_EQ(answer.type, proto::SdpType::kAnswer);
    EXPECT_EQ(answer.sdp, "v=0\r\nanswer");
    EXPECT_FALSE(d.machine().is_publishing("cam1")) << "not before media arrives";

    out = event(MediaFlowing{publisher});
    EXPECT_EQ(definition_to(out, Pub), "publish_started");
    EXPECT_TRUE(d.machine().is_publishing("cam1"));
  }

  // `player` plays cam1 up to flowing media.
  void play(ConnectionId player) {
    Outbox out = d.send(player, kPlay);
    const auto created = actions<CreatePlayer>(out);
    ASSERT_EQ(created.size(), 1u);
    const EndpointKey key{player, "cam1", true};
    EXPECT_EQ(created[0].key, key);
    out = event(LocalDescription{key,
                                 proto::SdpType::kOffer,
                                 "v=0\r\nplayer-offer",
                                 {{"0", "ARDAMSvcam1"}, {"1", "ARDAMSacam1"}}});
    const auto offer = only<proto::TakeConfiguration>(out, player);
    EXPECT_EQ(offer.type, proto::SdpType::kOffer);
    ASSERT_TRUE(offer.id_mapping.has_value());
    EXPECT_EQ(offer.id_mapping->at("0"), "ARDAMSvcam1");
    out = d.send(player, kAnswer);
    const auto applied = actions<ApplyRemoteDescription>(out);
    ASSERT_EQ(applied.size(), 1u);
    EXPECT_EQ(applied[0].key, key);
    EXPECT_EQ(applied[0].type, proto::SdpType::kAnswer);
    out = event(MediaFlowing{key});
    EXPECT_EQ(definition_to(out, player), "play_started");
  }

  Outbox event(const MediaEvent &e) { return d.machine().on_media_event(e, d.clock()); }

  const EndpointKey publisher{Pub, "cam1", false};
  Driver d{with_media_plane()};
};

TEST(MediaDisabled, PublishAndPlayAreRefusedWithoutAMediaPlane) {
  Driver d;
  EXPECT_EQ(definition_to(d.send(Pub, kPublish), Pub), "webrtc_not_enabled");
  EXPECT_EQ(definition_to(d.send(P1, kPlay), P1), "webrtc_not_enabled");
}

TEST_F(Media, PublishIsStartedAnsweredAndStartedOnFirstMedia) { publish_live(); }

TEST_F(Media, CandidatesGoToTheRightEndpointBothWays) {
  publish_live();
  Outbox out = d.send(Pub, kCandidate);
  const auto applied = actions<ApplyRemoteCandidate>(out);
  ASSERT_EQ(applied.size(), 1u);
  EXPECT_EQ(applied[0].key, publisher);
  EXPECT_EQ(applied[0].mline, 1u);
  out = event(LocalCandidate{publisher, 0, "0", "candidate:2 1 udp 1 127.0.0.1 6000 typ host"});
  const auto candidate = only<proto::TakeCandidate>(out, Pub);
  EXPECT_EQ(candidate.id, "0");
  EXPECT_EQ(candidate.label, 0);
}

TEST_F(Media, ThreePlayersEachGetTheirOwnEndpoint) {
  publish_live();
  play(P1);
  play(P2);
  play(Other);
  EXPECT_EQ(d.machine().player_count("cam1"), 3u);
  // A player's candidate reaches its own endpoint only.
  const auto applied = actions<ApplyRemoteCandidate>(d.send(P2, kCandidate));
  ASSERT_EQ(applied.size(), 1u);
  EXPECT_EQ(applied[0].key, (EndpointKey{P2, "cam1", true}));
}

TEST_F(Media, PublisherStopEndsEveryPlayer) {
  publish_live();
  play(P1);
  play(P2);
  Outbox out = d.send(Pub, kStop);
  EXPECT_EQ(definition_to(out, Pub), "publish_finished");
  EXPECT_EQ(definition_to(out, P1), "play_finished");
  EXPECT_EQ(definition_to(out, P2), "play_finished");
  const auto removed = actions<RemoveEndpoint>(out);
  EXPECT_EQ(removed.size(), 3u);
  EXPECT_FALSE(d.machine().is_publishing("cam1"));
  EXPECT_EQ(d.machine().session_count(P1), 0u);
}

TEST_F(Media, PlayerStopEndsOnlyThatPlayer) {
  publish_live();
  play(P1);
  play(P2);
  Outbox out = d.send(P1, kStop);
  EXPECT_EQ(definition_to(out, P1), "play_finished");
  EXPECT_EQ(recipients(out), std::set<ConnectionId>{P1});
  const auto removed = actions<RemoveEndpoint>(out);
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0].key, (EndpointKey{P1, "cam1", true}));
  EXPECT_EQ(d.machine().player_count("cam1"), 1u);
}

TEST_F(Media, PublisherSocketCloseTellsThePlayers) {
  publish_live();
  play(P1);
  Outbox out = d.close(Pub);
  EXPECT_EQ(definition_to(out, P1), "play_finished");
  EXPECT_EQ(actions<RemoveEndpoint>(out).size(), 2u);
  EXPECT_EQ(to(out, Pub).size(), 0u) << "nothing is sent to a closed socket";
}

TEST_F(Media, PlayBeforePublishGetsNoStreamExistThenStreamingStarted) {
  Outbox out = d.send(P1, kPlay);
  const auto error = only<proto::Error>(out, P1);
  EXPECT_EQ(error.definition, "no_stream_exist");
  EXPECT_EQ(error.error_code, "404");
  EXPECT_TRUE(actions<CreatePlayer>(out).empty());
  d.send(Pub, kPublish);
  d.send(Pub, kOffer);
  event(LocalDescription{publisher, proto::SdpType::kAnswer, "v=0\r\n", {}});
  out = event(MediaFlowing{publisher});
  EXPECT_EQ(definition_to(out, P1), "streaming_started");
  play(P1);
}

TEST_F(Media, AnotherSocketCannotPublishTheSameStream) {
  publish_live();
  EXPECT_EQ(definition_to(d.send(Other, kPublish), Other), "streamIdInUse");
  EXPECT_TRUE(d.machine().is_publishing("cam1"));
}

TEST_F(Media, RepublishOnTheSameSocketRestartsTheSession) {
  publish_live();
  play(P1);
  Outbox out = d.send(Pub, kPublish);
  EXPECT_EQ(only<proto::Start>(out, Pub).stream_id, "cam1");
  EXPECT_EQ(definition_to(out, P1), "play_finished");
  EXPECT_EQ(actions<RemoveEndpoint>(out).size(), 2u);
  EXPECT_EQ(d.machine().session_count(Pub), 1u);
}

TEST_F(Media, NoMediaWithinTheTimeoutIsPublishTimeoutError) {
  d.send(Pub, kPublish);
  d.send(Pub, kOffer);
  event(LocalDescription{publisher, proto::SdpType::kAnswer, "v=0\r\n", {}});
  d.clock().monotonic_us += 9'000'000;
  EXPECT_TRUE(d.machine().on_tick(d.clock()).empty());
  d.clock().monotonic_us += 1'000'000;
  Outbox out = d.machine().on_tick(d.clock());
  EXPECT_EQ(definition_to(out, Pub), "publishTimeoutError");
  EXPECT_EQ(actions<RemoveEndpoint>(out).size(), 1u);
  EXPECT_EQ(d.machine().session_count(Pub), 0u);
}

TEST_F(Media, AFailedEndpointIsAnErrorAndEndsItsSession) {
  d.send(Pub, kPublish);
  d.send(Pub, kOffer);
  Outbox out = event(EndpointFailed{publisher, "notSetRemoteDescription",
                                    "no codec in common: offered H265/90000"});
  const auto error = only<proto::Error>(out, Pub);
  EXPECT_EQ(error.definition, "notSetRemoteDescription");
  EXPECT_NE(error.information.find("H265"), std::string::npos);
  EXPECT_EQ(d.machine().session_count(Pub), 0u);
  // Late events of the ended session change nothing.
  EXPECT_TRUE(event(MediaFlowing{publisher}).empty());
}

TEST_F(Media, WrongDirectionOffersAreRefused) {
  d.send(Pub, kPublish);
  EXPECT_EQ(definition_to(d.send(Pub, kAnswer), Pub), "notSetRemoteDescription");
  publish_live();
  d.send(P1, kPlay);
  EXPECT_EQ(definition_to(d.send(P1, kOffer), P1), "notSetRemoteDescription");
}

TEST_F(Media, PublishNeedsAValidTokenWhenASecretIsSet) {
  StateMachineConfig config = with_media_plane();
  config.token_secret = "s3cret";
  Driver secured{config};
  EXPECT_EQ(definition_to(secured.send(Pub, kPublish), Pub), "unauthorized_access");
  EXPECT_EQ(secured.machine().session_count(Pub), 0u);
}

TEST_F(Media, PlayCreatesAPlayerFedByThePlayedStream) {
  publish_live();
  const auto created = actions<CreatePlayer>(d.send(P1, kPlay));
  ASSERT_EQ(created.size(), 1u);
  EXPECT_EQ(created[0].sources, std::vector<std::string>{"cam1"});
}

TEST_F(Media, StreamInfoAnswersWithTheLastMeasurement) {
  EXPECT_EQ(definition_to(d.send(Other, R"({"command":"getStreamInfo","streamId":"cam1"})"), Other),
            "no_stream_exist");
  publish_live();
  proto::StreamInfo measured;
  measured.stream_width = 1280;
  measured.stream_height = 720;
  measured.video_bitrate = 1'500'000;
  measured.audio_bitrate = 32'000;
  measured.video_codec = "VP8";
  EXPECT_TRUE(event(StreamStats{publisher, measured}).empty());
  const auto info = only<proto::StreamInformation>(
      d.send(Other, R"({"command":"getStreamInfo","streamId":"cam1"})"), Other);
  ASSERT_EQ(info.stream_info.size(), 1u);
  EXPECT_EQ(info.stream_info[0], measured);
}

TEST_F(Media, TogglesReachOnlyTheSendersOwnPlayer) {
  publish_live();
  play(P1);
  auto toggles = actions<SetTrackEnabled>(
      d.send(P1, R"({"command":"toggleVideo","streamId":"cam1","trackId":"cam1","enabled":false})"));
  ASSERT_EQ(toggles.size(), 1u);
  EXPECT_EQ(toggles[0].key, (EndpointKey{P1, "cam1", true}));
  EXPECT_EQ(toggles[0].source, "cam1");
  EXPECT_EQ(toggles[0].kind, "video");
  EXPECT_FALSE(toggles[0].enabled);
  toggles = actions<SetTrackEnabled>(
      d.send(P1, R"({"command":"toggleAudio","streamId":"cam1","enabled":true})"));
  ASSERT_EQ(toggles.size(), 1u);
  EXPECT_EQ(toggles[0].kind, "audio");
  EXPECT_EQ(definition_to(d.send(P2, R"({"command":"toggleVideo","streamId":"cam1","enabled":false})"),
                          P2),
            "no_stream_exist")
      << "P2 plays nothing: it cannot touch P1's session";
}

TEST_F(Media, AVanishedPlayerEndsWithoutAnErrorToSend) {
  publish_live();
  play(P1);
  Outbox out = event(EndpointFailed{EndpointKey{P1, "cam1", true}, "", "ICE failed"});
  EXPECT_TRUE(to(out, P1).empty());
  EXPECT_EQ(actions<RemoveEndpoint>(out).size(), 1u);
  EXPECT_EQ(d.machine().player_count("cam1"), 0u);
}

// Main-track conferences (§3.6): members publish with mainTrack=room and play
// the room once.
class MainTrack : public ::testing::Test {
 protected:
  // `who` publishes `stream` into room1 up to live media; returns its outbox.
  Outbox publish_member(ConnectionId who, const std::string &stream) {
    d.send(who, R"({"command":"publish","streamId":")" + stream + R"(","mainTrack":"room1"})");
    d.send(who, R"({"command":"takeConfiguration","streamId":")" + stream +
                    R"(","type":"offer","sdp":"v=0\r\n"})");
    return d.machine().on_media_event(MediaFlowing{EndpointKey{who, stream, false}}, d.clock());
  }
  Outbox play_room(ConnectionId who, const std::string &own) {
    return d.send(who, R"({"command":"play","streamId":"room1","room":"room1","userPublishId":")" +
                           own + R"("})");
  }
  Driver d{with_media_plane()};
};

TEST_F(MainTrack, APlayerGetsEveryOtherMemberAndHearsOfNewOnes) {
  publish_member(Pub, "alice");
  const auto created = actions<CreatePlayer>(play_room(Pub, "alice"));
  ASSERT_EQ(created.size(), 1u);
  EXPECT_EQ(created[0].key, (EndpointKey{Pub, "room1", true}));
  EXPECT_TRUE(created[0].sources.empty()) << "not its own stream";

  Outbox out = publish_member(P1, "bob");
  const auto updates = actions<UpdatePlayerSources>(out);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].key, (EndpointKey{Pub, "room1", true}));
  EXPECT_EQ(updates[0].sources, std::vector<std::string>{"bob"});
  const auto notice = only<proto::Notification>(out, Pub);
  EXPECT_EQ(notice.definition, "subtrackAdded");
  EXPECT_EQ(notice.stream_id, "room1");
  EXPECT_EQ(notice.track_id, "bob");

  const auto bobs = actions<CreatePlayer>(play_room(P1, "bob"));
  ASSERT_EQ(bobs.size(), 1u);
  EXPECT_EQ(bobs[0].sources, std::vector<std::string>{"alice"});

  auto list = only<proto::TrackList>(
      d.send(Other, R"({"command":"getTrackList","streamId":"room1"})"), Other);
  EXPECT_EQ(list.track_list, (std::vector<std::string>{"alice", "bob"}));
  auto info = only<proto::RoomInformation>(
      d.send(Other, R"({"command":"getRoomInfo","room":"room1","streamId":"alice"})"), Other);
  EXPECT_EQ(info.members.ids(), std::vector<std::string>{"bob"});
}

TEST_F(MainTrack, AMemberLeavingUpdatesThePlayersAndTellsThem) {
  publish_member(Pub, "alice");
  publish_member(P1, "bob");
  play_room(Pub, "alice");
  Outbox out = d.machine().on_close(P1);
  const auto updates = actions<UpdatePlayerSources>(out);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_TRUE(updates[0].sources.empty());
  EXPECT_EQ(only<proto::Notification>(out, Pub).definition, "subtrackRemoved");
  // Stopping the room play ends only that player.
  out = d.send(Pub, R"({"command":"stop","streamId":"room1"})");
  EXPECT_EQ(definition_to(out, Pub), "play_finished");
  ASSERT_EQ(actions<RemoveEndpoint>(out).size(), 1u);
  EXPECT_EQ(actions<RemoveEndpoint>(out)[0].key, (EndpointKey{Pub, "room1", true}));
  EXPECT_TRUE(d.machine().is_publishing("alice"));
}

TEST_F(MainTrack, TrackListExclusionsAreHonoured) {
  publish_member(Pub, "alice");
  publish_member(P1, "bob");
  const auto created = actions<CreatePlayer>(
      d.send(P2, R"({"command":"play","streamId":"room1","room":"room1","trackList":["!bob"]})"));
  ASSERT_EQ(created.size(), 1u);
  EXPECT_EQ(created[0].sources, std::vector<std::string>{"alice"});
}

}  // namespace
}  // namespace amsrtc::server::testing
