#include "ws_server.h"

#include <sys/socket.h>
#include <algorithm>

#include <cstring>
#include <utility>

#include "static_files.h"

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "amsrtc-server"

namespace amsrtc::server {

namespace proto = amsrtc::protocol;

bool is_websocket_path(const char *path) {
  // "/{app}/websocket"
  if (path == nullptr || path[0] != '/') return false;
  const char *app_end = std::strchr(path + 1, '/');
  if (app_end == nullptr || app_end == path + 1) return false;
  for (const char *p = path + 1; p < app_end; ++p) {
    if (!g_ascii_isalnum(*p) && *p != '_' && *p != '.' && *p != '-') return false;
  }
  return std::strcmp(app_end, "/websocket") == 0;
}

SignalingServer::SignalingServer(const ServerOptions &options, StateMachine &state)
    : options_(options),
      state_(state),
      transport_(
          WsTransport::Callbacks{
              [this](ConnectionId id, std::string_view text) { on_text(id, text); },
              [this](ConnectionId id) { on_binary(id); },
              [this](ConnectionId id, uint16_t code) { on_closed(id, code); }},
          // The protocol limit (--max-message-bytes) is enforced by the state
          // machine, which answers 1009 itself; the transport's own cap stays
          // above it as a memory safety valve.
          WsTransport::Limits{std::max<uint64_t>(16 * 1024 * 1024, 4 * options.max_message_bytes),
                              64 * 1024 * 1024}) {}

SignalingServer::~SignalingServer() {
  if (shutdown_timeout_ != 0) g_source_remove(shutdown_timeout_);
  if (tick_ != 0) g_source_remove(tick_);
  if (server_ != nullptr) {
    soup_server_disconnect(server_);
    g_object_unref(server_);
  }
}

bool SignalingServer::start(std::string &error) {
  const bool tls = !options_.tls_cert.empty();
  server_ = soup_server_new("server-header", "amsrtc-server ", nullptr);
  if (tls) {
    g_autoptr(GError) err = nullptr;
    g_autoptr(GTlsCertificate) certificate =
        g_tls_certificate_new_from_files(options_.tls_cert.c_str(), options_.tls_key.c_str(), &err);
    if (certificate == nullptr) {
      error = "cannot load --tls-cert/--tls-key: " + std::string(err->message);
      return false;
    }
    soup_server_set_tls_certificate(server_, certificate);
  }
  soup_server_add_handler(server_, nullptr, on_http_request, this, nullptr);

  g_autoptr(GInetAddress) address = g_inet_address_new_from_string(options_.host.c_str());
  if (address == nullptr && options_.host == "localhost") {
    address = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  }
  if (address == nullptr) {
    error = "--host must be an IP address (or localhost), got '" + options_.host + "'";
    return false;
  }
  g_autoptr(GSocketAddress) socket_address =
      g_inet_socket_address_new(address, static_cast<guint16>(options_.port));
  // Our own listening socket, because libsoup's has a backlog of 10: a burst
  // of clients (a room reconnecting after a restart, a load test) would see
  // dropped SYNs and second-long retries.
  g_autoptr(GError) err = nullptr;
  g_autoptr(GSocket) listener = g_socket_new(g_inet_address_get_family(address),
                                             G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &err);
  if (listener != nullptr) {
    g_socket_set_listen_backlog(listener, SOMAXCONN);
    if (!g_socket_bind(listener, socket_address, TRUE, &err) || !g_socket_listen(listener, &err)) {
      g_clear_object(&listener);
    }
  }
  if (listener == nullptr ||
      !soup_server_listen_socket(
          server_, listener,
          tls ? SOUP_SERVER_LISTEN_HTTPS : static_cast<SoupServerListenOptions>(0), &err)) {
    error = "cannot listen on " + options_.host + ":" + std::to_string(options_.port) + ": " +
            (err != nullptr ? err->message : "unknown error");
    return false;
  }
  GSList *uris = soup_server_get_uris(server_);
  const int port = uris != nullptr ? g_uri_get_port(static_cast<GUri *>(uris->data)) : -1;
  g_slist_free_full(uris, reinterpret_cast<GDestroyNotify>(g_uri_unref));
  const bool ipv6 = g_inet_address_get_family(address) == G_SOCKET_FAMILY_IPV6;
  g_autofree char *host = g_inet_address_to_string(address);
  url_ = std::string(tls ? "wss://" : "ws://") + (ipv6 ? "[" : "") + host + (ipv6 ? "]" : "") +
         ":" + std::to_string(port);
  g_info("listening on %s (max message %zu bytes, rate limit %.0f/s)", url_.c_str(),
         options_.max_message_bytes, options_.rate_limit);
  tick_ = g_timeout_add_seconds(1, on_tick, this);
  return true;
}

// Once a second: publish timeouts (state machine), silent publishers and
// stream measurements (media plane).
gboolean SignalingServer::on_tick(gpointer self_ptr) {
  auto *self = static_cast<SignalingServer *>(self_ptr);
  self->execute(self->state_.on_tick(self->now()));
  if (self->media_ != nullptr) self->media_->tick();
  return G_SOURCE_CONTINUE;
}

void SignalingServer::on_media_event(const MediaEvent &event) {
  execute(state_.on_media_event(event, now()));
}

void SignalingServer::on_http_request(SoupServer *, SoupServerMessage *message, const char *path,
                                      GHashTable *, gpointer self_ptr) {
  auto *self = static_cast<SignalingServer *>(self_ptr);
  if (is_websocket_path(path)) {
    self->start_websocket(message);
  } else {
    serve_static_file(message, path, self->options_.web_root);
  }
}

void SignalingServer::start_websocket(SoupServerMessage *message) {
  g_autoptr(GError) error = nullptr;
  // No extensions are offered: signaling frames are small JSON, and
  // permessage-deflate would only cost CPU and invite decompression bombs.
  if (shutdown_done_ ||
      !soup_websocket_server_check_handshake(message, nullptr, nullptr, nullptr, &error)) {
    const std::string text =
        shutdown_done_ ? "server shutting down\n"
                       : std::string("this is a WebSocket endpoint: ") + error->message + "\n";
    soup_server_message_set_status(
        message, shutdown_done_ ? SOUP_STATUS_SERVICE_UNAVAILABLE : SOUP_STATUS_BAD_REQUEST,
        nullptr);
    soup_server_message_set_response(message, "text/plain", SOUP_MEMORY_COPY, text.c_str(),
                                     text.size());
    return;
  }
  soup_websocket_server_process_handshake(message, nullptr, nullptr, nullptr, nullptr);
  // The connection is ours once the 101 response is on the wire.
  g_signal_connect(message, "wrote-informational", G_CALLBACK(on_upgrade_written), this);
}

void SignalingServer::on_upgrade_written(SoupServerMessage *message, gpointer self_ptr) {
  auto *self = static_cast<SignalingServer *>(self_ptr);
  GSocket *socket = soup_server_message_get_socket(message);
  const int fd = socket != nullptr ? g_socket_get_fd(socket) : -1;
  GIOStream *stream = soup_server_message_steal_connection(message);
  if (stream == nullptr || fd < 0) {
    g_warning("could not take over an upgraded connection");
    if (stream != nullptr) g_object_unref(stream);
    return;
  }
  const ConnectionId id = self->next_id_++;
  self->state_.on_open(id);
  g_debug("[conn %" G_GUINT64_FORMAT "] open", id);
  self->transport_.adopt(id, stream, fd);
}

void SignalingServer::on_text(ConnectionId id, std::string_view text) {
  execute(state_.on_text(id, text, now()));
}

void SignalingServer::on_binary(ConnectionId id) { execute(state_.on_binary(id, now())); }

void SignalingServer::on_closed(ConnectionId id, uint16_t code) {
  g_debug("[conn %" G_GUINT64_FORMAT "] closed (code %u)", id, code);
  execute(state_.on_close(id));
  maybe_finish_shutdown();
}

void SignalingServer::execute(const Outbox &outbox) {
  for (const Output &output : outbox) {
    if (const auto *send = std::get_if<SendMessage>(&output)) {
      if (!transport_.is_open(send->to)) continue;  // the receiver is already gone
      g_debug("[conn %" G_GUINT64_FORMAT "] <- %s", send->to,
              std::string(proto::command_name(send->message)).c_str());
      if (!send->verbatim.empty()) {
        transport_.send_text(send->to, send->verbatim);
      } else {
        transport_.send_text(send->to, proto::encode(send->message));
      }
    } else if (const auto *close = std::get_if<CloseConnection>(&output)) {
      g_info("[conn %" G_GUINT64_FORMAT "] closing: %d %s", close->connection, close->code,
             close->reason.c_str());
      transport_.close(close->connection, static_cast<uint16_t>(close->code), close->reason);
    } else if (media_ != nullptr) {
      media_->execute(output);
    }
  }
}

Clock SignalingServer::now() const {
  return Clock{g_get_monotonic_time(), g_get_real_time() / G_USEC_PER_SEC};
}

void SignalingServer::shutdown(std::function<void()> done, unsigned timeout_ms) {
  shutdown_done_ = std::move(done);
  g_info("shutting down: closing %zu connections", transport_.size());
  execute(state_.on_shutdown());
  shutdown_timeout_ = g_timeout_add(
      timeout_ms,
      [](gpointer self_ptr) -> gboolean {
        auto *self = static_cast<SignalingServer *>(self_ptr);
        self->shutdown_timeout_ = 0;
        g_warning("%zu connections did not close in time", self->transport_.size());
        if (auto done = std::move(self->shutdown_done_)) done();
        return G_SOURCE_REMOVE;
      },
      this);
  maybe_finish_shutdown();
}

void SignalingServer::maybe_finish_shutdown() {
  if (!shutdown_done_ || transport_.size() != 0) return;
  if (shutdown_timeout_ != 0) {
    g_source_remove(shutdown_timeout_);
    shutdown_timeout_ = 0;
  }
  auto done = std::move(shutdown_done_);
  shutdown_done_ = nullptr;
  done();
}

}  // namespace amsrtc::server
