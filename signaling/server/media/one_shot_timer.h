// A timeout on a GLib main context that runs once and can be cancelled: the
// deadlines of the media plane's endpoints (an ICE restart's grace). Lives
// on that context; destroying it cancels it.
#pragma once

#include <glib.h>

#include <functional>
#include <utility>

namespace amsrtc::server::media {

class OneShotTimer {
 public:
  OneShotTimer() = default;
  ~OneShotTimer() { cancel(); }
  OneShotTimer(const OneShotTimer &) = delete;
  OneShotTimer &operator=(const OneShotTimer &) = delete;

  // Runs `work` on `context` in `ms` milliseconds, unless cancelled first.
  // A timer already running is replaced.
  void start(GMainContext *context, guint ms, std::function<void()> work) {
    cancel();
    source_ = g_timeout_source_new(ms);
    auto *state = new State{this, std::move(work)};
    g_source_set_callback(
        source_,
        [](gpointer data) -> gboolean {
          auto *state = static_cast<State *>(data);
          // Forget the source before the work runs: it may start us again.
          g_source_unref(state->timer->source_);
          state->timer->source_ = nullptr;
          state->work();
          return G_SOURCE_REMOVE;
        },
        state, [](gpointer data) { delete static_cast<State *>(data); });
    g_source_attach(source_, context);
  }
  void cancel() {
    if (source_ == nullptr) return;
    g_source_destroy(source_);
    g_source_unref(source_);
    source_ = nullptr;
  }
  bool active() const { return source_ != nullptr; }

 private:
  struct State {
    OneShotTimer *timer;
    std::function<void()> work;
  };
  GSource *source_ = nullptr;
};

}  // namespace amsrtc::server::media
