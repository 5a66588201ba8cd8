// Waiting for events in tests: iterate the thread-default main context until
// a condition holds or a deadline passes. No sleeps: the loop wakes on I/O.
#pragma once

#include <glib.h>

#include <functional>

namespace amsrtc::testing {

// True if `condition` became true within `timeout_ms`.
inline bool wait_until(const std::function<bool()> &condition, unsigned timeout_ms) {
  // `condition` may consume what it finds (see WsClient::wait_for): call it
  // once per wake-up and keep its answer.
  bool done = condition();
  if (done) return true;
  GMainContext *context = g_main_context_get_thread_default();
  bool timed_out = false;
  GSource *timer = g_timeout_source_new(timeout_ms);
  g_source_set_callback(
      timer,
      [](gpointer flag) -> gboolean {
        *static_cast<bool *>(flag) = true;
        return G_SOURCE_REMOVE;
      },
      &timed_out, nullptr);
  g_source_attach(timer, context);
  while (!done && !timed_out) {
    g_main_context_iteration(context, TRUE);
    done = condition();
  }
  g_source_destroy(timer);
  g_source_unref(timer);
  return done;
}

}  // namespace amsrtc::testing
