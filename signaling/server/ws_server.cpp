#include "ws_server.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "static_files.h"

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "amsrtc-server"

namespace amsrtc::server {

namespace proto = amsrtc::protocol;

struct SignalingServer::Link {
  SignalingServer *server;
  ConnectionId id;
  SoupWebsocketConnection *socket;  // owned (one ref)
};

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
    : options_(options), state_(state) {}

SignalingServer::~SignalingServer() {
  for (auto &[id, link] : links_) {
    g_signal_handlers_disconnect_by_data(link->socket, link);
    g_object_unref(link->socket);
    delete link;
  }
  if (shutdown_timeout_ != 0) g_source_remove(shutdown_timeout_);
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
  // Signaling frames are small JSON; compression would only cost CPU and
  // open the door to decompression bombs.
  soup_server_remove_websocket_extension(server_, SOUP_TYPE_WEBSOCKET_EXTENSION_DEFLATE);
  soup_server_add_handler(server_, nullptr, on_http_request, this, nullptr);
  soup_server_add_websocket_handler(server_, nullptr, nullptr, nullptr, on_websocket, this,
                                    nullptr);

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
  g_autoptr(GError) err = nullptr;
  if (!soup_server_listen(server_, socket_address,
                          tls ? SOUP_SERVER_LISTEN_HTTPS : static_cast<SoupServerListenOptions>(0),
                          &err)) {
    error = "cannot listen on " + options_.host + ":" + std::to_string(options_.port) + ": " +
            err->message;
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
  return true;
}

void SignalingServer::on_http_request(SoupServer *, SoupServerMessage *message, const char *path,
                                      GHashTable *, gpointer self_ptr) {
  auto *self = static_cast<SignalingServer *>(self_ptr);
  if (is_websocket_path(path)) {
    // A WebSocket handshake is completed by on_websocket(); say so to
    // anything else that knocks here.
    SoupMessageHeaders *headers = soup_server_message_get_request_headers(message);
    if (!soup_message_headers_header_contains(headers, "Upgrade", "websocket")) {
      static const char kText[] = "this is a WebSocket endpoint\n";
      soup_server_message_set_status(message, SOUP_STATUS_BAD_REQUEST, nullptr);
      soup_server_message_set_response(message, "text/plain", SOUP_MEMORY_STATIC, kText,
                                       sizeof(kText) - 1);
    }
    return;
  }
  serve_static_file(message, path, self->options_.web_root);
}

void SignalingServer::on_websocket(SoupServer *, SoupServerMessage *, const char *path,
                                   SoupWebsocketConnection *socket, gpointer self_ptr) {
  auto *self = static_cast<SignalingServer *>(self_ptr);
  if (!is_websocket_path(path) || self->shutdown_done_) {
    soup_websocket_connection_close(socket, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION,
                                    "no such endpoint: use /{app}/websocket");
    return;
  }
  auto *link = new Link{self, self->next_id_++, SOUP_WEBSOCKET_CONNECTION(g_object_ref(socket))};
  // The protocol limit (--max-message-bytes) is enforced by the state
  // machine, which closes with 1009 through a clean close handshake the
  // client can read. libsoup's own cap, which just drops the connection,
  // stays well above it as a memory safety valve.
  const std::size_t hard_cap =
      std::max<std::size_t>(16 * 1024 * 1024, 4 * self->options_.max_message_bytes);
  soup_websocket_connection_set_max_incoming_payload_size(socket, hard_cap);
  g_signal_connect(socket, "message", G_CALLBACK(on_ws_message), link);
  g_signal_connect(socket, "closed", G_CALLBACK(on_ws_closed), link);
  self->links_[link->id] = link;
  self->state_.on_open(link->id);
  g_debug("[conn %" G_GUINT64_FORMAT "] open %s", link->id, path);
}

void SignalingServer::on_ws_message(SoupWebsocketConnection *, gint type, GBytes *message,
                                    gpointer link_ptr) {
  auto *link = static_cast<Link *>(link_ptr);
  SignalingServer *self = link->server;
  const ConnectionId id = link->id;
  Outbox outbox;
  if (type == SOUP_WEBSOCKET_DATA_TEXT) {
    gsize size = 0;
    const auto *data = static_cast<const char *>(g_bytes_get_data(message, &size));
    outbox = self->state_.on_text(id, std::string_view(data, size), self->now());
  } else {
    outbox = self->state_.on_binary(id, self->now());
  }
  self->execute(outbox);  // may close `link`; it is not used afterwards
}

void SignalingServer::on_ws_closed(SoupWebsocketConnection *socket, gpointer link_ptr) {
  auto *link = static_cast<Link *>(link_ptr);
  SignalingServer *self = link->server;
  const ConnectionId id = link->id;
  g_debug("[conn %" G_GUINT64_FORMAT "] closed (code %u)", id,
          soup_websocket_connection_get_close_code(socket));
  self->links_.erase(id);
  g_signal_handlers_disconnect_by_data(socket, link);
  self->execute(self->state_.on_close(id));
  g_object_unref(socket);  // the emission holds its own ref
  delete link;
  self->maybe_finish_shutdown();
}

void SignalingServer::execute(const Outbox &outbox) {
  for (const Output &output : outbox) {
    if (const auto *send = std::get_if<SendMessage>(&output)) {
      auto it = links_.find(send->to);
      if (it == links_.end() ||
          soup_websocket_connection_get_state(it->second->socket) != SOUP_WEBSOCKET_STATE_OPEN) {
        continue;  // the receiver is already gone
      }
      const std::string text = proto::encode(send->message);
      g_debug("[conn %" G_GUINT64_FORMAT "] <- %s %s", send->to,
              std::string(proto::command_name(send->message)).c_str(),
              std::string(proto::stream_id_of(send->message)).c_str());
      soup_websocket_connection_send_text(it->second->socket, text.c_str());
    } else if (const auto *close = std::get_if<CloseConnection>(&output)) {
      auto it = links_.find(close->connection);
      if (it == links_.end() ||
          soup_websocket_connection_get_state(it->second->socket) != SOUP_WEBSOCKET_STATE_OPEN) {
        continue;
      }
      g_info("[conn %" G_GUINT64_FORMAT "] closing: %d %s", close->connection, close->code,
             close->reason.c_str());
      soup_websocket_connection_close(it->second->socket, static_cast<gushort>(close->code),
                                      close->reason.c_str());
    }
  }
}

Clock SignalingServer::now() const {
  return Clock{g_get_monotonic_time(), g_get_real_time() / G_USEC_PER_SEC};
}

void SignalingServer::shutdown(std::function<void()> done, unsigned timeout_ms) {
  shutdown_done_ = std::move(done);
  g_info("shutting down: closing %zu connections", links_.size());
  execute(state_.on_shutdown());
  shutdown_timeout_ = g_timeout_add(
      timeout_ms,
      [](gpointer self_ptr) -> gboolean {
        auto *self = static_cast<SignalingServer *>(self_ptr);
        self->shutdown_timeout_ = 0;
        g_warning("%zu connections did not close in time", self->links_.size());
        if (auto done = std::move(self->shutdown_done_)) done();
        return G_SOURCE_REMOVE;
      },
      this);
  maybe_finish_shutdown();
}

void SignalingServer::maybe_finish_shutdown() {
  if (!shutdown_done_ || !links_.empty()) return;
  if (shutdown_timeout_ != 0) {
    g_source_remove(shutdown_timeout_);
    shutdown_timeout_ = 0;
  }
  auto done = std::move(shutdown_done_);
  shutdown_done_ = nullptr;
  done();
}

}  // namespace amsrtc::server
