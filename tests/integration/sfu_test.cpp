// amsrtc-server's SFU with real webrtcbin clients on loopback (PROTOCOL.md
// §3.2, §3.3, §3.6, §12.6, §12.7): publish, fan-out to players decoding
// frames, keyframes for late players, the data channel both ways, both
// conference styles, and bad offers.
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <memory>
#include <sstream>
#include <vector>

#include "server_process.h"
#include "sfu_client.h"
#include "wait.h"

namespace amsrtc::testing {
namespace {

class Sfu : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { gst_init(nullptr, nullptr); }

  std::unique_ptr<SfuClient> publisher(const std::string &stream_id, const std::string &codec = "VP8",
                                       const std::string &main_track = "") {
    SfuClientConfig config;
    config.url = server.websocket_url();
    config.stream_id = stream_id;
    config.publish = true;
    config.codec = codec;
    config.main_track = main_track;
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

}  // namespace
}  // namespace amsrtc::testing
