// amsrtcpeer in real pipelines against the real amsrtc-server on loopback:
// two pipelines call each other and decode video and audio; one leaves and
// the other's pads get EOS and go away without an error; a third pipeline
// joins the same stream id and the call forms again.
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gst_log_tail.h"
#include "peer_pipeline.h"
#include "server_process.h"
#include "wait.h"
#include "webrtc_probes.h"

namespace amsrtc::testing {
namespace {

class AmsRtcPeer : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    gst_init(nullptr, nullptr);
    GstLogTail::install();
  }
  void SetUp() override { ASSERT_FALSE(server.url().empty()); }
  ServerProcess server;
};

TEST_F(AmsRtcPeer, TwoPipelinesCallLeaveAndTheCallReforms) {
  PeerPipeline a(server.websocket_url(), "call1");
  PeerPipeline b(server.websocket_url(), "call1");
  a.play();
  b.play();
  auto decoding = [](PeerPipeline &p, int frames) {
    return p.buffers("video_call1") >= frames && p.buffers("audio_call1") > 0;
  };
  ASSERT_TRUE(wait_until(
      [&] {
        return (decoding(a, 60) && decoding(b, 60)) || !a.errors().empty() || !b.errors().empty();
      },
      20000))
      << "a: video " << a.buffers("video_call1") << ", audio " << a.buffers("audio_call1")
      << "; b: video " << b.buffers("video_call1") << ", audio " << b.buffers("audio_call1") << "\n"
      << a.errors() << b.errors() << a.warnings() << b.warnings();
  EXPECT_EQ(a.errors() + b.errors(), "");

  // Text both ways over the data channel the offerer opened.
  ASSERT_TRUE(wait_until([&] { return a.channel_open() && b.channel_open(); }, 10000));
  EXPECT_EQ(a.send_data("hello from a"), 1u);
  EXPECT_EQ(b.send_data("hello from b"), 1u);
  EXPECT_TRUE(wait_until(
      [&] {
        return b.received_text() == "call1:hello from a" &&
               a.received_text() == "call1:hello from b";
      },
      5000))
      << "a got '" << a.received_text() << "', b got '" << b.received_text() << "'";

  // b leaves: a's pads for it end with EOS and disappear; a keeps running.
  b.stop();
  ASSERT_TRUE(
      wait_until([&] { return !a.has_pad("video_call1") && !a.has_pad("audio_call1"); }, 10000))
      << "a still has the pads of the peer that left";
  EXPECT_TRUE(a.saw_eos("video_call1"));
  EXPECT_TRUE(a.saw_eos("audio_call1"));
  EXPECT_EQ(a.errors(), "");

  // c joins the same stream id: a (still joined) is started and offers again.
  a.reset_counts();
  PeerPipeline c(server.websocket_url(), "call1");
  c.play();
  ASSERT_TRUE(wait_until(
      [&] {
        return (decoding(a, 30) && decoding(c, 30)) || !a.errors().empty() || !c.errors().empty();
      },
      20000))
      << "a: video " << a.buffers("video_call1") << "; c: video " << c.buffers("video_call1")
      << "\n"
      << a.errors() << c.errors();
  EXPECT_EQ(a.errors() + c.errors(), "");
}

TEST_F(AmsRtcPeer, UnreachableServerIsAnErrorNamingTheUri) {
  int free_port = 0;
  {
    ServerProcess probe;
    free_port = probe.port();
  }
  const std::string uri = "ws://127.0.0.1:" + std::to_string(free_port) + "/WebRTCAppEE/websocket";
  PeerPipeline a(uri, "call1");
  const gint64 start = g_get_monotonic_time();
  a.play();
  ASSERT_TRUE(wait_until([&] { return !a.errors().empty(); }, 5000)) << "no error within 5 s";
  EXPECT_LT(g_get_monotonic_time() - start, 5 * G_USEC_PER_SEC);
  EXPECT_NE(a.errors().find("Could not connect to the signaling server"), std::string::npos)
      << a.errors();
  EXPECT_NE(a.errors().find(uri), std::string::npos) << "the error names the URI: " << a.errors();
}

