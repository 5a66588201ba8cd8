// amsrtcsignaller driving webrtcbins that the test builds itself, against
// the real amsrtc-server on loopback: two application pipelines call each
// other (so one signaller offers and the other answers), exchange media and
// data channel text, and see their sessions start and end; a signaller
// calls an amsrtcpeer; three signallers form a mesh room with a webrtcbin
// per member; settings that cannot work are errors that say so.
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <string>

#include "gst_log_tail.h"
#include "peer_pipeline.h"
#include "server_process.h"
#include "stream_pipeline.h"
#include "wait.h"
#include "webrtc_probes.h"

namespace amsrtc::testing {
namespace {

// An application pipeline: VP8 video and Opus audio encoded by the test and
// linked into its own webrtcbin; what webrtcbin receives goes through
// decodebin into counting sinks. An amsrtcsignaller in the pipeline drives
// the webrtcbin.
class SignallerPipeline {
 public:
  SignallerPipeline(const std::string &server_url, const std::string &stream_id,
                    const std::string &mode = "peer") {
    GError *error = nullptr;
    pipeline_ = gst_parse_launch(
        "webrtcbin name=w latency=50 "
        "videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1 "
        "! vp8enc deadline=1 keyframe-max-dist=30 ! rtpvp8pay pt=96 ! "
        "application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000 ! w. "
        "audiotestsrc is-live=true wave=ticks ! audio/x-raw,rate=48000,channels=2 ! opusenc ! "
        "rtpopuspay pt=111 ! "
        "application/x-rtp,media=audio,encoding-name=OPUS,payload=111,clock-rate=48000 ! w.",
        &error);
    if (pipeline_ == nullptr) {
      ADD_FAILURE() << error->message;
      g_clear_error(&error);
      return;
    }
    webrtc_ = gst_bin_get_by_name(GST_BIN(pipeline_), "w");
    g_signal_connect(webrtc_, "pad-added", G_CALLBACK(on_webrtc_pad), this);
    signaller_ = gst_element_factory_make("amsrtcsignaller", nullptr);
    EXPECT_NE(signaller_, nullptr) << "amsrtcsignaller is not registered";
    if (signaller_ == nullptr) return;
    gst_util_set_object_arg(G_OBJECT(signaller_), "mode", mode.c_str());
    g_object_set(signaller_, "server", server_url.c_str(), "stream-id", stream_id.c_str(),
                 "webrtcbin", webrtc_, "local-addresses", "127.0.0.1", nullptr);
    gst_bin_add(GST_BIN(pipeline_), signaller_);
    g_signal_connect(signaller_, "session-started", G_CALLBACK(on_session_started), this);
    g_signal_connect(signaller_, "session-ended", G_CALLBACK(on_session_ended), this);
    g_signal_connect(signaller_, "data-received", G_CALLBACK(on_data), this);
    GstBus *bus = gst_element_get_bus(pipeline_);
    gst_bus_add_signal_watch(bus);
    g_signal_connect(bus, "message::error", G_CALLBACK(on_problem), this);
    g_signal_connect(bus, "message::warning", G_CALLBACK(on_problem), this);
    g_signal_connect(bus, "message::element", G_CALLBACK(on_element_message), this);
    gst_object_unref(bus);
  }

  ~SignallerPipeline() {
    if (pipeline_ == nullptr) return;
    stop();
    GstBus *bus = gst_element_get_bus(pipeline_);
    gst_bus_remove_signal_watch(bus);
    gst_object_unref(bus);
    gst_object_unref(webrtc_);
    gst_object_unref(pipeline_);
  }

  GstElement *signaller() { return signaller_; }
  GstElement *webrtc() { return webrtc_; }
  GstStateChangeReturn play() { return gst_element_set_state(pipeline_, GST_STATE_PLAYING); }
  void stop() { gst_element_set_state(pipeline_, GST_STATE_NULL); }

