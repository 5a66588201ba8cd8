// amsrtc-server's SFU with real webrtcbin clients on loopback (PROTOCOL.md
// §3.2, §3.3, §3.6, §12.6, §12.7): publish, fan-out to players decoding
// frames, keyframes for late players, retransmission on the publisher's
// hop, the data channel both ways, both conference styles, and bad offers.
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <sstream>
#include <vector>

#include "server_process.h"
#include "sfu_client.h"
#include "ws_client.h"
#include "wait.h"

namespace amsrtc::testing {
namespace {

class Sfu : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { gst_init(nullptr, nullptr); }

  std::unique_ptr<SfuClient> publisher(const std::string &stream_id, const std::string &codec = "VP8",
                                       const std::string &main_track = "",
                                       int keyframe_interval = 60,
                                       const std::string &forced_offer = "") {
    SfuClientConfig config;
    config.url = server.websocket_url();
    config.stream_id = stream_id;
    config.publish = true;
    config.codec = codec;
    config.main_track = main_track;
    config.keyframe_interval = keyframe_interval;
    config.forced_offer = forced_offer;
    auto client = std::make_unique<SfuClient>(config);
    client->start();
    return client;
  }

  std::unique_ptr<SfuClient> player(const std::string &stream_id, const std::string &room = "",
                                    const std::string &own_stream = "") {
    SfuClientConfig config;
    config.url = server.websocket_url();
    config.stream_id = stream_id;
    config.room = room;
    config.user_publish_id = own_stream;
    auto client = std::make_unique<SfuClient>(config);
    client->start();
    return client;
  }

  // Waits until `client` got `definition`, failing with what it did get.
  void expect_notification(SfuClient &client, const std::string &definition,
                           unsigned timeout_ms = 10000, int count = 1) {
    EXPECT_TRUE(wait_until(
        [&] {
          return client.count_notification(definition) >= count || !client.problems().empty();
        },
        timeout_ms))
        << "no " << definition << "; problems: " << client.problems() << "\nserver:\n"
        << server.stderr_text();
  }

  std::string report(const std::vector<SfuClient *> &clients) {
    std::ostringstream out;
    for (auto *c : clients)
      out << "frames " << c->frames() << ", audio buffers " << c->audio_buffers()
          << ", offers " << c->offers_received() << ", pads " << c->pads()
          << ", problems: " << c->problems() << "\n";
    if (!clients.empty()) out << "last offer:\n" << clients[0]->last_remote_sdp();
    out << "\nserver stderr:\n" << server.stderr_text();
    return out.str();
  }

