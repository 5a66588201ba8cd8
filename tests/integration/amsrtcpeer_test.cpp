// amsrtcpeer in real pipelines against the real amsrtc-server on loopback:
// two pipelines call each other and decode video and audio; one leaves and
// the other's pads get EOS and go away without an error; a third pipeline
// joins the same stream id and the call forms again.
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "server_process.h"
#include "wait.h"

namespace amsrtc::testing {
namespace {

// One pipeline: test sources into amsrtcpeer, each remote track into a
// counting fakesink.
class PeerPipeline {
 public:
  PeerPipeline(const std::string &server_url, const std::string &stream_id,
               const std::string &extra_properties = "") {
    const std::string description =
        "amsrtcpeer name=p server=" + server_url + " stream-id=" + stream_id + " " +
        extra_properties +
        " local-addresses=127.0.0.1 "
        "videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1 "
        "! p.video_0 "
        "audiotestsrc is-live=true wave=ticks ! audio/x-raw,rate=48000,channels=2 ! p.audio_0";
    GError *error = nullptr;
    pipeline_ = gst_parse_launch(description.c_str(), &error);
    if (pipeline_ == nullptr) {
      ADD_FAILURE() << error->message;
      g_clear_error(&error);
      return;
    }
    peer_ = gst_bin_get_by_name(GST_BIN(pipeline_), "p");
    g_signal_connect(peer_, "pad-added", G_CALLBACK(on_pad_added), this);
    g_signal_connect(peer_, "pad-removed", G_CALLBACK(on_pad_removed), this);
    GstBus *bus = gst_element_get_bus(pipeline_);
    gst_bus_add_signal_watch(bus);
    g_signal_connect(bus, "message::error", G_CALLBACK(on_error), this);
    g_signal_connect(bus, "message::element", G_CALLBACK(on_element_message), this);
    g_signal_connect(peer_, "data-received", G_CALLBACK(on_data), this);
    gst_object_unref(bus);
  }

  ~PeerPipeline() {
    if (pipeline_ == nullptr) return;
    stop();
    GstBus *bus = gst_element_get_bus(pipeline_);
    gst_bus_remove_signal_watch(bus);
    gst_object_unref(bus);
    gst_object_unref(peer_);
    gst_object_unref(pipeline_);
  }

  void play() {
    ASSERT_NE(gst_element_set_state(pipeline_, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  }
  void stop() { gst_element_set_state(pipeline_, GST_STATE_NULL); }

  int buffers(const std::string &pad) {
    std::lock_guard<std::mutex> lock(mutex_);
    return counts_[pad];
  }
  bool saw_eos(const std::string &pad) {
    std::lock_guard<std::mutex> lock(mutex_);
    return eos_.count(pad) != 0;
  }
  bool has_pad(const std::string &pad) {
    std::lock_guard<std::mutex> lock(mutex_);
    return pads_.count(pad) != 0;
  }
  std::string errors() {
    std::lock_guard<std::mutex> lock(mutex_);
    return errors_;
  }
  bool channel_open() {
    std::lock_guard<std::mutex> lock(mutex_);
    return channel_open_;
  }
  std::string received_text() {
    std::lock_guard<std::mutex> lock(mutex_);
    return text_;
  }
  unsigned send_data(const std::string &text) {
    guint sent = 0;
    g_signal_emit_by_name(peer_, "send-data", text.c_str(), &sent);
    return sent;
  }
  void reset_counts() {
    std::lock_guard<std::mutex> lock(mutex_);
    counts_.clear();
    eos_.clear();
  }

 private:
  static void on_pad_added(GstElement *, GstPad *pad, gpointer self_ptr) {
    auto *self = static_cast<PeerPipeline *>(self_ptr);
    if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC) return;
    const std::string name = GST_PAD_NAME(pad);
    GstElement *sink = gst_element_factory_make("fakesink", nullptr);
    g_object_set(sink, "sync", FALSE, "async", FALSE, nullptr);
    gst_bin_add(GST_BIN(self->pipeline_), sink);
    gst_element_sync_state_with_parent(sink);
    GstPad *sink_pad = gst_element_get_static_pad(sink, "sink");
    gst_pad_link(pad, sink_pad);
    auto *context = new std::pair<PeerPipeline *, std::string>(self, name);
    gst_pad_add_probe(
        sink_pad,
        static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER |
                                     GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
        [](GstPad *, GstPadProbeInfo *info, gpointer data) -> GstPadProbeReturn {
          auto *ctx = static_cast<std::pair<PeerPipeline *, std::string> *>(data);
          std::lock_guard<std::mutex> lock(ctx->first->mutex_);
          if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
            ++ctx->first->counts_[ctx->second];
          } else if (GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) == GST_EVENT_EOS) {
            ctx->first->eos_.insert(ctx->second);
          }
          g_main_context_wakeup(nullptr);
          return GST_PAD_PROBE_OK;
        },
        context,
        [](gpointer data) { delete static_cast<std::pair<PeerPipeline *, std::string> *>(data); });
    gst_object_unref(sink_pad);
    std::lock_guard<std::mutex> lock(self->mutex_);
    self->pads_.insert(name);
  }

