// amsrtc-server: the signaling server. See docs/server.md.
#include <glib.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <signal.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>

#include "media/media_plane.h"
#include "server_options.h"
#include "state_machine.h"
#include "ws_server.h"

namespace {

struct App {
  GMainLoop *loop;
  amsrtc::server::SignalingServer *server;
  bool stopping = false;
};

// On the main loop, for each SIGINT or SIGTERM.
gboolean on_stop_signal(gpointer app_ptr) {
  auto *app = static_cast<App *>(app_ptr);
  if (app->stopping) {
    g_main_loop_quit(app->loop);  // a second signal: stop waiting
    return G_SOURCE_REMOVE;
  }
  app->stopping = true;
  app->server->shutdown([app] { g_main_loop_quit(app->loop); });
  return G_SOURCE_REMOVE;
}

// How long the whole stop may take once a stop signal came: closing the
// connections, then the media plane's teardown. Both normally take well
// under a second, a few under ASan.
constexpr auto kStopLimit = std::chrono::seconds(30);

sigset_t stop_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  return signals;
}

// SIGINT and SIGTERM are blocked in every thread (main() blocks them before
// any thread exists) and taken here, by sigwait, rather than by the main
// loop: a main loop stuck in GStreamer (finalizing an element whose task
// never ends: element_stop.h) would never see them, and the server would
// ignore SIGTERM until killed. Each signal is passed to the main loop; if
// the server has not exited kStopLimit after the first, it says so and
// exits with status 1.
void take_stop_signals(App *app) {
  std::thread([app] {
    const sigset_t signals = stop_signals();
    int signal = 0;
    if (sigwait(&signals, &signal) != 0) return;
    g_main_context_invoke(nullptr, on_stop_signal, app);
    const auto deadline = std::chrono::steady_clock::now() + kStopLimit;
    for (;;) {
      const auto left = deadline - std::chrono::steady_clock::now();
      if (left <= std::chrono::nanoseconds::zero()) break;
      const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(left);
      const timespec timeout{static_cast<time_t>(seconds.count()),
                             static_cast<long>((left - seconds).count())};
      if (sigtimedwait(&signals, nullptr, &timeout) > 0) {
        g_main_context_invoke(nullptr, on_stop_signal, app);  // a second signal
      }
    }
    // Only async-signal-safe calls: the main thread may hold any lock.
    static const char message[] =
        "amsrtc-server: still running 30 s after the stop signal (the main loop or the media "
        "pipeline's teardown is stuck); exiting without finishing (run with GST_DEBUG=amsrtcsfu:5 "
        "to see which endpoint was last)\n";
    ssize_t written = write(STDERR_FILENO, message, sizeof message - 1);
    (void)written;
    _exit(1);
  }).detach();
}

amsrtc::server::StateMachineConfig state_config(const amsrtc::server::ServerOptions &options) {
  amsrtc::server::StateMachineConfig config;
  config.limits.max_message_bytes = options.max_message_bytes;
  config.limits.room_member_limit = options.room_member_limit;
  config.limits.max_sessions_per_socket = options.max_sessions_per_socket;
  config.limits.rate_limit_per_second = options.rate_limit;
  config.ice = {options.stun_server, options.turn_server, options.turn_username,
                options.turn_password};
  config.token_secret = options.token_secret;
  config.media_plane = options.media;
  return config;
}

// Where the SFU gathers ICE candidates. libnice leaves loopback out unless
// told, so a server that listens on loopback (local use, tests) offers it.
amsrtc::session::IceSettings media_ice(const amsrtc::server::ServerOptions &options) {
  amsrtc::session::IceSettings ice;
  ice.stun_server = options.stun_server;
  std::string addresses = options.media_addresses;
  if (addresses.empty() && (options.host == "127.0.0.1" || options.host == "localhost")) {
    addresses = "127.0.0.1";
  }
  gchar **parts = g_strsplit(addresses.c_str(), ",", -1);
  for (gchar **p = parts; *p != nullptr; ++p) {
    g_strstrip(*p);
    if (**p != '\0') ice.local_addresses.push_back(*p);
  }
  g_strfreev(parts);
  return ice;
}

}  // namespace

int main(int argc, char **argv) {
  // Stop signals blocked before any thread exists, so that every thread
  // inherits the mask and only take_stop_signals' thread takes them.
  const sigset_t signals = stop_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // OpenSSL (used by webrtcbin's DTLS) frees its global state from an atexit
  // handler, while GStreamer's pooled streaming threads may still be exiting
  // and running OpenSSL's per-thread cleanup against that state: a rare
  // SIGSEGV in OPENSSL_cleanup after a clean SIGTERM (seen in CI). The process
  // is ending anyway; skip that cleanup. Must precede any other OpenSSL use.
  OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, nullptr);
  // Logs go to stderr: stdout carries only the "listening URL" line.
  g_log_writer_default_set_use_stderr(TRUE);
  amsrtc::server::ServerOptions options;
  std::string error;
  if (!amsrtc::server::parse_server_options(argc, argv, options, error)) {
    g_printerr("amsrtc-server: %s (see --help)\n", error.c_str());
    return 2;
  }
  amsrtc::server::StateMachine state(state_config(options));
  amsrtc::server::SignalingServer server(options, state);
  std::unique_ptr<amsrtc::server::media::MediaPlane> media;
  if (options.media) {
    media = std::make_unique<amsrtc::server::media::MediaPlane>(
        media_ice(options),
        [&server](const amsrtc::server::MediaEvent &event) { server.on_media_event(event); });
    if (!media->start(error)) {
      g_printerr("amsrtc-server: %s\n", error.c_str());
      return 1;
    }
    server.set_media_plane(media.get());
  }
  if (!server.start(error)) {
    g_printerr("amsrtc-server: %s\n", error.c_str());
    return 1;
  }
  // SIGTERM stops gracefully from the moment the URL is out: a script (or
  // test) that stops the server right after reading it must not find the
  // default action, which kills it mid-way.
  GMainLoop *loop = g_main_loop_new(nullptr, FALSE);
  App app{loop, &server};
  take_stop_signals(&app);
  // The first stdout line: scripts and tests read the URL (and port) here.
  std::printf("listening %s\n", server.url().c_str());
  std::fflush(stdout);
  g_main_loop_run(loop);
  g_main_loop_unref(loop);
  // What follows, the media plane's teardown, is still within the stop
  // limit: the loop ends only after a stop signal (take_stop_signals).
  return 0;
}
