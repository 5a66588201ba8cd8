// amsrtc-server: the signaling server. See docs/server.md.
#include <glib-unix.h>

#include <cstdio>

#include "server_options.h"
#include "state_machine.h"
#include "ws_server.h"

namespace {

struct App {
  GMainLoop *loop;
  amsrtc::server::SignalingServer *server;
  bool stopping = false;
};

gboolean on_stop_signal(gpointer app_ptr) {
  auto *app = static_cast<App *>(app_ptr);
  if (app->stopping) {
    g_main_loop_quit(app->loop);  // a second signal: stop waiting
    return G_SOURCE_CONTINUE;
  }
  app->stopping = true;
  app->server->shutdown([app] { g_main_loop_quit(app->loop); });
  return G_SOURCE_CONTINUE;
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
  return config;
}

}  // namespace

int main(int argc, char **argv) {
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
  if (!server.start(error)) {
    g_printerr("amsrtc-server: %s\n", error.c_str());
    return 1;
  }
  // The first stdout line: scripts and tests read the URL (and port) here.
  std::printf("listening %s\n", server.url().c_str());
  std::fflush(stdout);

  GMainLoop *loop = g_main_loop_new(nullptr, FALSE);
  App app{loop, &server};
  g_unix_signal_add(SIGINT, on_stop_signal, &app);
  g_unix_signal_add(SIGTERM, on_stop_signal, &app);
  g_main_loop_run(loop);
  g_main_loop_unref(loop);
  return 0;
}
