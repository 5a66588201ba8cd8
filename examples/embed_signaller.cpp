// amsrtc-embed-signaller: an application that builds its own webrtcbin
// pipeline and lets amsrtcsignaller do the signaling. It joins a P2P call
// (mode=peer) and sends a test pattern as VP8 and a tone as Opus; what the
// other side sends is decoded and shown (or counted without a display).
// Every session gets a fresh webrtcbin through request-webrtcbin, so the
// program keeps serving callers one after the other until Ctrl-C.
//
//   amsrtc-embed-signaller ws://127.0.0.1:5080/WebRTCAppEE/websocket call1
//
// Call it from examples/web/peer.html, from another instance, or from
//   gst-launch-1.0 amsrtcpeer stream-id=call1 video-codec=vp8 ...
#include <glib-unix.h>
#include <gst/gst.h>
#include <openssl/crypto.h>

#include <string>

namespace {

struct App {
  GstElement *pipeline = nullptr;
  GMainLoop *loop = nullptr;
  int session = 0;
  bool display = false;
};

// Each remote track: decodebin, then a video or audio sink.
void on_decoded_pad(GstElement *decodebin, GstPad *pad, gpointer app_ptr) {
  auto *app = static_cast<App *>(app_ptr);
  GstCaps *caps = gst_pad_get_current_caps(pad);
  const bool video =
      g_str_has_prefix(gst_structure_get_name(gst_caps_get_structure(caps, 0)), "video");
  gst_caps_unref(caps);
  const char *description = video ? (app->display ? "videoconvert ! autovideosink" : "fakesink")
                                  : (app->display ? "audioconvert ! autoaudiosink" : "fakesink");
  GError *error = nullptr;
  GstElement *sink = gst_parse_bin_from_description(description, TRUE, &error);
  if (sink == nullptr) {
    g_printerr("cannot play the remote track: %s\n", error->message);
    g_clear_error(&error);
    return;
  }
  // Pads link only within one bin: the sink goes beside the decodebin.
  gst_bin_add(GST_BIN(GST_ELEMENT_PARENT(decodebin)), sink);
  gst_element_sync_state_with_parent(sink);
  GstPad *sink_pad = gst_element_get_static_pad(sink, "sink");
  gst_pad_link(pad, sink_pad);
  gst_object_unref(sink_pad);
  g_print("receiving %s\n", video ? "video" : "audio");
}

void on_webrtc_pad(GstElement *webrtc, GstPad *pad, gpointer app_ptr) {
  auto *app = static_cast<App *>(app_ptr);
  if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC) return;
  GstElement *decodebin = gst_element_factory_make("decodebin", nullptr);
  g_signal_connect(decodebin, "pad-added", G_CALLBACK(on_decoded_pad), app);
  gst_bin_add(GST_BIN(GST_ELEMENT_PARENT(webrtc)), decodebin);
  gst_element_sync_state_with_parent(decodebin);
  GstPad *sink = gst_element_get_static_pad(decodebin, "sink");
  gst_pad_link(pad, sink);
  gst_object_unref(sink);
}

