// The I/O side of amsrtc-server: a libsoup 3 SoupServer that accepts
// WebSocket connections on /{app}/websocket (any application name, any query
// string), serves --web-root over HTTP on the same port, feeds every frame
// to the StateMachine and carries out the Outbox it returns.
//
// Single-threaded: everything runs on the thread-default main context of
// the thread that called start().
#pragma once

#include <libsoup/soup.h>

#include <functional>
#include <map>
#include <string>

#include "server_options.h"
#include "state_machine.h"

namespace amsrtc::server {

class SignalingServer {
 public:
  SignalingServer(const ServerOptions &options, StateMachine &state);
  ~SignalingServer();
  SignalingServer(const SignalingServer &) = delete;
  SignalingServer &operator=(const SignalingServer &) = delete;

  // Binds and listens. On failure returns false with a message in `error`.
  bool start(std::string &error);
  // "ws://127.0.0.1:5080" (wss:// with TLS), the actual port when it was 0.
  const std::string &url() const { return url_; }
  // Sends server_will_stop to everyone, closes every socket with 1001 and
  // calls `done` once all are closed (or after `timeout_ms`).
  void shutdown(std::function<void()> done, unsigned timeout_ms = 2000);

 private:
  struct Link;  // one WebSocket connection

  static void on_http_request(SoupServer *, SoupServerMessage *message, const char *path,
                              GHashTable *, gpointer self);
  static void on_websocket(SoupServer *, SoupServerMessage *, const char *path,
                           SoupWebsocketConnection *connection, gpointer self);
  static void on_ws_message(SoupWebsocketConnection *, gint type, GBytes *message, gpointer link);
  static void on_ws_closed(SoupWebsocketConnection *, gpointer link);

  void execute(const Outbox &outbox);
  Clock now() const;
  void maybe_finish_shutdown();

  ServerOptions options_;
  StateMachine &state_;
  SoupServer *server_ = nullptr;
  std::string url_;
  ConnectionId next_id_ = 1;
  std::map<ConnectionId, Link *> links_;
  std::function<void()> shutdown_done_;
  guint shutdown_timeout_ = 0;
};

// True for "/{app}/websocket" with an application name of [A-Za-z0-9_.-].
bool is_websocket_path(const char *path);

}  // namespace amsrtc::server
