// The I/O side of amsrtc-server: a libsoup 3 SoupServer that accepts
// WebSocket upgrades on /{app}/websocket (any application name, any query
// string) and serves --web-root over HTTP on the same port. Upgraded
// connections are handed to WsTransport; every message goes to the
// StateMachine, and the Outbox it returns is carried out here.
//
// Single-threaded: everything runs on the thread-default main context of
// the thread that called start().
#pragma once

#include <libsoup/soup.h>

#include <functional>
#include <string>

#include "media/media_plane.h"
#include "server_options.h"
#include "state_machine.h"
#include "ws_transport.h"

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
  // The SFU that carries out media actions (none: a signaling-only server).
  void set_media_plane(media::MediaPlane *media) { media_ = media; }
  // What the media plane reports: to the state machine, and its outbox out.
  void on_media_event(const MediaEvent &event);

  // Sends server_will_stop to everyone, closes every socket with 1001 and
  // calls `done` once all are closed (or after `timeout_ms`).
  void shutdown(std::function<void()> done, unsigned timeout_ms = 2000);

 private:
  static void on_http_request(SoupServer *, SoupServerMessage *message, const char *path,
                              GHashTable *, gpointer self);
  static void on_upgrade_written(SoupServerMessage *message, gpointer self);
  void start_websocket(SoupServerMessage *message);

  void on_text(ConnectionId id, std::string_view text);
  void on_binary(ConnectionId id);
  void on_closed(ConnectionId id, uint16_t code);
  void execute(const Outbox &outbox);
  Clock now() const;
  void maybe_finish_shutdown();
  static gboolean on_tick(gpointer self);

  ServerOptions options_;
  StateMachine &state_;
  WsTransport transport_;
  SoupServer *server_ = nullptr;
  std::string url_;
  ConnectionId next_id_ = 1;
  std::function<void()> shutdown_done_;
  guint shutdown_timeout_ = 0;
  guint tick_ = 0;
  media::MediaPlane *media_ = nullptr;
};

// True for "/{app}/websocket" with an application name of [A-Za-z0-9_.-].
bool is_websocket_path(const char *path);

}  // namespace amsrtc::server