  int frames(const std::string &kind) {
    std::lock_guard<std::mutex> lock(mutex_);
    return counts_[kind];
  }
  std::string events() {
    std::lock_guard<std::mutex> lock(mutex_);
    return events_;
  }
  std::string errors() {
    std::lock_guard<std::mutex> lock(mutex_);
    return errors_;
  }
  std::string warnings() {
    std::lock_guard<std::mutex> lock(mutex_);
    return warnings_;
  }
  std::string definitions() {
    std::lock_guard<std::mutex> lock(mutex_);
    return definitions_;
  }
  std::string received_text() {
    std::lock_guard<std::mutex> lock(mutex_);
    return text_;
  }
  // "peer:reason;" for each amsrtc/ice-restart the signaller posted.
  std::string ice_restarts() {
    std::lock_guard<std::mutex> lock(mutex_);
    return ice_restarts_;
  }
  unsigned restart_ice() {
    guint restarted = 0;
    g_signal_emit_by_name(signaller_, "restart-ice", &restarted);
    return restarted;
  }
  unsigned send_data(const std::string &text) {
    guint sent = 0;
    g_signal_emit_by_name(signaller_, "send-data", text.c_str(), &sent);
    return sent;
  }

 private:
  // webrtcbin src pad -> decodebin -> a counting fakesink per decoded stream.
  static void on_webrtc_pad(GstElement *, GstPad *pad, gpointer self_ptr) {
    auto *self = static_cast<SignallerPipeline *>(self_ptr);
    if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC) return;
    GstElement *decodebin = gst_element_factory_make("decodebin", nullptr);
    g_signal_connect(decodebin, "pad-added", G_CALLBACK(on_decoded_pad), self);
    gst_bin_add(GST_BIN(self->pipeline_), decodebin);
    gst_element_sync_state_with_parent(decodebin);
    GstPad *sink = gst_element_get_static_pad(decodebin, "sink");
    gst_pad_link(pad, sink);
    gst_object_unref(sink);
  }

  static void on_decoded_pad(GstElement *, GstPad *pad, gpointer self_ptr) {
    auto *self = static_cast<SignallerPipeline *>(self_ptr);
    GstCaps *caps = gst_pad_get_current_caps(pad);
    const std::string kind =
        g_str_has_prefix(gst_structure_get_name(gst_caps_get_structure(caps, 0)), "video")
            ? "video"
            : "audio";
    gst_caps_unref(caps);
    GstElement *sink = gst_element_factory_make("fakesink", nullptr);
    g_object_set(sink, "sync", FALSE, "async", FALSE, nullptr);
    gst_bin_add(GST_BIN(self->pipeline_), sink);
    gst_element_sync_state_with_parent(sink);
    GstPad *sink_pad = gst_element_get_static_pad(sink, "sink");
    gst_pad_link(pad, sink_pad);
    auto *context = new std::pair<SignallerPipeline *, std::string>(self, kind);
    gst_pad_add_probe(
        sink_pad, GST_PAD_PROBE_TYPE_BUFFER,
        [](GstPad *, GstPadProbeInfo *, gpointer data) {
          auto *ctx = static_cast<std::pair<SignallerPipeline *, std::string> *>(data);
          std::lock_guard<std::mutex> lock(ctx->first->mutex_);
          ++ctx->first->counts_[ctx->second];
          g_main_context_wakeup(nullptr);
          return GST_PAD_PROBE_OK;
        },
        context,
        [](gpointer data) {
          delete static_cast<std::pair<SignallerPipeline *, std::string> *>(data);
        });
    gst_object_unref(sink_pad);
  }

  static void on_session_started(GstElement *, const gchar *peer, gpointer self_ptr) {
    auto *self = static_cast<SignallerPipeline *>(self_ptr);
    std::lock_guard<std::mutex> lock(self->mutex_);
    self->events_ += std::string("started:") + peer + ";";
    g_main_context_wakeup(nullptr);
  }

  static void on_session_ended(GstElement *, const gchar *peer, gpointer self_ptr) {
    auto *self = static_cast<SignallerPipeline *>(self_ptr);
    std::lock_guard<std::mutex> lock(self->mutex_);
    self->events_ += std::string("ended:") + peer + ";";
    g_main_context_wakeup(nullptr);
  }

