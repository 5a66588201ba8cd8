// Each flow over the wire against the real amsrtc-server process: P2P call
// with relay, leave and re-pair; a mesh room; keepalive and ICE hint;
// errors; static files; SIGTERM shutdown.
#include <glib/gstdio.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "server_process.h"
#include "ws_client.h"

namespace amsrtc::testing {
namespace {

namespace proto = amsrtc::protocol;

class ServerFlows : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(server.url().empty()); }
  void TearDown() override {
    if (HasFailure()) std::cerr << "server stderr:\n" << server.stderr_text();
  }
  std::unique_ptr<WsClient> client(const std::string &app = "WebRTCAppEE") {
    auto c = std::make_unique<WsClient>();
    // query parameters the SDK adds are accepted and ignored
    c->connect_and_wait(server.websocket_url(app) + "?target=origin");
    return c;
  }
  ServerProcess server{{"--stun-server", "stun:127.0.0.1:3478"}};
};

TEST_F(ServerFlows, PingAndIceServerConfig) {
  auto a = client("live");
  a->send(R"({"command":"ping"})");
  a->wait_for<proto::Pong>();
  a->send(R"({"command":"getIceServerConfig"})");
  EXPECT_EQ(a->wait_for<proto::IceServerConfig>().stun_server_uri, "stun:127.0.0.1:3478");
}

TEST_F(ServerFlows, P2pCallRelayLeaveAndRepair) {
  auto a = client(), b = client(), c = client();
  a->send(R"({"command":"join","streamId":"call","multiPeer":false,"mode":"both"})");
  EXPECT_EQ(a->wait_for<proto::Notification>().definition, "joined");
  b->send(R"({"command":"join","streamId":"call","multiPeer":false,"mode":"both"})");
  EXPECT_EQ(b->wait_for<proto::Notification>().definition, "joined");
  EXPECT_EQ(a->wait_for<proto::Start>().stream_id, "call");

  a->send(R"({"command":"takeConfiguration","streamId":"call","type":"offer","sdp":"v=0 offer"})");
  auto offer = b->wait_for<proto::TakeConfiguration>();
  EXPECT_EQ(offer.sdp, "v=0 offer");
  ASSERT_TRUE(offer.id_mapping.has_value());
  b->send(
      R"({"command":"takeConfiguration","streamId":"call","type":"answer","sdp":"v=0 answer"})");
  EXPECT_EQ(a->wait_for<proto::TakeConfiguration>().sdp, "v=0 answer");
  b->send(R"({"command":"takeCandidate","streamId":"call","label":0,"id":"0","candidate":"cand"})");
  auto candidate = a->wait_for<proto::TakeCandidate>();
  EXPECT_EQ(candidate.candidate, "cand");
  EXPECT_EQ(candidate.label, 0);

  c->send(R"({"command":"join","streamId":"call"})");
  EXPECT_EQ(c->wait_for<proto::Error>().definition, "streamIdInUse");

  a->send(R"({"command":"leave","streamId":"call"})");
  EXPECT_EQ(a->wait_for<proto::Notification>().definition, "leaved");
  EXPECT_EQ(b->wait_for<proto::Stop>().stream_id, "call");
  c->send(R"({"command":"join","streamId":"call"})");
  EXPECT_EQ(c->wait_for<proto::Notification>().definition, "joined");
  EXPECT_EQ(b->wait_for<proto::Start>().stream_id, "call");
}

TEST_F(ServerFlows, SocketCloseStopsThePartner) {
  auto a = client(), b = client();
  a->send(R"({"command":"join","streamId":"call"})");
  a->wait_for<proto::Notification>();  // a is the first joiner, so a gets start
  b->send(R"({"command":"join","streamId":"call"})");
  a->wait_for<proto::Start>();
  a.reset();  // closes the socket
  EXPECT_EQ(b->wait_for<proto::Stop>().stream_id, "call");
}

