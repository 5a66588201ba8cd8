// Many sockets at once against the real server: 100 P2P pairs exchanging
// offers, answers and 20 candidates each, where every message must reach
// the right peer and nothing anyone else; and a 5,000-message flood from
// one socket that is rate-limited while other pairs keep low relay latency.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "server_process.h"
#include "ws_client.h"

namespace amsrtc::testing {
namespace {

namespace proto = amsrtc::protocol;

constexpr int kPairs = 100;
constexpr int kCandidates = 20;

std::string pair_id(int i) { return "pair" + std::to_string(i); }

std::string candidate_json(const std::string &stream_id, const std::string &text) {
  proto::TakeCandidate candidate;
  candidate.stream_id = stream_id;
  candidate.label = 0;
  candidate.id = "0";
  candidate.candidate = text;
  return proto::encode(candidate);
}

TEST(ServerLoad, HundredPairsEachMessageToTheRightPeerOnly) {
  ServerProcess server;
  ASSERT_FALSE(server.url().empty());
  std::vector<std::unique_ptr<WsClient>> offerers, answerers;
  for (int i = 0; i < kPairs; ++i) {
    offerers.push_back(std::make_unique<WsClient>());
    answerers.push_back(std::make_unique<WsClient>());
    offerers.back()->connect(server.websocket_url());
    answerers.back()->connect(server.websocket_url());
  }
  auto all_connected = [&] {
    for (int i = 0; i < kPairs; ++i) {
      if (!offerers[i]->connected() || !answerers[i]->connected()) return false;
    }
    return true;
  };
  ASSERT_TRUE(wait_until(all_connected, 20000)) << "200 sockets did not all open";

  // Offerer joins first, so it gets `start`.
  for (int i = 0; i < kPairs; ++i)
    offerers[i]->send(R"({"command":"join","streamId":")" + pair_id(i) + "\"}");
  ASSERT_TRUE(wait_until(
      [&] {
        return std::all_of(offerers.begin(), offerers.end(),
                           [](auto &c) { return c->count() >= 1; });
      },
      20000));
  for (int i = 0; i < kPairs; ++i)
    answerers[i]->send(R"({"command":"join","streamId":")" + pair_id(i) + "\"}");
  for (int i = 0; i < kPairs; ++i) {
    EXPECT_EQ(offerers[i]->wait_for<proto::Start>(20000).stream_id, pair_id(i));
    offerers[i]->send(R"({"command":"takeConfiguration","streamId":")" + pair_id(i) +
                      R"(","type":"offer","sdp":"offer-)" + std::to_string(i) + "\"}");
  }
  for (int i = 0; i < kPairs; ++i) {
    auto offer = answerers[i]->wait_for<proto::TakeConfiguration>(20000);
    EXPECT_EQ(offer.sdp, "offer-" + std::to_string(i));
    answerers[i]->send(R"({"command":"takeConfiguration","streamId":")" + pair_id(i) +
                       R"(","type":"answer","sdp":"answer-)" + std::to_string(i) + "\"}");
  }
  for (int i = 0; i < kPairs; ++i) {
    EXPECT_EQ(offerers[i]->wait_for<proto::TakeConfiguration>(20000).sdp,
              "answer-" + std::to_string(i));
  }
  for (int k = 0; k < kCandidates; ++k) {
    for (int i = 0; i < kPairs; ++i) {
      const std::string tag = std::to_string(i) + "-" + std::to_string(k);
      offerers[i]->send(candidate_json(pair_id(i), "from-offerer-" + tag));
      answerers[i]->send(candidate_json(pair_id(i), "from-answerer-" + tag));
    }
  }
  // Offerer: joined, start, answer, 20 candidates. Answerer: joined, offer, 20.
  auto all_delivered = [&] {
    for (int i = 0; i < kPairs; ++i) {
      if (offerers[i]->count() < 3 + kCandidates || answerers[i]->count() < 2 + kCandidates) {
        return false;
      }
    }
    return true;
  };
  ASSERT_TRUE(wait_until(all_delivered, 30000)) << "not every candidate arrived";

  for (int i = 0; i < kPairs; ++i) {
    for (auto [client, expected_count, from] :
         {std::tuple{offerers[i].get(), 3 + kCandidates, "from-answerer-"},
          std::tuple{answerers[i].get(), 2 + kCandidates, "from-offerer-"}}) {
      ASSERT_EQ(client->count(), static_cast<std::size_t>(expected_count)) << pair_id(i);
      const auto candidates = client->all<proto::TakeCandidate>();
      ASSERT_EQ(candidates.size(), static_cast<std::size_t>(kCandidates));
      for (int k = 0; k < kCandidates; ++k) {
        EXPECT_EQ(candidates[k].stream_id, pair_id(i));
        // in order, and from this pair's other peer only
        EXPECT_EQ(candidates[k].candidate, from + std::to_string(i) + "-" + std::to_string(k));
      }
      for (const auto &frame : client->received()) {
        ASSERT_TRUE(frame.decoded.ok()) << frame.text;
        EXPECT_EQ(proto::stream_id_of(frame.decoded.message()), pair_id(i)) << frame.text;
      }
    }
  }
}

// The flooder runs in its own thread with its own main context, so the
// measuring pairs in the test thread are never starved by our own sending.
struct FloodResult {
  int pongs = 0;
  int rate_limited = 0;
  bool closed = false;
};