bool decodes(PeerPipeline &p, const std::string &from, int frames) {
  return p.buffers("video_" + from) >= frames && p.buffers("audio_" + from) > 0;
}

// A 3-member mesh room: everyone decodes the other two on pads named after
// them; one leaves and the others drop its pads and go on; a fourth joins.
TEST_F(AmsRtcPeer, MeshRoomOfThreeThenALeaveAndAJoin) {
  PeerPipeline a(server.websocket_url(), "alice", "room=r1");
  PeerPipeline b(server.websocket_url(), "bob", "room=r1");
  PeerPipeline c(server.websocket_url(), "carol", "room=r1");
  a.play();
  b.play();
  c.play();
  auto all_decode = [&] {
    return decodes(a, "bob", 30) && decodes(a, "carol", 30) && decodes(b, "alice", 30) &&
           decodes(b, "carol", 30) && decodes(c, "alice", 30) && decodes(c, "bob", 30);
  };
  auto failed = [&] { return !(a.errors() + b.errors() + c.errors()).empty(); };
  ASSERT_TRUE(wait_until([&] { return all_decode() || failed(); }, 30000))
      << "a: bob " << a.buffers("video_bob") << ", carol " << a.buffers("video_carol")
      << "; b: alice " << b.buffers("video_alice") << ", carol " << b.buffers("video_carol")
      << "; c: alice " << c.buffers("video_alice") << ", bob " << c.buffers("video_bob") << "\n"
      << a.errors() << b.errors() << c.errors() << a.warnings() << b.warnings() << c.warnings();
  EXPECT_EQ(a.errors() + b.errors() + c.errors(), "");

  b.stop();
  // A peer's pads end one after the other: wait for all four to go.
  ASSERT_TRUE(wait_until(
      [&] {
        return !a.has_pad("video_bob") && !a.has_pad("audio_bob") && !c.has_pad("video_bob") &&
               !c.has_pad("audio_bob");
      },
      10000));
  for (PeerPipeline *p : {&a, &c}) {
    EXPECT_TRUE(p->saw_eos("video_bob"));
    EXPECT_TRUE(p->saw_eos("audio_bob"));
  }
  EXPECT_TRUE(a.has_pad("video_carol")) << "the others keep running";
  EXPECT_EQ(a.errors() + c.errors(), "");

  a.reset_counts();
  c.reset_counts();
  PeerPipeline d(server.websocket_url(), "dave", "room=r1");
  d.play();
  ASSERT_TRUE(wait_until(
      [&] {
        return (decodes(a, "dave", 30) && decodes(c, "dave", 30) && decodes(d, "alice", 30) &&
                decodes(d, "carol", 30) && decodes(a, "carol", 30)) ||
               failed() || !d.errors().empty();
      },
      30000))
      << "d: alice " << d.buffers("video_alice") << ", carol " << d.buffers("video_carol") << "\n"
      << a.errors() << c.errors() << d.errors();
}

// With a token secret on the server, a bad token is an error carrying the
// server's definition.
TEST(AmsRtcPeerTokens, RefusedTokenIsAnErrorWithTheDefinition) {
  gst_init(nullptr, nullptr);
  GstLogTail::install();
  ServerProcess server{{"--token-secret", "s3cret"}};
  PeerPipeline a(server.websocket_url(), "call1", "token=not-a-jwt");
  a.play();
  ASSERT_TRUE(wait_until([&] { return !a.errors().empty(); }, 5000));
  EXPECT_NE(a.errors().find("The server refused the token."), std::string::npos) << a.errors();
  EXPECT_NE(a.errors().find("unauthorized_access"), std::string::npos) << a.errors();
}