TEST_F(ServerFlows, MeshRoom) {
  auto a = client(), b = client(), c = client();
  a->send(R"({"command":"joinRoom","room":"r","mainTrack":"r","streamId":"a"})");
  EXPECT_EQ(a->wait_for<proto::Notification>().definition, "joinedTheRoom");
  b->send(R"({"command":"joinRoom","room":"r","mainTrack":"r","streamId":"b"})");
  auto joined = b->wait_for<proto::Notification>();
  EXPECT_EQ(joined.definition, "joinedTheRoom");
  EXPECT_EQ(joined.members->ids(), std::vector<std::string>{"a"});
  auto notice = a->wait_for<proto::Notification>();
  EXPECT_EQ(notice.definition, "streamJoined");
  EXPECT_EQ(notice.stream_id, "b");

  b->send(R"({"command":"takeConfiguration","streamId":"a","type":"offer","sdp":"b->a"})");
  auto offer = a->wait_for<proto::TakeConfiguration>();
  EXPECT_EQ(offer.stream_id, "b");
  EXPECT_EQ(offer.sdp, "b->a");
  a->send(R"({"command":"takeConfiguration","streamId":"b","type":"answer","sdp":"a->b"})");
  EXPECT_EQ(b->wait_for<proto::TakeConfiguration>().stream_id, "a");

  c->send(R"({"command":"getRoomInfo","room":"r","streamId":"x"})");
  EXPECT_EQ(c->wait_for<proto::RoomInformation>().members.ids(),
            (std::vector<std::string>{"a", "b"}));

  b->send(R"({"command":"leaveFromRoom","room":"r","mainTrack":"r","streamId":"b"})");
  EXPECT_EQ(b->wait_for<proto::Notification>().definition, "leavedFromRoom");
  auto left = a->wait_for<proto::Notification>();
  EXPECT_EQ(left.definition, "streamLeaved");
  EXPECT_EQ(left.stream_id, "b");
}

TEST_F(ServerFlows, BadInputGetsErrorsAndTheSocketStaysUsable) {
  auto a = client();
  a->send("{not json");
  EXPECT_EQ(a->wait_for<proto::Error>().definition, "invalid_json");
  a->send(R"({"command":"publish"})");
  auto missing = a->wait_for<proto::Error>();
  EXPECT_EQ(missing.definition, "missingParameter");
  EXPECT_EQ(missing.parameter, "streamId");
  a->send(R"({"command":"teleport"})");
  EXPECT_EQ(a->wait_for<proto::Error>().definition, "unsupported_command");
  a->send(R"({"command":"play","streamId":"../x"})");
  EXPECT_EQ(a->wait_for<proto::Error>().definition, "invalidStreamName");
  a->send(R"({"command":"ping"})");
  a->wait_for<proto::Pong>();
  EXPECT_FALSE(a->closed());
}

TEST_F(ServerFlows, OversizedFrameClosesOnlyThatSocketWith1009) {
  auto big = client(), a = client(), b = client();
  a->send(R"({"command":"join","streamId":"call"})");
  a->wait_for<proto::Notification>();  // a is the first joiner, so a gets start
  b->send(R"({"command":"join","streamId":"call"})");
  a->wait_for<proto::Start>();
  big->send(R"({"command":"takeCandidate","streamId":"x","label":0,"candidate":")" +
            std::string(2 * 1024 * 1024, 'x') + "\"}");
  ASSERT_TRUE(big->wait_closed());
  EXPECT_EQ(big->close_code(), 1009);
  // the others are untouched
  a->send(R"({"command":"takeCandidate","streamId":"call","label":0,"candidate":"still here"})");
  EXPECT_EQ(b->wait_for<proto::TakeCandidate>().candidate, "still here");
  EXPECT_FALSE(a->closed());
  EXPECT_FALSE(b->closed());
}

TEST_F(ServerFlows, WrongPathIsRefused) {
  WsClient stray;
  stray.connect(server.url() + "/a/b/websocket");
  ASSERT_TRUE(wait_until([&] { return stray.failed() || stray.closed(); }, 5000));
}

TEST_F(ServerFlows, SigtermTellsClientsAndExitsCleanly) {
  auto a = client(), b = client();
  a->send(R"({"command":"ping"})");
  a->wait_for<proto::Pong>();
  EXPECT_EQ(server.terminate(), 0);
  for (auto *c : {a.get(), b.get()}) {
    EXPECT_EQ(c->wait_for<proto::Notification>().definition, "server_will_stop");
    ASSERT_TRUE(c->wait_closed());
    EXPECT_EQ(c->close_code(), 1001);
  }
}