FloodResult flood(const std::string &url, int messages) {
  FloodResult result;
  GMainContext *context = g_main_context_new();
  g_main_context_push_thread_default(context);
  {
    WsClient flooder;
    if (flooder.connect_and_wait(url)) {
      for (int i = 0; i < messages; ++i) flooder.send(R"({"command":"ping"})");
      // Messages are handled in order: once a later request is answered,
      // the whole flood has been processed. Ask every 200 ms (the bucket
      // refills meanwhile) until iceServerConfig comes back.
      std::size_t seen = 0;
      bool answered = false;
      while (!answered && !flooder.closed()) {
        flooder.send(R"({"command":"getIceServerConfig"})");
        wait_until(
            [&] {
              for (; seen < flooder.count(); ++seen) {
                if (flooder.received()[seen].text.find("iceServerConfig") != std::string::npos)
                  answered = true;
              }
              return answered;
            },
            200);
      }
      for (const auto &frame : flooder.received()) {
        if (frame.text == R"({"command":"pong"})") ++result.pongs;
        if (frame.text.find("rate_limited") != std::string::npos) ++result.rate_limited;
      }
      result.closed = flooder.closed();
    }
  }
  g_main_context_pop_thread_default(context);
  g_main_context_unref(context);
  return result;
}

TEST(ServerLoad, FloodIsRateLimitedWhileOtherPairsKeepLowLatency) {
  // This test measures latency. In the sanitizer build the other tests run
  // the server with leak checking, whose slow unwinder (a full stack walk
  // per malloc) would be measured with it; ASAN_OPTIONS is inert elsewhere.
  ServerProcess server{{}, {{"ASAN_OPTIONS", "detect_leaks=0"}}};
  ASSERT_FALSE(server.url().empty());
  constexpr int kMeasuredPairs = 10;
  std::vector<std::unique_ptr<WsClient>> senders, receivers;
  for (int i = 0; i < kMeasuredPairs; ++i) {
    senders.push_back(std::make_unique<WsClient>());
    receivers.push_back(std::make_unique<WsClient>());
    ASSERT_TRUE(senders.back()->connect_and_wait(server.websocket_url()));
    ASSERT_TRUE(receivers.back()->connect_and_wait(server.websocket_url()));
    senders[i]->send(R"({"command":"join","streamId":")" + pair_id(i) + "\"}");
    senders[i]->wait_for<proto::Notification>();
    receivers[i]->send(R"({"command":"join","streamId":")" + pair_id(i) + "\"}");
    senders[i]->wait_for<proto::Start>();
    receivers[i]->wait_for<proto::Notification>();
  }

  FloodResult flood_result;
  bool flood_done = false;
  std::thread flooder([&] {
    flood_result = flood(server.websocket_url(), 5000);
    flood_done = true;  // read only after join()
  });

  // While the flood runs: every pair relays a timestamped candidate every
  // 5 ms; the receiver computes the relay latency on arrival.
  std::vector<double> latencies_ms;
  const int kRounds = 200;
  std::vector<std::size_t> seen(kMeasuredPairs, 0);
  for (int round = 0; round < kRounds; ++round) {
    for (int i = 0; i < kMeasuredPairs; ++i) {
      senders[i]->send(candidate_json(pair_id(i), std::to_string(g_get_monotonic_time())));
    }
    bool tick = false;
    g_timeout_add(
        5,
        [](gpointer flag) -> gboolean {
          *static_cast<bool *>(flag) = true;
          return G_SOURCE_REMOVE;
        },
        &tick);
    wait_until([&] { return tick; }, 1000);
  }
  for (int i = 0; i < kMeasuredPairs; ++i) {
    ASSERT_TRUE(receivers[i]->wait_for_count(1 + kRounds, 10000)) << pair_id(i);
    for (const auto &candidate_frame : receivers[i]->received()) {
      if (!candidate_frame.decoded.ok()) continue;
      const auto *c = std::get_if<proto::TakeCandidate>(&candidate_frame.decoded.message());
      if (c == nullptr) continue;
      latencies_ms.push_back((candidate_frame.monotonic_us - std::stoll(c->candidate)) / 1000.0);
    }
  }
  flooder.join();
  ASSERT_TRUE(flood_done);

  std::sort(latencies_ms.begin(), latencies_ms.end());
  ASSERT_EQ(latencies_ms.size(), static_cast<std::size_t>(kMeasuredPairs * kRounds));
  const double p50 = latencies_ms[latencies_ms.size() / 2];
  const double p99 = latencies_ms[latencies_ms.size() * 99 / 100];
  std::cout << "flood: " << flood_result.pongs << " pongs, " << flood_result.rate_limited
            << " rate_limited; relay latency of other pairs p50 " << p50 << " ms, p99 " << p99
            << " ms\n";
  EXPECT_FALSE(flood_result.closed) << "rate limiting answers; it does not disconnect";
  EXPECT_GE(flood_result.rate_limited, 1) << "the flooder is told";
  EXPECT_LE(flood_result.rate_limited, 5) << "one notice per second, not one per message";
  EXPECT_GE(flood_result.pongs, 200) << "the burst allowance is served";
  EXPECT_LE(flood_result.pongs, 600) << "most of the flood must be dropped";
  EXPECT_LT(p99, 20.0);
}

}  // namespace
}  // namespace amsrtc::testing