  ServerProcess server;
};

TEST_F(Sfu, OnePublisherThreePlayersEachDecode) {
  auto pub = publisher("cam1");
  expect_notification(*pub, "publish_started");
  std::vector<std::unique_ptr<SfuClient>> players;
  for (int i = 0; i < 3; ++i) players.push_back(player("cam1"));
  const bool decoded = wait_until(
      [&] {
        for (auto &p : players) {
          if (p->frames() < 30 || p->audio_buffers() < 10 || !p->problems().empty()) return false;
        }
        return true;
      },
      20000);
  EXPECT_TRUE(decoded) << report({players[0].get(), players[1].get(), players[2].get()});
  for (auto &p : players) {
    EXPECT_EQ(p->count_notification("play_started"), 1);
    EXPECT_GE(p->frames_of("ARDAMSvcam1"), 30) << "frames under the idMapping track id; " << p->pads() << server.stderr_text();
  }
}

TEST_F(Sfu, H264IsForwardedToo) {
  auto pub = publisher("h264cam", "H264");
  expect_notification(*pub, "publish_started");
  auto p = player("h264cam");
  RecordProperty("server", server.stderr_text());
  EXPECT_TRUE(wait_until([&] { return p->frames() >= 30 || !p->problems().empty(); }, 15000))
      << report({p.get()});
  EXPECT_NE(p->last_remote_sdp().find("H264/90000"), std::string::npos)
      << "the player is offered the publisher's codec";
}

// The publisher's keyframes are 10 s apart: a late player decodes at once
// only because the server asks the publisher for one (PLI) when it connects.
TEST_F(Sfu, LatePlayerDecodesItsFirstFrameWithinOneAndAHalfSeconds) {
  auto pub = publisher("cam1", "VP8", "", 300);
  expect_notification(*pub, "publish_started");
  auto early = player("cam1");
  ASSERT_TRUE(wait_until([&] { return early->frames() >= 60 || !early->problems().empty(); },
                         15000))
      << report({early.get()});
  auto late = player("cam1");
  ASSERT_TRUE(wait_until([&] { return late->frames() >= 1 || !late->problems().empty(); }, 5000))
      << report({late.get()});
  EXPECT_LT(late->first_frame_us(), 1'500'000)
      << "first frame " << late->first_frame_us() / 1000 << " ms after play";
  RecordProperty("late_player_first_frame_ms", static_cast<int>(late->first_frame_us() / 1000));
}

// NACK on the publisher's hop: every 5th RTP packet the publisher sends
// (audio, video and retransmissions alike) is lost before the server. The
// server asks for each missing video packet within ~50 ms
// (forwarding_jitterbuffer.h) and forwards the retransmission, so the
// player, which can only get from the server what the server got, sees
// (nearly) no gap. (About 40 % of the drops are video. With rtpjitterbuffer
// and the default RTCP timing, 13-32 of ~80 drops were gaps.)
TEST_F(Sfu, PacketsLostOnThePublishersWayAreRetransmittedToTheServer) {
  auto pub = publisher("lossy-hop");
  expect_notification(*pub, "publish_started");
  // A player that waits for late packets as a browser does (its NACK module
  // waits a few round trips; 50 ms, the other tests' value, would not).
  SfuClientConfig config;
  config.url = server.websocket_url();
  config.stream_id = "lossy-hop";
  config.latency_ms = 400;
  auto play = std::make_unique<SfuClient>(config);
  play->start();
  ASSERT_TRUE(wait_until([&] { return play->frames() > 0; }, 10000)) << report({play.get()});
  ASSERT_GE(pub->drop_every_nth_sent_packet(5), 1) << "no nicesink in the publisher";
  const int gaps_before = play->video_seqnum_gaps();
  const int packets_before = play->video_packets();
  ASSERT_TRUE(wait_until([&] { return pub->dropped_packets() >= 60; }, 30000))
      << "dropped " << pub->dropped_packets();
  // The last drops' retransmissions are on their way: wait for later packets.
  const int packets_at_last_drop = play->video_packets();
  ASSERT_TRUE(
      wait_until([&] { return play->video_packets() >= packets_at_last_drop + 30; }, 10000));
  const int dropped = pub->dropped_packets();
  const int gaps = play->video_seqnum_gaps() - gaps_before;
  EXPECT_GE(play->video_packets() - packets_before, 100);
  std::printf("lost on the publisher's way: %d packets; missing at the player: %d\n", dropped,
              gaps);
  EXPECT_LE(gaps * 10, dropped) << gaps << " packets never reached the player of " << dropped
                                << " lost on the publisher's way\n"
                                << server.stderr_text();
  EXPECT_EQ(play->problems(), "");
}

TEST_F(Sfu, PublisherStopEndsEveryPlayer) {
  auto pub = publisher("cam1");
  expect_notification(*pub, "publish_started");
  auto a = player("cam1");
  auto b = player("cam1");
  ASSERT_TRUE(wait_until([&] { return a->frames() >= 10 && b->frames() >= 10; }, 15000))
      << report({a.get(), b.get()});
  pub->stop_session();
  expect_notification(*pub, "publish_finished");
  expect_notification(*a, "play_finished");
  expect_notification(*b, "play_finished");
}

TEST_F(Sfu, VanishedPublisherEndsItsPlayersWithinFiveSeconds) {
  auto pub = publisher("cam1");
  expect_notification(*pub, "publish_started");
  auto p = player("cam1");
  ASSERT_TRUE(wait_until([&] { return p->frames() >= 10; }, 15000)) << report({p.get()});
  const int64_t closed = g_get_monotonic_time();
  pub->disconnect();
  expect_notification(*p, "play_finished", 5000);
  EXPECT_LT(g_get_monotonic_time() - closed, 5'000'000);
}

TEST_F(Sfu, DataChannelReachesPlayersAndThePublisher) {
  auto pub = publisher("cam1");
  expect_notification(*pub, "publish_started");
  auto a = player("cam1");
  auto b = player("cam1");
  ASSERT_TRUE(wait_until([&] { return pub->channel_open() && a->channel_open() && b->channel_open(); },
                         15000))
      << report({pub.get(), a.get(), b.get()});
  pub->send_text("from the publisher");
  EXPECT_TRUE(wait_until(
      [&] {
        return a->received_text() == "from the publisher\n" &&
               b->received_text() == "from the publisher\n";
      },
      5000))
      << "a: '" << a->received_text() << "' b: '" << b->received_text() << "'";
  a->send_text("from player a");
  EXPECT_TRUE(wait_until(
      [&] {
        return pub->received_text() == "from player a\n" &&
               b->received_text() == "from the publisher\nfrom player a\n";
      },
      5000))
      << "publisher: '" << pub->received_text() << "' b: '" << b->received_text() << "'";
  EXPECT_EQ(a->received_text(), "from the publisher\n") << "a sender does not get its own text";
}

TEST_F(Sfu, StreamInfoDescribesThePublishedVideo) {
  auto pub = publisher("cam1");
  expect_notification(*pub, "publish_started");
  WsClient asker;
  ASSERT_TRUE(asker.connect_and_wait(server.websocket_url()));
  // The server measures once a second; ask once a second, as the SDK polls.
  protocol::StreamInformation info;
  for (int attempt = 0; attempt < 10; ++attempt) {
    asker.send(R"({"command":"getStreamInfo","streamId":"cam1"})");
    info = asker.wait_for<protocol::StreamInformation>(2000);
    if (!info.stream_info.empty() && info.stream_info[0].video_bitrate > 0 &&
        info.stream_info[0].stream_width > 0) {
      break;
    }
    wait_until([] { return false; }, 1000);
  }
  ASSERT_FALSE(info.stream_info.empty());
  EXPECT_EQ(info.stream_id, "cam1");
  EXPECT_EQ(info.stream_info[0].stream_width, 320);
  EXPECT_EQ(info.stream_info[0].stream_height, 240);
  EXPECT_EQ(info.stream_info[0].video_codec, "VP8");
  EXPECT_GT(info.stream_info[0].audio_bitrate, 0);
}

TEST_F(Sfu, AnOfferThatIsNotSdpIsRefusedAndOthersKeepPlaying) {
  auto good = publisher("good");
  expect_notification(*good, "publish_started");
  auto p = player("good");
  ASSERT_TRUE(wait_until([&] { return p->frames() >= 10; }, 15000)) << report({p.get()});
  auto bad = publisher("bad", "VP8", "", 60, "this is not SDP");
  ASSERT_TRUE(wait_until([&] { return bad->count_error("notSetRemoteDescription") > 0; }, 10000))
      << report({bad.get()});
  EXPECT_NE(bad->error_information("notSetRemoteDescription").find("not valid SDP"),
            std::string::npos)
      << bad->error_information("notSetRemoteDescription");
  const int before = p->frames();
  EXPECT_TRUE(wait_until([&] { return p->frames() >= before + 30; }, 5000))
      << "the other publisher's player kept decoding";
  EXPECT_EQ(p->count_notification("play_finished"), 0);
}

TEST_F(Sfu, AnOfferWithoutAForwardedCodecIsRefusedNamingTheCodec) {
  // A real offer whose only video codec is renamed to one we do not forward.
  const std::string offer =
      "v=0\r\no=- 1 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
      "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendonly\r\n"
      "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=setup:actpass\r\n"
      "a=fingerprint:sha-256 "
      "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:"
      "EE:FF\r\na=rtcp-mux\r\na=rtpmap:96 H265/90000\r\n";
  auto bad = publisher("hevc", "VP8", "", 60, offer);
  ASSERT_TRUE(wait_until([&] { return bad->count_error("notSetRemoteDescription") > 0; }, 10000))
      << report({bad.get()});
  const std::string why = bad->error_information("notSetRemoteDescription");
  EXPECT_NE(why.find("H265"), std::string::npos) << why;
  EXPECT_NE(why.find("VP8"), std::string::npos) << "says what the server takes: " << why;
}

// One participant of a main-track conference (§3.6): publishes with
// mainTrack=room and plays the room, leaving its own stream out.
struct Participant {
  std::unique_ptr<SfuClient> publisher;
  std::unique_ptr<SfuClient> player;
};

TEST_F(Sfu, MainTrackConferenceOfThreeWithALeave) {
  const std::vector<std::string> names = {"alice", "bob", "carol"};
  std::vector<Participant> people;
  for (const auto &name : names) {
    Participant p;
    p.publisher = publisher(name, "VP8", "room1");
    expect_notification(*p.publisher, "publish_started");
    p.player = player("room1", "room1", name);
    people.push_back(std::move(p));
  }
  auto decodes_others = [&](std::size_t i, std::size_t count, int frames) {
    for (std::size_t j = 0; j < count; ++j) {
      if (j == i) continue;
      if (people[i].player->frames_of("ARDAMSv" + names[j]) < frames) return false;
    }
    return true;
  };
  const bool everyone = wait_until(
      [&] { return decodes_others(0, 3, 30) && decodes_others(1, 3, 30) && decodes_others(2, 3, 30); },
      30000);
  std::ostringstream state;
  for (std::size_t i = 0; i < people.size(); ++i) {
    state << names[i] << ": " << people[i].player->pads() << " offers "
          << people[i].player->offers_received() << " problems "
          << people[i].player->problems() << "\n";
  }
  ASSERT_TRUE(everyone) << state.str() << server.stderr_text();
  for (std::size_t i = 0; i < people.size(); ++i) {
    EXPECT_EQ(people[i].player->frames_of("ARDAMSv" + names[i]), 0) << "nobody gets itself back";
    EXPECT_EQ(people[i].player->problems(), "") << "every re-offer names its tracks' SSRCs";
  }
  // Joined before bob and carol: alice heard of both, with re-offers.
  EXPECT_EQ(people[0].player->count_notification("subtrackAdded"), 2);
  EXPECT_GE(people[0].player->offers_received(), 3);

  // carol leaves: the others are re-offered and keep decoding each other.
  const int alice_offers = people[0].player->offers_received();
  people[2].publisher->stop_session();
  people[2].player->stop_session();
  expect_notification(*people[0].player, "subtrackRemoved");
  expect_notification(*people[1].player, "subtrackRemoved");
  EXPECT_TRUE(wait_until([&] { return people[0].player->offers_received() > alice_offers; }, 5000))
      << "alice got no re-offer after carol left";
  const int a = people[0].player->frames_of("ARDAMSvbob");
  const int b = people[1].player->frames_of("ARDAMSvalice");
  EXPECT_TRUE(wait_until(
      [&] {
        return people[0].player->frames_of("ARDAMSvbob") >= a + 30 &&
               people[1].player->frames_of("ARDAMSvalice") >= b + 30;
      },
      10000))
      << "alice and bob keep decoding each other";

  WsClient asker;
  ASSERT_TRUE(asker.connect_and_wait(server.websocket_url()));
  asker.send(R"({"command":"getRoomInfo","room":"room1","streamId":"alice"})");
  const auto info = asker.wait_for<protocol::RoomInformation>();
  EXPECT_EQ(info.members.ids(), std::vector<std::string>{"bob"});
}

// The legacy style (§3.7): joinRoom for the roster, then each publishes its
// own stream and plays every other member's.
TEST_F(Sfu, JoinRoomConferenceOfThree) {
  const std::vector<std::string> names = {"ann", "ben", "cat"};
  std::vector<std::unique_ptr<WsClient>> rosters;
  std::vector<std::unique_ptr<SfuClient>> publishers;
  for (const auto &name : names) {
    auto roster = std::make_unique<WsClient>();
    ASSERT_TRUE(roster->connect_and_wait(server.websocket_url()));
    roster->send(R"({"command":"joinRoom","room":"legacy","streamId":")" + name + R"(","mode":"legacy"})");
    const auto joined = roster->wait_for<protocol::Notification>();
    EXPECT_EQ(joined.definition, "joinedTheRoom");
    rosters.push_back(std::move(roster));
    publishers.push_back(publisher(name));
    expect_notification(*publishers.back(), "publish_started");
  }
  std::vector<std::unique_ptr<SfuClient>> players;  // [i * 2 + k]: i plays the k-th other
  for (std::size_t i = 0; i < names.size(); ++i) {
    for (std::size_t j = 0; j < names.size(); ++j) {
      if (i != j) players.push_back(player(names[j], "legacy"));
    }
  }
  const bool decoded = wait_until(
      [&] {
        for (auto &p : players) {
          if (p->frames() < 30) return false;
        }
        return true;
      },
      30000);
  std::vector<SfuClient *> all;
  for (auto &p : players) all.push_back(p.get());
  EXPECT_TRUE(decoded) << report(all);
}

}  // namespace
}  // namespace amsrtc::testing