// The signaller asks for a webrtcbin per session: ours is a small bin of
// sources and encoders feeding a new webrtcbin, added to the pipeline.
// Called on the signaling thread; GStreamer calls are thread safe.
GstElement *on_request_webrtcbin(GstElement *, const gchar *peer, gpointer app_ptr) {
  auto *app = static_cast<App *>(app_ptr);
  const std::string name = "webrtc" + std::to_string(++app->session);
  const std::string description =
      "webrtcbin name=" + name +
      " latency=50 "
      "videotestsrc is-live=true pattern=ball ! video/x-raw,width=640,height=360,framerate=30/1 "
      "! vp8enc deadline=1 keyframe-max-dist=60 target-bitrate=1000000 ! rtpvp8pay ! "
      "application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000 ! " +
      name +
      ". "
      "audiotestsrc is-live=true wave=ticks ! audio/x-raw,rate=48000,channels=2 ! opusenc ! "
      "rtpopuspay ! application/x-rtp,media=audio,encoding-name=OPUS,payload=111,clock-rate=48000 "
      "! " +
      name + ".";
  GError *error = nullptr;
  GstElement *bin = gst_parse_bin_from_description(description.c_str(), FALSE, &error);
  if (bin == nullptr) {
    g_printerr("cannot build the sending pipeline: %s\n", error->message);
    g_clear_error(&error);
    return nullptr;
  }
  GstElement *webrtc = gst_bin_get_by_name(GST_BIN(bin), name.c_str());
  g_signal_connect(webrtc, "pad-added", G_CALLBACK(on_webrtc_pad), app);
  gst_bin_add(GST_BIN(app->pipeline), bin);
  gst_element_sync_state_with_parent(bin);
  g_print("session with %s on %s\n", peer, name.c_str());
  return webrtc;  // the signaller takes this reference
}

void on_session_ended(GstElement *, const gchar *peer, gpointer) {
  // A real application would also remove that session's bin here.
  g_print("session with %s ended; waiting for the next caller\n", peer);
}

gboolean on_bus_message(GstBus *, GstMessage *message, gpointer app_ptr) {
  auto *app = static_cast<App *>(app_ptr);
  if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
    GError *error = nullptr;
    gchar *debug = nullptr;
    gst_message_parse_error(message, &error, &debug);
    g_printerr("error: %s\n%s\n", error->message, debug != nullptr ? debug : "");
    g_clear_error(&error);
    g_free(debug);
    g_main_loop_quit(app->loop);
  }
  return TRUE;
}

gboolean on_interrupt(gpointer loop) {
  g_main_loop_quit(static_cast<GMainLoop *>(loop));
  return G_SOURCE_CONTINUE;
}

}  // namespace

int main(int argc, char **argv) {
  // webrtcbin's DTLS uses OpenSSL, whose exit-time cleanup can race with
  // GStreamer's pooled threads and crash the exit; skip it (docs/elements.md).
  OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, nullptr);
  gst_init(&argc, &argv);
  if (argc < 3) {
    g_printerr("usage: %s ws://host:port/App/websocket STREAM_ID\n", argv[0]);
    return 2;
  }
  App app;
  app.display = g_getenv("DISPLAY") != nullptr || g_getenv("WAYLAND_DISPLAY") != nullptr;
  app.loop = g_main_loop_new(nullptr, FALSE);
  app.pipeline = gst_pipeline_new("call");

  GstElement *signaller = gst_element_factory_make("amsrtcsignaller", nullptr);
  if (signaller == nullptr) {
    g_printerr("amsrtcsignaller not found: set GST_PLUGIN_PATH to the build's gst/plugin\n");
    return 1;
  }
  g_object_set(signaller, "server", argv[1], "stream-id", argv[2], "local-addresses", "127.0.0.1",
               nullptr);
  gst_util_set_object_arg(G_OBJECT(signaller), "mode", "peer");
  g_signal_connect(signaller, "request-webrtcbin", G_CALLBACK(on_request_webrtcbin), &app);
  g_signal_connect(signaller, "session-ended", G_CALLBACK(on_session_ended), &app);
  gst_bin_add(GST_BIN(app.pipeline), signaller);

  GstBus *bus = gst_element_get_bus(app.pipeline);
  gst_bus_add_watch(bus, on_bus_message, &app);
  gst_object_unref(bus);
  g_unix_signal_add(SIGINT, on_interrupt, app.loop);

  gst_element_set_state(app.pipeline, GST_STATE_PLAYING);
  g_print("joined %s on %s\n", argv[2], argv[1]);
  g_main_loop_run(app.loop);
  gst_element_set_state(app.pipeline, GST_STATE_NULL);
  gst_object_unref(app.pipeline);
  g_main_loop_unref(app.loop);
  return 0;
}