// wss:// with --tls-cert/--tls-key: a certificate made for the test, trusted
// by the client, and the whole WebSocket path (handshake, transport) over TLS.
TEST(ServerTls, WssWithATestCertificate) {
  TestCertificate certificate;
  ASSERT_TRUE(certificate.ok) << "openssl could not make a test certificate";
  const std::string &cert = certificate.cert, &key = certificate.key;

  // In the sanitizer build, LeakSanitizer (GCC 12's libasan) crashes at exit
  // in any process that dlopen'ed glib-networking: it misreads the module's
  // dynamic TLS ("Tracer caught signal 11", DTLS at a bogus address). Leak
  // checking stays on for every other server process of the suite.
  ServerProcess server{{"--tls-cert", cert, "--tls-key", key},
                       {{"ASAN_OPTIONS", "detect_leaks=0"}}};
  ASSERT_TRUE(g_str_has_prefix(server.url().c_str(), "wss://")) << server.url();
  WsClient a, b;
  a.trust_ca_file(cert);
  b.trust_ca_file(cert);
  ASSERT_TRUE(a.connect_and_wait(server.websocket_url()));
  ASSERT_TRUE(b.connect_and_wait(server.websocket_url()));
  a.send(R"({"command":"join","streamId":"secure"})");
  a.wait_for<proto::Notification>();  // a is the first joiner, so a gets start
  b.send(R"({"command":"join","streamId":"secure"})");
  a.wait_for<proto::Start>();
  a.send(R"({"command":"takeConfiguration","streamId":"secure","type":"offer","sdp":")" +
         std::string(100000, 'v') + "\"}");
  EXPECT_EQ(b.wait_for<proto::TakeConfiguration>().sdp.size(), 100000u) << "a large frame over TLS";

  WsClient untrusting;  // does not know the test CA
  untrusting.connect(server.websocket_url());
  EXPECT_TRUE(wait_until([&] { return untrusting.failed(); }, 5000));
  EXPECT_EQ(server.terminate(), 0);
}

// The same keys as the options, read from a GKeyFile; the command line wins.
TEST(ServerConfig, ConfigFileKeysApplyAndCommandLineWins) {
  g_autofree char *path = g_build_filename(g_get_tmp_dir(), "amsrtc-server-test.conf", nullptr);
  ASSERT_TRUE(g_file_set_contents(path,
                                  "[server]\nroom-member-limit=1\nstun-server=stun:10.0.0.1:1\n"
                                  "token-secret=\n",
                                  -1, nullptr));
  ServerProcess server{{"--config", path, "--stun-server", "stun:127.0.0.1:9"}};
  ASSERT_FALSE(server.url().empty()) << server.stderr_text();
  WsClient a, b;
  ASSERT_TRUE(a.connect_and_wait(server.websocket_url()));
  ASSERT_TRUE(b.connect_and_wait(server.websocket_url()));
  a.send(R"({"command":"getIceServerConfig"})");
  EXPECT_EQ(a.wait_for<proto::IceServerConfig>().stun_server_uri, "stun:127.0.0.1:9");
  a.send(R"({"command":"joinRoom","room":"r","streamId":"a"})");
  EXPECT_EQ(a.wait_for<proto::Notification>().definition, "joinedTheRoom");
  b.send(R"({"command":"joinRoom","room":"r","streamId":"b"})");
  EXPECT_EQ(b.wait_for<proto::Error>().definition,
            "main_track_has_max_subtrack_count__not_allowed_to_add_more_subtracks");
  g_unlink(path);
}

TEST(ServerConfig, BadOptionsAreRefusedWithAMessage) {
  const char *binary = std::getenv("AMSRTC_SERVER");
  ASSERT_NE(binary, nullptr);
  for (const char *bad : {"--port=70000", "--tls-cert=/nonexistent.pem", "--web-root=/nonexistent",
                          "--config=/nonexistent.conf", "--bogus"}) {
    const char *argv[] = {binary, bad, nullptr};
    g_autofree char *err = nullptr;
    int status = 0;
    ASSERT_TRUE(g_spawn_sync(nullptr, const_cast<char **>(argv), nullptr, G_SPAWN_DEFAULT, nullptr,
                             nullptr, nullptr, &err, &status, nullptr));
    EXPECT_FALSE(g_spawn_check_wait_status(status, nullptr)) << bad;
    EXPECT_TRUE(g_str_has_prefix(err, "amsrtc-server: ")) << bad << ": " << err;
  }
}

}  // namespace
}  // namespace amsrtc::testing