  static void on_data(GstElement *, const gchar *peer, const gchar *text, gpointer self_ptr) {
    auto *self = static_cast<SignallerPipeline *>(self_ptr);
    std::lock_guard<std::mutex> lock(self->mutex_);
    self->text_ += std::string(peer) + ":" + text;
    g_main_context_wakeup(nullptr);
  }

  static void on_element_message(GstBus *, GstMessage *message, gpointer self_ptr) {
    auto *self = static_cast<SignallerPipeline *>(self_ptr);
    const GstStructure *s = gst_message_get_structure(message);
    if (!gst_structure_has_name(s, "amsrtc/ice-restart")) return;
    std::lock_guard<std::mutex> lock(self->mutex_);
    self->ice_restarts_ += std::string(gst_structure_get_string(s, "peer")) + ":" +
                           gst_structure_get_string(s, "reason") + ";";
  }

  static void on_problem(GstBus *, GstMessage *message, gpointer self_ptr) {
    auto *self = static_cast<SignallerPipeline *>(self_ptr);
    GError *error = nullptr;
    gchar *debug = nullptr;
    const bool is_error = GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR;
    if (is_error) {
      gst_message_parse_error(message, &error, &debug);
    } else {
      gst_message_parse_warning(message, &error, &debug);
    }
    const GstStructure *details = nullptr;
    if (is_error) gst_message_parse_error_details(message, &details);
    std::lock_guard<std::mutex> lock(self->mutex_);
    (is_error ? self->errors_ : self->warnings_) +=
        std::string(error->message) + " (" + (debug ? debug : "") + ")\n";
    if (details != nullptr && gst_structure_has_name(details, "amsrtc-error")) {
      const gchar *definition = gst_structure_get_string(details, "definition");
      self->definitions_ += definition != nullptr ? definition : "";
    }
    g_clear_error(&error);
    g_free(debug);
  }

  GstElement *pipeline_ = nullptr;
  GstElement *webrtc_ = nullptr;
  GstElement *signaller_ = nullptr;  // owned by the pipeline
  std::mutex mutex_;
  std::map<std::string, int> counts_;
  std::string events_;
  std::string errors_;
  std::string warnings_;
  std::string definitions_;
  std::string text_;
  std::string ice_restarts_;
};

// A mesh room member: a pipeline with only a signaller (mode=mesh); every
// session gets a new webrtcbin with its own VP8 source through
// request-webrtcbin, and each remote's decoded video is counted under the
// remote's stream id.
class MeshMember {
 public:
  MeshMember(const std::string &server_url, const std::string &room, const std::string &id) {
    pipeline_ = gst_pipeline_new(id.c_str());
    signaller_ = gst_element_factory_make("amsrtcsignaller", nullptr);
    EXPECT_NE(signaller_, nullptr);
    if (signaller_ == nullptr) return;
    gst_util_set_object_arg(G_OBJECT(signaller_), "mode", "mesh");
    g_object_set(signaller_, "server", server_url.c_str(), "room", room.c_str(), "stream-id",
                 id.c_str(), "local-addresses", "127.0.0.1", nullptr);
    g_signal_connect(signaller_, "request-webrtcbin", G_CALLBACK(on_request_webrtcbin), this);
    g_signal_connect(signaller_, "session-ended", G_CALLBACK(on_session_ended), this);
    g_signal_connect(signaller_, "peer-left", G_CALLBACK(on_peer_left), this);
    gst_bin_add(GST_BIN(pipeline_), signaller_);
    GstBus *bus = gst_element_get_bus(pipeline_);
    gst_bus_add_signal_watch(bus);
    g_signal_connect(bus, "message::error", G_CALLBACK(on_error), this);
    gst_object_unref(bus);
  }
  ~MeshMember() {
    stop();
    GstBus *bus = gst_element_get_bus(pipeline_);
    gst_bus_remove_signal_watch(bus);
    gst_object_unref(bus);
    gst_object_unref(pipeline_);
  }
  GstStateChangeReturn play() { return gst_element_set_state(pipeline_, GST_STATE_PLAYING); }
  void stop() { gst_element_set_state(pipeline_, GST_STATE_NULL); }
  int frames_from(const std::string &peer) {
    std::lock_guard<std::mutex> lock(mutex_);
    return frames_[peer];
  }
  std::string events() {
    std::lock_guard<std::mutex> lock(mutex_);
    return events_;
  }
  std::string errors() {
    std::lock_guard<std::mutex> lock(mutex_);
    return errors_;
  }