  static void on_pad_removed(GstElement *, GstPad *pad, gpointer self_ptr) {
    auto *self = static_cast<PeerPipeline *>(self_ptr);
    std::lock_guard<std::mutex> lock(self->mutex_);
    self->pads_.erase(GST_PAD_NAME(pad));
    g_main_context_wakeup(nullptr);
  }

  static void on_element_message(GstBus *, GstMessage *message, gpointer self_ptr) {
    auto *self = static_cast<PeerPipeline *>(self_ptr);
    if (gst_message_has_name(message, "amsrtc/data-channel-open")) {
      std::lock_guard<std::mutex> lock(self->mutex_);
      self->channel_open_ = true;
    }
  }

  static void on_data(GstElement *, const gchar *peer, const gchar *text, gpointer self_ptr) {
    auto *self = static_cast<PeerPipeline *>(self_ptr);
    std::lock_guard<std::mutex> lock(self->mutex_);
    self->text_ += std::string(peer) + ":" + text;
    g_main_context_wakeup(nullptr);
  }

  static void on_error(GstBus *, GstMessage *message, gpointer self_ptr) {
    auto *self = static_cast<PeerPipeline *>(self_ptr);
    GError *error = nullptr;
    gchar *debug = nullptr;
    gst_message_parse_error(message, &error, &debug);
    std::lock_guard<std::mutex> lock(self->mutex_);
    self->errors_ += std::string(error->message) + " (" + (debug ? debug : "") + ")\n";
    g_clear_error(&error);
    g_free(debug);
  }

  GstElement *pipeline_ = nullptr;
  GstElement *peer_ = nullptr;
  std::mutex mutex_;
  std::map<std::string, int> counts_;
  std::set<std::string> eos_;
  std::set<std::string> pads_;
  std::string errors_;
  bool channel_open_ = false;
  std::string text_;
};

class AmsRtcPeer : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { gst_init(nullptr, nullptr); }
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
      << a.errors() << b.errors();
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
      << a.errors() << b.errors() << c.errors();
  EXPECT_EQ(a.errors() + b.errors() + c.errors(), "");

  b.stop();
  ASSERT_TRUE(
      wait_until([&] { return !a.has_pad("video_bob") && !c.has_pad("video_bob"); }, 10000));
  EXPECT_TRUE(a.saw_eos("video_bob"));
  EXPECT_TRUE(c.saw_eos("audio_bob"));
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
  ASSERT_TRUE(
      wait_until([&] { return decodes(a, "call1", 30) && decodes(b, "call1", 30); }, 20000));
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

}  // namespace
}  // namespace amsrtc::testing
