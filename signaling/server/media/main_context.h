// Runs work on the server's main context from GStreamer's threads. The media
// plane's objects live on the main context (like the state machine); every
// webrtcbin callback hops there first, so nothing in the media plane needs a
// lock beyond what a callback reads before hopping.
#pragma once

#include <glib.h>

#include <functional>
#include <utility>

namespace amsrtc::server::media {

class MainContext {
 public:
  // The thread-default context of the calling thread (the server's loop).
  MainContext() : context_(g_main_context_ref_thread_default()) {}
  ~MainContext() { g_main_context_unref(context_); }
  MainContext(const MainContext &) = delete;
  MainContext &operator=(const MainContext &) = delete;

  // Runs `work` on the main context, soon (later, even when called there:
  // callers may hold state the work would change).
  void post(std::function<void()> work) const {
    GSource *source = g_idle_source_new();
    g_source_set_priority(source, G_PRIORITY_DEFAULT);
    g_source_set_callback(
        source,
        [](gpointer data) -> gboolean {
          (*static_cast<std::function<void()> *>(data))();
          return G_SOURCE_REMOVE;
        },
        new std::function<void()>(std::move(work)),
        [](gpointer data) { delete static_cast<std::function<void()> *>(data); });
    g_source_attach(source, context_);
    g_source_unref(source);
  }

  GMainContext *context() const { return context_; }

 private:
  GMainContext *context_;
};

}  // namespace amsrtc::server::media