// The server dies mid-call and comes back on the same port: both peers
// reconnect and join again by themselves, and media flows again.
TEST_F(AmsRtcPeer, ServerRestartMidCallReconnectsAndMediaFlowsAgain) {
  PeerPipeline a(server.websocket_url(), "call1");
  PeerPipeline b(server.websocket_url(), "call1");
  a.play();
  b.play();
  ASSERT_TRUE(wait_until(
      [&] {
        return (decodes(a, "call1", 30) && decodes(b, "call1", 30)) ||
               !(a.errors() + b.errors()).empty();
      },
      20000))
      << "a: " << a.buffers("video_call1") << ", b: " << b.buffers("video_call1") << "\n"
      << a.errors() << b.errors() << a.warnings() << b.warnings();
  ASSERT_EQ(a.errors() + b.errors(), "");
  const int port = server.port();
  server.kill();
  ServerProcess restarted{{"--port", std::to_string(port)}};
  ASSERT_EQ(restarted.port(), port);
  a.reset_counts();
  b.reset_counts();
  // On reconnect each bin drops the old call (its pads end) and joins again.
  ASSERT_TRUE(wait_until(
      [&] {
        return (decodes(a, "call1", 30) && decodes(b, "call1", 30)) ||
               !(a.errors() + b.errors()).empty();
      },
      30000))
      << "a: " << a.buffers("video_call1") << ", b: " << b.buffers("video_call1") << "\n"
      << a.errors() << b.errors();
  EXPECT_EQ(a.errors() + b.errors(), "");
}

// How many amsrtc/ice-restart messages `p` posted whose reason is `reason`.
int ice_restarts(PeerPipeline &p, const std::string &reason) {
  int count = 0;
  for (const std::string &fields : p.messages("amsrtc/ice-restart")) {
    GstStructure *message = gst_structure_from_string(fields.c_str(), nullptr);
    const char *given = message != nullptr ? gst_structure_get_string(message, "reason") : nullptr;
    if (given != nullptr && reason == given) ++count;
    if (message != nullptr) gst_structure_free(message);
  }
  return count;
}

// Two pipelines in a call `id`, and the webrtcbin each runs for it: what the
// ICE-restart tests start from.
class CallUnderTest {
 public:
  CallUnderTest(const std::string &server_url, const std::string &id)
      : a(server_url, id), b(server_url, id), id_(id) {}
  ~CallUnderTest() {
    if (a_webrtc != nullptr) gst_object_unref(a_webrtc);
    if (b_webrtc != nullptr) gst_object_unref(b_webrtc);
  }
  CallUnderTest(const CallUnderTest &) = delete;
  CallUnderTest &operator=(const CallUnderTest &) = delete;

  // Plays both; true once both decode 30 frames (and audio) with no error
  // and each webrtcbin is found.
  bool start() {
    a.play();
    b.play();
    if (!flows()) return false;
    a_webrtc = webrtcbin_in(a.peer());
    b_webrtc = webrtcbin_in(b.peer());
    return a_webrtc != nullptr && b_webrtc != nullptr;
  }
  // Both decode 30 more frames (from now) with no error, within 20 s.
  bool flows() {
    a.reset_counts();
    b.reset_counts();
    return wait_until(
               [&] {
                 return (decodes(a, id_, 30) && decodes(b, id_, 30)) ||
                        !(a.errors() + b.errors()).empty();
               },
               20000) &&
           (a.errors() + b.errors()).empty();
  }
  bool both_connected() { return connected(a_webrtc) && connected(b_webrtc); }
  // For failure messages: frames, ICE restarts, errors and warnings.
  std::string story() {
    std::string text = "a: video " + std::to_string(a.buffers("video_" + id_)) + ", b: video " +
                       std::to_string(b.buffers("video_" + id_)) + "\n";
    for (auto *p : {&a, &b}) {
      for (const std::string &m : p->messages("amsrtc/ice-restart")) text += m + "\n";
      text += p->errors() + p->warnings();
    }
    return text;
  }