 private:
  struct Session {
    MeshMember *self;
    std::string peer;
  };

  static GstElement *on_request_webrtcbin(GstElement *, const gchar *peer, gpointer self_ptr) {
    auto *self = static_cast<MeshMember *>(self_ptr);
    const std::string name = std::string("w_") + peer;
    const std::string description =
        "webrtcbin name=" + name +
        " latency=50 videotestsrc is-live=true ! "
        "video/x-raw,width=320,height=240,framerate=30/1 ! vp8enc deadline=1 ! rtpvp8pay pt=96 ! "
        "application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000 ! " +
        name + ".";
    GError *error = nullptr;
    GstElement *bin = gst_parse_bin_from_description(description.c_str(), FALSE, &error);
    if (bin == nullptr) {
      ADD_FAILURE() << error->message;
      g_clear_error(&error);
      return nullptr;
    }
    GstElement *webrtc = gst_bin_get_by_name(GST_BIN(bin), name.c_str());
    g_signal_connect_data(
        webrtc, "pad-added", G_CALLBACK(on_webrtc_pad), new Session{self, peer},
        [](gpointer data, GClosure *) { delete static_cast<Session *>(data); },
        static_cast<GConnectFlags>(0));
    gst_bin_add(GST_BIN(self->pipeline_), bin);
    gst_element_sync_state_with_parent(bin);
    return webrtc;  // the signaller takes this reference
  }

  static void on_webrtc_pad(GstElement *webrtc, GstPad *pad, gpointer session_ptr) {
    auto *session = static_cast<Session *>(session_ptr);
    if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC) return;
    GError *error = nullptr;
    GstElement *chain = gst_parse_bin_from_description(
        "rtpvp8depay ! vp8dec ! fakesink name=out sync=false async=false", TRUE, &error);
    if (chain == nullptr) {
      g_clear_error(&error);
      return;
    }
    GstElement *out = gst_bin_get_by_name(GST_BIN(chain), "out");
    GstPad *out_pad = gst_element_get_static_pad(out, "sink");
    gst_pad_add_probe(
        out_pad, GST_PAD_PROBE_TYPE_BUFFER,
        [](GstPad *, GstPadProbeInfo *, gpointer data) {
          auto *session = static_cast<Session *>(data);
          std::lock_guard<std::mutex> lock(session->self->mutex_);
          ++session->self->frames_[session->peer];
          g_main_context_wakeup(nullptr);
          return GST_PAD_PROBE_OK;
        },
        new Session{*session}, [](gpointer data) { delete static_cast<Session *>(data); });
    gst_object_unref(out_pad);
    gst_object_unref(out);
    // Pads link within one bin: the chain goes beside the webrtcbin.
    gst_bin_add(GST_BIN(GST_ELEMENT_PARENT(webrtc)), chain);
    gst_element_sync_state_with_parent(chain);
    GstPad *sink = gst_element_get_static_pad(chain, "sink");
    gst_pad_link(pad, sink);
    gst_object_unref(sink);
  }

  static void on_session_ended(GstElement *, const gchar *peer, gpointer self_ptr) {
    auto *self = static_cast<MeshMember *>(self_ptr);
    std::lock_guard<std::mutex> lock(self->mutex_);
    self->events_ += std::string("ended:") + peer + ";";
    g_main_context_wakeup(nullptr);
  }

  static void on_peer_left(GstElement *, const gchar *peer, gpointer self_ptr) {
    auto *self = static_cast<MeshMember *>(self_ptr);
    std::lock_guard<std::mutex> lock(self->mutex_);
    self->events_ += std::string("left:") + peer + ";";
    g_main_context_wakeup(nullptr);
  }

