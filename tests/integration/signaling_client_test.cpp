// signaling/client against the real amsrtc-server (and, for the keepalive,
// a silent WebSocket server in the test): several sessions on one socket,
// ordered sends, reconnect after the server restarts on the same port,
// giving up on an unreachable server, missed pongs, TLS with an extra CA.
#include <glib/gstdio.h>
#include <gtest/gtest.h>
#include <libsoup/soup.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "server_process.h"
#include "signaling/client/signaling_client.h"
#include "wait.h"

namespace amsrtc::testing {
namespace {

namespace proto = amsrtc::protocol;
using client::ClientCallbacks;
using client::ClientConfig;
using client::SignalingClient;

// Collects what the client reports from its own thread and wakes the test
// thread's main context, which wait_until() iterates.
struct Recorder {
  std::mutex mutex;
  std::vector<proto::Message> messages;
  std::vector<std::string> disconnects;
  std::string failure;
  std::atomic<int> connected{0};
  std::atomic<int> reconnected{0};

  ClientCallbacks callbacks() {
    return ClientCallbacks{[this](bool again) {
                             (again ? reconnected : connected)++;
                             g_main_context_wakeup(nullptr);
                           },
                           [this](const proto::Message &message) {
                             std::lock_guard<std::mutex> lock(mutex);
                             messages.push_back(message);
                             g_main_context_wakeup(nullptr);
                           },
                           [this](const std::string &reason) {
                             std::lock_guard<std::mutex> lock(mutex);
                             disconnects.push_back(reason);
                             g_main_context_wakeup(nullptr);
                           },
                           [this](const std::string &error) {
                             std::lock_guard<std::mutex> lock(mutex);
                             failure = error;
                             g_main_context_wakeup(nullptr);
                           }};
  }
  // Notifications with this definition received so far.
  int count(const std::string &definition) {
    std::lock_guard<std::mutex> lock(mutex);
    int n = 0;
    for (const auto &m : messages) {
      if (const auto *note = std::get_if<proto::Notification>(&m);
          note && note->definition == definition)
        ++n;
    }
    return n;
  }
  std::size_t disconnect_count() {
    std::lock_guard<std::mutex> lock(mutex);
    return disconnects.size();
  }
  std::string failed() {
    std::lock_guard<std::mutex> lock(mutex);
    return failure;
  }
};

ClientConfig config_for(const std::string &uri, unsigned ping_interval_ms = 3000) {
  ClientConfig config;
  config.uri = uri;
  config.ping_interval_ms = ping_interval_ms;
  return config;
}

proto::Join join(const std::string &stream_id) {
  proto::Join message;
  message.stream_id = stream_id;
  message.mode = "both";
  return message;
}

TEST(SignalingClient, SeveralSessionsOnOneSocketInOrder) {
  ServerProcess server;
  Recorder recorder;
  SignalingClient client(config_for(server.websocket_url(), 200), recorder.callbacks());
  ASSERT_TRUE(client.start());
  // Sent before the socket is open: queued, then sent in order.
  for (int i = 0; i < 20; ++i) client.send(join("call" + std::to_string(i)));
  proto::JoinRoom room;
  room.room = "r";
  room.stream_id = "me";
  client.send(room);
  ASSERT_TRUE(wait_until([&] { return recorder.count("joinedTheRoom") == 1; }, 5000));
  std::lock_guard<std::mutex> lock(recorder.mutex);
  ASSERT_EQ(recorder.messages.size(), 21u);
  for (int i = 0; i < 20; ++i) {
    const auto &joined = std::get<proto::Notification>(recorder.messages[i]);
    EXPECT_EQ(joined.definition, "joined");
    EXPECT_EQ(joined.stream_id, "call" + std::to_string(i)) << "in the order sent";
  }
  EXPECT_EQ(recorder.connected, 1);
  EXPECT_EQ(client.connect_count(), 1u);
}

// What the elements do: send from on_connected, on the client's thread. The
// thread can get there before start() has returned; nothing may be dropped.
// (The race needs start()'s thread to be descheduled at the wrong moment, so
// this checks the contract on 30 clients rather than forcing the race.)
TEST(SignalingClient, AMessageSentFromOnConnectedIsDelivered) {
  ServerProcess server;
  constexpr int kClients = 30;
  std::vector<std::unique_ptr<Recorder>> recorders;
  std::vector<std::unique_ptr<SignalingClient>> clients;
  for (int i = 0; i < kClients; ++i) {
    recorders.push_back(std::make_unique<Recorder>());
    auto callbacks = recorders.back()->callbacks();
    auto slot = std::make_shared<std::atomic<SignalingClient *>>(nullptr);
    callbacks.on_connected = [slot, i](bool) {
      if (SignalingClient *client = slot->load()) client->send(join("early" + std::to_string(i)));
    };
    clients.push_back(
        std::make_unique<SignalingClient>(config_for(server.websocket_url()), callbacks));
    slot->store(clients.back().get());
    ASSERT_TRUE(clients.back()->start());
  }
  for (int i = 0; i < kClients; ++i) {
    EXPECT_TRUE(wait_until([&] { return recorders[i]->count("joined") == 1; }, 5000))
        << "client " << i;
  }
}

TEST(SignalingClient, KeepaliveKeepsAHealthySocket) {
  ServerProcess server;
  Recorder recorder;
  SignalingClient client(config_for(server.websocket_url(), 100), recorder.callbacks());
  ASSERT_TRUE(client.start());
  ASSERT_TRUE(wait_until([&] { return recorder.connected == 1; }, 5000));
  // Ten ping intervals: every ping answered, so no reconnect.
  bool done = false;
  GSource *timer = g_timeout_source_new(1000);
  g_source_set_callback(
      timer,
      [](gpointer flag) -> gboolean {
        *static_cast<bool *>(flag) = true;
        return G_SOURCE_REMOVE;
      },
      &done, nullptr);
  g_source_attach(timer, nullptr);
  wait_until([&] { return done; }, 2000);
  g_source_unref(timer);
  EXPECT_EQ(recorder.disconnect_count(), 0u);
  EXPECT_EQ(client.connect_count(), 1u);
}

TEST(SignalingClient, ReconnectsAfterTheServerRestartsOnTheSamePort) {
  auto server = std::make_unique<ServerProcess>();
  const int port = server->port();
  Recorder recorder;
  ClientConfig config = config_for(server->websocket_url(), 200);
  config.initial_backoff_ms = 100;
  SignalingClient client(config, recorder.callbacks());
  ASSERT_TRUE(client.start());
  client.send(join("call"));
  ASSERT_TRUE(wait_until([&] { return recorder.count("joined") == 1; }, 5000));

  server->kill();
  ASSERT_TRUE(wait_until([&] { return recorder.disconnect_count() >= 1; }, 5000));
  server =
      std::make_unique<ServerProcess>(std::vector<std::string>{"--port", std::to_string(port)});
  ASSERT_EQ(server->port(), port);
  ASSERT_TRUE(wait_until([&] { return recorder.reconnected >= 1; }, 10000))
      << "no reconnect after " << recorder.disconnect_count() << " failed attempts";
  // The element re-joins on on_connected(true); the new socket works.
  client.send(join("call"));
  EXPECT_TRUE(wait_until([&] { return recorder.count("joined") == 2; }, 5000));
}

TEST(SignalingClient, GivesUpOnAnUnreachableServerNamingTheUri) {
  int free_port = 0;
  {
    ServerProcess probe;  // a port that was just free, and is closed again
    free_port = probe.port();
  }
  const std::string uri = "ws://127.0.0.1:" + std::to_string(free_port) + "/WebRTCAppEE/websocket";
  Recorder recorder;
  ClientConfig config = config_for(uri);
  config.initial_backoff_ms = 50;
  config.max_initial_attempts = 3;
  SignalingClient client(config, recorder.callbacks());
  ASSERT_TRUE(client.start());
  ASSERT_TRUE(wait_until([&] { return !recorder.failed().empty(); }, 5000));
  EXPECT_NE(recorder.failed().find(uri), std::string::npos) << recorder.failed();
  EXPECT_EQ(recorder.disconnect_count(), 2u) << "two retries, then the third failure gives up";
  EXPECT_EQ(recorder.connected, 0);
}

TEST(SignalingClient, RefusesUrisThatAreNotWebSocket) {
  Recorder recorder;
  for (const char *uri : {"http://127.0.0.1:5080/x", "nonsense", ""}) {
    SignalingClient client(config_for(uri), recorder.callbacks());
    EXPECT_FALSE(client.start()) << uri;
  }
}

// A WebSocket server that accepts and then says nothing: pings go
// unanswered, so the client must count the socket dead and reconnect.
TEST(SignalingClient, MissedPongsReconnect) {
  SoupServer *silent = soup_server_new(nullptr, nullptr);
  std::vector<SoupWebsocketConnection *> sockets;
  soup_server_add_websocket_handler(
      silent, nullptr, nullptr, nullptr,
      [](SoupServer *, SoupServerMessage *, const char *, SoupWebsocketConnection *socket,
         gpointer list) {
        static_cast<std::vector<SoupWebsocketConnection *> *>(list)->push_back(
            SOUP_WEBSOCKET_CONNECTION(g_object_ref(socket)));
      },
      &sockets, nullptr);
  ASSERT_TRUE(soup_server_listen_local(silent, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, nullptr));
  GSList *uris = soup_server_get_uris(silent);
  const int port = g_uri_get_port(static_cast<GUri *>(uris->data));
  g_slist_free_full(uris, reinterpret_cast<GDestroyNotify>(g_uri_unref));

  Recorder recorder;
  ClientConfig config = config_for("ws://127.0.0.1:" + std::to_string(port) + "/app/websocket", 50);
  config.max_missed_pongs = 3;
  config.initial_backoff_ms = 50;
  SignalingClient client(config, recorder.callbacks());
  ASSERT_TRUE(client.start());
  ASSERT_TRUE(wait_until([&] { return recorder.reconnected >= 1; }, 5000));
  std::lock_guard<std::mutex> lock(recorder.mutex);
  ASSERT_FALSE(recorder.disconnects.empty());
  EXPECT_NE(recorder.disconnects[0].find("no pong"), std::string::npos) << recorder.disconnects[0];
  client.stop();
  for (auto *socket : sockets) g_object_unref(socket);
  soup_server_disconnect(silent);
  g_object_unref(silent);
}

TEST(SignalingClient, WssTrustsTheExtraCaFileAndNothingElse) {
  TestCertificate certificate;
  ASSERT_TRUE(certificate.ok) << "openssl could not make a test certificate";
  const std::string &cert = certificate.cert, &key = certificate.key;
  // detect_leaks=0: see ServerTls.WssWithATestCertificate (LSan and
  // glib-networking's dynamic TLS).
  ServerProcess server{{"--tls-cert", cert, "--tls-key", key},
                       {{"ASAN_OPTIONS", "detect_leaks=0"}}};
  ASSERT_TRUE(g_str_has_prefix(server.url().c_str(), "wss://"));

  Recorder trusting;
  ClientConfig ca_config = config_for(server.websocket_url());
  ca_config.ca_file = cert;
  SignalingClient with_ca(ca_config, trusting.callbacks());
  ASSERT_TRUE(with_ca.start());
  with_ca.send(join("secure"));
  EXPECT_TRUE(wait_until([&] { return trusting.count("joined") == 1; }, 5000));

  Recorder refusing;
  ClientConfig no_ca = config_for(server.websocket_url());
  no_ca.max_initial_attempts = 1;
  SignalingClient without_ca(no_ca, refusing.callbacks());
  ASSERT_TRUE(without_ca.start());
  EXPECT_TRUE(wait_until([&] { return !refusing.failed().empty(); }, 5000));
  EXPECT_EQ(refusing.connected, 0) << "an unknown certificate is never accepted silently";

  with_ca.stop();
  without_ca.stop();
}

}  // namespace
}  // namespace amsrtc::testing
