// amsrtc-embed-stream: an application that embeds amsrtcsink and amsrtcsrc.
// It publishes a test pattern as STREAM_ID, plays STREAM_ID (or, with a
// room, every other member of it) back, links each pad amsrtcsrc adds to a
// sink of its own, and prints the frames each track decoded, once a second,
// until SECONDS pass or Ctrl-C.
//
//   amsrtc-embed-stream ws://127.0.0.1:5080/WebRTCAppEE/websocket cam1 [SECONDS] [ROOM]
#include <glib-unix.h>
#include <gst/gst.h>
#include <openssl/crypto.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>

namespace {

struct App {
  GMainLoop *loop = nullptr;
  GstElement *pipeline = nullptr;
  std::mutex mutex;
  std::map<std::string, int> frames;  // pad name -> decoded buffers
  int exit_code = 0;
};

// A new track: a queue and a sink of its own, and a counter on the pad.
void on_pad_added(GstElement *, GstPad *pad, gpointer data) {
  auto *app = static_cast<App *>(data);
  const std::string name = GST_PAD_NAME(pad);
  const bool video = name.rfind("video_", 0) == 0;
  const bool display = g_getenv("DISPLAY") != nullptr || g_getenv("WAYLAND_DISPLAY") != nullptr;
  GstElement *branch = gst_parse_bin_from_description(
      video && display ? "queue ! videoconvert ! autovideosink" : "queue ! fakesink sync=true",
      TRUE, nullptr);
  gst_bin_add(GST_BIN(app->pipeline), branch);
  gst_element_sync_state_with_parent(branch);
  GstPad *sink = gst_element_get_static_pad(branch, "sink");
  gst_pad_link(pad, sink);
  gst_object_unref(sink);
  gst_pad_add_probe(
      pad, GST_PAD_PROBE_TYPE_BUFFER,
      [](GstPad *pad, GstPadProbeInfo *, gpointer data) {
        auto *app = static_cast<App *>(data);
        std::lock_guard<std::mutex> lock(app->mutex);
        ++app->frames[GST_PAD_NAME(pad)];
        return GST_PAD_PROBE_OK;
      },
      app, nullptr);
  g_print("new track %s\n", name.c_str());
}

void on_pad_removed(GstElement *, GstPad *pad, gpointer) {
  g_print("track %s ended\n", GST_PAD_NAME(pad));
}

gboolean on_bus(GstBus *, GstMessage *message, gpointer data) {
  auto *app = static_cast<App *>(data);
  switch (GST_MESSAGE_TYPE(message)) {
    case GST_MESSAGE_ERROR: {
      GError *error = nullptr;
      gchar *debug = nullptr;
      gst_message_parse_error(message, &error, &debug);
      g_printerr("error from %s: %s\n  %s\n", GST_OBJECT_NAME(GST_MESSAGE_SRC(message)),
                 error->message, debug != nullptr ? debug : "");
      g_clear_error(&error);
      g_free(debug);
      app->exit_code = 1;
      g_main_loop_quit(app->loop);
      break;
    }
    case GST_MESSAGE_WARNING: {
      GError *error = nullptr;
      gst_message_parse_warning(message, &error, nullptr);
      g_printerr("warning: %s\n", error->message);
      g_clear_error(&error);
      break;
    }
    case GST_MESSAGE_ELEMENT: {
      const GstStructure *s = gst_message_get_structure(message);
      const char *name = s != nullptr ? gst_structure_get_name(s) : "";
      if (g_str_has_prefix(name, "amsrtc/") && !g_str_equal(name, "amsrtc/stats")) {
        g_print("%s\n", name);
      }
      break;
    }
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

gboolean print_frames(gpointer data) {
  auto *app = static_cast<App *>(data);
  std::lock_guard<std::mutex> lock(app->mutex);
  for (const auto &[pad, count] : app->frames) g_print("  %s: %d buffers\n", pad.c_str(), count);
  return G_SOURCE_CONTINUE;
}

// The end of the run (SECONDS elapsed) or Ctrl-C.
gboolean quit_loop(gpointer loop) {
  g_main_loop_quit(static_cast<GMainLoop *>(loop));
  return G_SOURCE_REMOVE;
}

}  // namespace

int main(int argc, char **argv) {
  // webrtcbin's DTLS uses OpenSSL, whose exit-time cleanup can race with
  // GStreamer's pooled threads and crash the exit; skip it (docs/elements.md).
  OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, nullptr);
  gst_init(&argc, &argv);
  if (argc < 3) {
    g_printerr("usage: %s SERVER_URL STREAM_ID [SECONDS] [ROOM]\n", argv[0]);
    return 2;
  }
  const std::string server = argv[1];
  const std::string stream_id = argv[2];
  const int seconds = argc > 3 ? std::atoi(argv[3]) : 0;
  const std::string room = argc > 4 ? argv[4] : "";

  App app;
  app.loop = g_main_loop_new(nullptr, FALSE);
  app.pipeline = gst_pipeline_new("embed");
  GstElement *sink = gst_element_factory_make("amsrtcsink", "publish");
  GstElement *src = gst_element_factory_make("amsrtcsrc", "play");
  if (sink == nullptr || src == nullptr) {
    g_printerr("amsrtcsink/amsrtcsrc not found: set GST_PLUGIN_PATH to build/gst/plugin\n");
    return 1;
  }
  g_object_set(sink, "server", server.c_str(), "stream-id", stream_id.c_str(), nullptr);
  g_object_set(src, "server", server.c_str(), "stream-id", stream_id.c_str(), nullptr);
  if (!room.empty()) {
    g_object_set(sink, "room", room.c_str(), nullptr);
    g_object_set(src, "room", room.c_str(), nullptr);  // plays every other member
  }
  GstElement *source = gst_parse_bin_from_description(
      "videotestsrc is-live=true pattern=ball ! video/x-raw,width=640,height=360,framerate=30/1",
      TRUE, nullptr);
  gst_bin_add_many(GST_BIN(app.pipeline), source, sink, src, nullptr);
  // Request the input pad by name: raw video is encoded (H.264) inside.
  GstPad *input = gst_element_request_pad_simple(sink, "video_%u");
  GstPad *output = gst_element_get_static_pad(source, "src");
  gst_pad_link(output, input);
  gst_object_unref(output);
  gst_object_unref(input);
  g_signal_connect(src, "pad-added", G_CALLBACK(on_pad_added), &app);
  g_signal_connect(src, "pad-removed", G_CALLBACK(on_pad_removed), nullptr);

  GstBus *bus = gst_element_get_bus(app.pipeline);
  gst_bus_add_watch(bus, on_bus, &app);
  gst_object_unref(bus);
  g_timeout_add_seconds(1, print_frames, &app);
  if (seconds > 0) g_timeout_add_seconds(seconds, quit_loop, app.loop);
  g_unix_signal_add(SIGINT, quit_loop, app.loop);
  gst_element_set_state(app.pipeline, GST_STATE_PLAYING);
  g_main_loop_run(app.loop);
  gst_element_set_state(app.pipeline, GST_STATE_NULL);
  {
    std::lock_guard<std::mutex> lock(app.mutex);
    int video = 0;
    for (const auto &[pad, count] : app.frames) {
      if (pad.rfind("video_", 0) == 0) video += count;
    }
    if (app.exit_code == 0 && video == 0) {
      g_printerr("no video frame was decoded\n");
      app.exit_code = 1;
    }
  }
  gst_object_unref(app.pipeline);
  g_main_loop_unref(app.loop);
  return app.exit_code;
}