  static void on_error(GstBus *, GstMessage *message, gpointer self_ptr) {
    auto *self = static_cast<MeshMember *>(self_ptr);
    GError *error = nullptr;
    gst_message_parse_error(message, &error, nullptr);
    std::lock_guard<std::mutex> lock(self->mutex_);
    self->errors_ += std::string(error->message) + "\n";
    g_clear_error(&error);
  }

  GstElement *pipeline_ = nullptr;
  GstElement *signaller_ = nullptr;  // owned by the pipeline
  std::mutex mutex_;
  std::map<std::string, int> frames_;
  std::string events_;
  std::string errors_;
};

class AmsRtcSignaller : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    gst_init(nullptr, nullptr);
    GstLogTail::install();
  }
  void SetUp() override { ASSERT_FALSE(server.url().empty()); }
  ServerProcess server;
};

bool decoding(SignallerPipeline &p, int frames) {
  return p.frames("video") >= frames && p.frames("audio") > 0;
}

// Starts both sides of a call and waits until each decodes 30 video frames
// and audio from the other, failing early when either posts an error.
::testing::AssertionResult call_is_up(SignallerPipeline &a, SignallerPipeline &b) {
  if (a.play() == GST_STATE_CHANGE_FAILURE || b.play() == GST_STATE_CHANGE_FAILURE)
    return ::testing::AssertionFailure() << "a pipeline did not start";
  auto failed = [&] { return !(a.errors() + b.errors()).empty(); };
  if (wait_until([&] { return (decoding(a, 30) && decoding(b, 30)) || failed(); }, 20000) &&
      !failed())
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "a: video " << a.frames("video") << ", audio " << a.frames("audio") << "; b: video "
         << b.frames("video") << ", audio " << b.frames("audio") << "\n"
         << a.errors() << b.errors();
}

// Two application pipelines, each with its own webrtcbin and a signaller,
// join the same call: whichever joined first offers, the other answers, so
// both roles of the signaller run here.
TEST_F(AmsRtcSignaller, TwoApplicationWebrtcbinsCallEachOther) {
  SignallerPipeline a(server.websocket_url(), "call1");
  SignallerPipeline b(server.websocket_url(), "call1");
  ASSERT_TRUE(call_is_up(a, b));
  EXPECT_EQ(a.events(), "started:call1;");
  EXPECT_EQ(b.events(), "started:call1;");

  // Text both ways once the offerer's channel is open on each side.
  ASSERT_TRUE(wait_until([&] { return a.send_data("hello from a") == 1; }, 10000));
  ASSERT_TRUE(wait_until([&] { return b.send_data("hello from b") == 1; }, 10000));
  EXPECT_TRUE(wait_until(
      [&] {
        return a.received_text() == "call1:hello from b" &&
               b.received_text() == "call1:hello from a";
      },
      5000))
      << "a got '" << a.received_text() << "', b got '" << b.received_text() << "'";

  // b leaves: the server stops a's session, and a says so.
  b.stop();
  ASSERT_TRUE(wait_until([&] { return a.events() == "started:call1;ended:call1;"; }, 10000))
      << a.events();
  EXPECT_EQ(a.errors(), "");
}