  PeerPipeline a;
  PeerPipeline b;
  GstElement *a_webrtc = nullptr;  // owned refs, once started
  GstElement *b_webrtc = nullptr;

 private:
  std::string id_;
};

// restart-ice (after a network change the application noticed): new
// credentials on both sides of the same connection; the call goes on with
// no new call, no pad ending, media both ways. Either side may ask.
TEST_F(AmsRtcPeer, RestartIceOnDemandKeepsTheCallAndMediaBothWays) {
  CallUnderTest call(server.websocket_url(), "icecall");
  ASSERT_TRUE(call.start()) << call.story();
  const std::string a_local = ice_ufrag(call.a_webrtc, "current-local-description");
  const std::string b_local = ice_ufrag(call.b_webrtc, "current-local-description");
  ASSERT_NE(a_local, "");

  g_signal_emit_by_name(call.b.peer(), "restart-ice");
  EXPECT_TRUE(wait_until(
      [&] {
        return ice_restarts(call.b, "requested") == 1 &&
               ice_restarts(call.a, "the peer restarted ICE") == 1 &&
               ice_ufrag(call.a_webrtc, "current-local-description") != a_local &&
               ice_ufrag(call.b_webrtc, "current-local-description") != b_local &&
               call.both_connected();
      },
      10000))
      << call.story();
  EXPECT_TRUE(call.flows()) << call.story();
  for (auto *p : {&call.a, &call.b}) {
    EXPECT_EQ(p->messages("amsrtc/peer-left").size(), 0u) << "the call went on";
    EXPECT_EQ(p->messages("amsrtc/peer-joined").size(), 1u) << "no new call";
  }
}

// The call's path dies (UDP to a's port dropped: both sides' consent checks
// go unanswered, and libnice declares the connection failed after about
// 50 s). The side that offered restarts ICE; the path comes back as the
// restart begins; the same call goes on with media both ways.
TEST_F(AmsRtcPeer, AFailedCallPathIsRepairedByAnIceRestart) {
  CallUnderTest call(server.websocket_url(), "lossy");
  ASSERT_TRUE(call.start()) << call.story();
  const std::string a_remote = ice_ufrag(call.a_webrtc, "current-remote-description");
  const std::string b_remote = ice_ufrag(call.b_webrtc, "current-remote-description");
  DroppedPackets path("amsrtc_test_call");
  path.drop_udp_to(local_candidate_port(call.a_webrtc));
  ASSERT_TRUE(path.ok()) << path.error();

  auto began = [](PeerPipeline &p) { return !p.messages("amsrtc/ice-restart").empty(); };
  EXPECT_TRUE(wait_until(
      [&] {
        if (began(call.a) || began(call.b)) path.lift();
        return !path.ok() || !(call.a.errors() + call.b.errors()).empty();
      },
      80000))
      << "within 80 s of losing the path\n"
      << call.story();
  EXPECT_TRUE(wait_until(
      [&] {
        return ice_ufrag(call.a_webrtc, "current-remote-description") != a_remote &&
               ice_ufrag(call.b_webrtc, "current-remote-description") != b_remote &&
               call.both_connected();
      },
      10000))
      << call.story();
  // One side restarted because ICE failed; the other answered that restart.
  EXPECT_EQ(ice_restarts(call.a, "ICE failed") + ice_restarts(call.b, "ICE failed"), 1)
      << call.story();
  EXPECT_EQ(ice_restarts(call.a, "the peer restarted ICE") +
                ice_restarts(call.b, "the peer restarted ICE"),
            1)
      << call.story();
  EXPECT_TRUE(call.flows()) << call.story();
  for (auto *p : {&call.a, &call.b}) {
    EXPECT_EQ(p->messages("amsrtc/peer-left").size(), 0u) << "the call went on";
    EXPECT_EQ(p->messages("amsrtc/peer-joined").size(), 1u) << "no new call";
  }
}

}  // namespace
}  // namespace amsrtc::testing
