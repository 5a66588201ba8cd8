// What the two GStreamer probes of the browser tests (peer_probe.cpp,
// stream_probe.cpp) share: the errors their pipeline posted, kept for the
// next report line, and the main loop that ends on SIGTERM (the Node test
// stops a probe that way).
#pragma once

#include <glib-unix.h>
#include <gst/gst.h>

#include <functional>
#include <mutex>
#include <string>

#include "../integration/bin_elements.h"

namespace amsrtc::testing {

// Appends an error message's text and debug detail to `errors`.
inline void append_error(GstMessage *message, std::mutex &mutex, std::string &errors) {
  GError *error = nullptr;
  gchar *debug = nullptr;
  gst_message_parse_error(message, &error, &debug);
  std::lock_guard<std::mutex> lock(mutex);
  errors += std::string(error->message) + " (" + (debug ? debug : "") + ") ";
  g_clear_error(&error);
  g_free(debug);
}

// A fakesink (no sync) added to `pipeline` and started; returns its sink
// pad (a new reference) for the caller to probe and link.
inline GstPad *add_fakesink(GstElement *pipeline) {
  GstElement *sink = gst_element_factory_make("fakesink", nullptr);
  g_object_set(sink, "sync", FALSE, "async", FALSE, nullptr);
  gst_bin_add(GST_BIN(pipeline), sink);
  gst_element_sync_state_with_parent(sink);
  return gst_element_get_static_pad(sink, "sink");
}

// Plays `pipeline`, calls `report(data)` every 250 ms, and returns once the
// process gets SIGTERM, with the pipeline stopped.
inline void run_until_sigterm(GstElement *pipeline, GSourceFunc report, gpointer data) {
  GMainLoop *loop = g_main_loop_new(nullptr, FALSE);
  g_timeout_add(250, report, data);
  g_unix_signal_add(
      SIGTERM,
      [](gpointer loop) {
        g_main_loop_quit(static_cast<GMainLoop *>(loop));
        return G_SOURCE_REMOVE;
      },
      loop);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  g_main_loop_run(loop);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  g_main_loop_unref(loop);
}

}  // namespace amsrtc::testing