// restart-ice on one side of a call: new ICE credentials on both sides of
// the same session (no new session), the other side answers by itself, and
// media keeps flowing both ways.
TEST_F(AmsRtcSignaller, RestartIceOnDemandKeepsTheCallAndItsMedia) {
  SignallerPipeline a(server.websocket_url(), "call1");
  SignallerPipeline b(server.websocket_url(), "call1");
  ASSERT_TRUE(call_is_up(a, b));
  auto failed = [&] { return !(a.errors() + b.errors()).empty(); };
  const std::string a_ufrag = ice_ufrag(a.webrtc(), "current-local-description");
  const std::string b_ufrag = ice_ufrag(b.webrtc(), "current-local-description");
  ASSERT_FALSE(a_ufrag.empty());
  ASSERT_FALSE(b_ufrag.empty());
  const int a_frames = a.frames("video");
  const int b_frames = b.frames("video");

  EXPECT_EQ(a.restart_ice(), 1u);
  // Both sides take new credentials (a's offer, b's answer) and connect.
  ASSERT_TRUE(wait_until(
      [&] {
        const std::string a_now = ice_ufrag(a.webrtc(), "current-local-description");
        const std::string b_now = ice_ufrag(b.webrtc(), "current-local-description");
        return (!a_now.empty() && a_now != a_ufrag && !b_now.empty() && b_now != b_ufrag &&
                connected(a.webrtc()) && connected(b.webrtc())) ||
               failed();
      },
      10000))
      << a.errors() << b.errors();
  EXPECT_EQ(ice_ufrag(a.webrtc(), "current-remote-description"),
            ice_ufrag(b.webrtc(), "current-local-description"));
  EXPECT_TRUE(wait_until(
      [&] { return a.frames("video") >= a_frames + 30 && b.frames("video") >= b_frames + 30; },
      10000))
      << "a: " << a.frames("video") - a_frames << ", b: " << b.frames("video") - b_frames
      << " more frames";
  EXPECT_EQ(a.ice_restarts(), "call1:requested;");
  EXPECT_TRUE(wait_until([&] { return b.ice_restarts() == "call1:the peer restarted ICE;"; }, 5000))
      << b.ice_restarts();
  EXPECT_EQ(a.events(), "started:call1;") << "the same session, not a new one";
  EXPECT_EQ(b.events(), "started:call1;");
  EXPECT_EQ(a.errors() + b.errors() + a.warnings() + b.warnings(), "");
}

// restart-ice on a publishing signaller: the server answers the restarting
// offer on the same publish, and a player of the stream keeps decoding.
TEST_F(AmsRtcSignaller, RestartIceOfAPublishKeepsThePlayerDecoding) {
  SignallerPipeline publisher(server.websocket_url(), "pub1", "publish");
  ASSERT_NE(publisher.play(), GST_STATE_CHANGE_FAILURE);
  StreamPipeline player("amsrtcsrc name=src stream-id=pub1 server=" + server.websocket_url());
  player.play();
  auto failed = [&] { return !(publisher.errors() + player.errors()).empty(); };
  ASSERT_TRUE(wait_until([&] { return player.buffers("video_pub1") >= 30 || failed(); }, 20000))
      << publisher.errors() << player.errors();
  const std::string ufrag = ice_ufrag(publisher.webrtc(), "current-local-description");
  ASSERT_FALSE(ufrag.empty());

  EXPECT_EQ(publisher.restart_ice(), 1u);
  ASSERT_TRUE(wait_until(
      [&] {
        const std::string now = ice_ufrag(publisher.webrtc(), "current-local-description");
        const std::string server_now = ice_ufrag(publisher.webrtc(), "current-remote-description");
        return (!now.empty() && now != ufrag && !server_now.empty() &&
                connected(publisher.webrtc())) ||
               failed();
      },
      10000))
      << publisher.errors() << player.errors();
  const int frames = player.buffers("video_pub1");
  EXPECT_TRUE(wait_until([&] { return player.buffers("video_pub1") >= frames + 30; }, 10000))
      << player.buffers("video_pub1") - frames << " more frames";
  EXPECT_EQ(publisher.ice_restarts(), "pub1:requested;");
  EXPECT_EQ(publisher.events(), "started:pub1;") << "the same publish, not a new one";
  EXPECT_EQ(publisher.errors() + player.errors(), "");
}

// A signaller and an amsrtcpeer in one call. A third party joining after
// the call ended finds the signaller without a webrtcbin (its property
// serves one session): a warning says how to serve more.
TEST_F(AmsRtcSignaller, CallsAnAmsRtcPeerAndWarnsWhenItsWebrtcbinIsUsedUp) {
  SignallerPipeline a(server.websocket_url(), "call2");
  PeerPipeline b(server.websocket_url(), "call2", "video-codec=vp8");
  ASSERT_NE(a.play(), GST_STATE_CHANGE_FAILURE);
  b.play();
  ASSERT_TRUE(wait_until(
      [&] {
        return (decoding(a, 30) && b.buffers("video_call2") >= 30 &&
                b.buffers("audio_call2") > 0) ||
               !(a.errors() + b.errors()).empty();
      },
      20000))
      << "a: video " << a.frames("video") << "; b: video " << b.buffers("video_call2") << "\n"
      << a.errors() << b.errors();
  EXPECT_EQ(a.errors() + b.errors(), "");

  b.stop();
  ASSERT_TRUE(wait_until([&] { return a.events() == "started:call2;ended:call2;"; }, 10000))
      << a.events();
  PeerPipeline c(server.websocket_url(), "call2", "video-codec=vp8");
  c.play();
  ASSERT_TRUE(wait_until([&] { return !a.warnings().empty(); }, 10000));
  EXPECT_NE(a.warnings().find("No webrtcbin for the session with call2"), std::string::npos)
      << a.warnings();
  EXPECT_NE(a.warnings().find("request-webrtcbin"), std::string::npos) << a.warnings();
  EXPECT_EQ(a.errors(), "");
}

// Mesh mode: three members, each with a signaller that gets a new
// webrtcbin per member through request-webrtcbin; everyone decodes the
// other two; one leaves and the others end that session and see it go.
TEST_F(AmsRtcSignaller, MeshRoomOfThreeWithAWebrtcbinPerMember) {
  MeshMember a(server.websocket_url(), "r1", "alice");
  MeshMember b(server.websocket_url(), "r1", "bob");
  MeshMember c(server.websocket_url(), "r1", "carol");
  ASSERT_NE(a.play(), GST_STATE_CHANGE_FAILURE);
  ASSERT_NE(b.play(), GST_STATE_CHANGE_FAILURE);
  ASSERT_NE(c.play(), GST_STATE_CHANGE_FAILURE);
  auto failed = [&] { return !(a.errors() + b.errors() + c.errors()).empty(); };
  ASSERT_TRUE(wait_until(
      [&] {
        return (a.frames_from("bob") >= 30 && a.frames_from("carol") >= 30 &&
                b.frames_from("alice") >= 30 && b.frames_from("carol") >= 30 &&
                c.frames_from("alice") >= 30 && c.frames_from("bob") >= 30) ||
               failed();
      },
      30000))
      << "a: bob " << a.frames_from("bob") << ", carol " << a.frames_from("carol") << "; b: alice "
      << b.frames_from("alice") << ", carol " << b.frames_from("carol") << "; c: alice "
      << c.frames_from("alice") << ", bob " << c.frames_from("bob") << "\n"
      << a.errors() << b.errors() << c.errors();
  EXPECT_EQ(a.errors() + b.errors() + c.errors(), "");

  b.stop();
  ASSERT_TRUE(wait_until(
      [&] { return a.events() == "ended:bob;left:bob;" && c.events() == "ended:bob;left:bob;"; },
      10000))
      << "a: " << a.events() << "; c: " << c.events();
  EXPECT_EQ(a.errors() + c.errors(), "");
}

TEST_F(AmsRtcSignaller, MeshWithoutARoomIsAnErrorSayingWhatToSet) {
  SignallerPipeline a(server.websocket_url(), "alice", "mesh");
  EXPECT_EQ(a.play(), GST_STATE_CHANGE_FAILURE);
  ASSERT_TRUE(wait_until([&] { return !a.errors().empty(); }, 5000));
  EXPECT_NE(a.errors().find("Mesh mode needs a room."), std::string::npos) << a.errors();
  EXPECT_NE(a.errors().find("set the room property"), std::string::npos) << a.errors();
}

// A signaling-only server (--no-media) refuses publish the way a
// signaling-only AMS does: an error carrying the definition.
TEST_F(AmsRtcSignaller, ServerErrorCarriesItsDefinition) {
  ServerProcess signaling_only({"--no-media"});
  SignallerPipeline a(signaling_only.websocket_url(), "cam1", "publish");
  ASSERT_NE(a.play(), GST_STATE_CHANGE_FAILURE);
  ASSERT_TRUE(wait_until([&] { return !a.errors().empty(); }, 5000));
  EXPECT_EQ(a.definitions(), "webrtc_not_enabled");
  EXPECT_NE(a.errors().find("The server does not carry WebRTC media."), std::string::npos)
      << a.errors();
}

}  // namespace
}  // namespace amsrtc::testing
