#include "signaling_client.h"

#include <libsoup/soup.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <mutex>

#include "signaling/protocol/codec.h"

namespace amsrtc::client {

namespace proto = amsrtc::protocol;

struct SignalingClient::Impl {
  ClientConfig config;
  ClientCallbacks callbacks;

  GMainContext *context = nullptr;  // the client thread's; owns every source below
  GMainLoop *loop = nullptr;
  GThread *thread = nullptr;

  std::mutex queue_mutex;
  std::deque<std::string> queue;  // encoded, waiting for an open socket
  std::atomic<bool> stopped{false};
  // Set before the thread starts: on loopback the thread can connect and call
  // on_connected, whose callback sends, before g_thread_new returns `thread`.
  std::atomic<bool> running{false};
  std::atomic<unsigned> connects{0};

  // Only touched on the client thread.
  SoupSession *session = nullptr;
  SoupWebsocketConnection *socket = nullptr;
  GCancellable *cancellable = nullptr;
  GTlsDatabase *extra_ca = nullptr;
  GSource *ping_timer = nullptr;
  GSource *retry_timer = nullptr;
  unsigned missed_pongs = 0;
  unsigned failed_attempts = 0;  // consecutive

  // -- client thread ---------------------------------------------------------

  static gpointer run(gpointer self_ptr) {
    auto *self = static_cast<Impl *>(self_ptr);
    g_main_context_push_thread_default(self->context);
    self->session = soup_session_new();
    self->cancellable = g_cancellable_new();
    if (!self->config.ca_file.empty()) {
      g_autoptr(GError) error = nullptr;
      self->extra_ca = g_tls_file_database_new(self->config.ca_file.c_str(), &error);
      if (self->extra_ca == nullptr) {
        self->fail("cannot read the CA file " + self->config.ca_file + ": " + error->message);
      }
    }
    if (self->extra_ca != nullptr || self->config.ca_file.empty()) self->connect();
    g_main_loop_run(self->loop);

    g_cancellable_cancel(self->cancellable);
    self->stop_timer(&self->ping_timer);
    self->stop_timer(&self->retry_timer);
    self->drop_socket();
    g_clear_object(&self->extra_ca);
    g_clear_object(&self->cancellable);
    g_clear_object(&self->session);
    g_main_context_pop_thread_default(self->context);
    return nullptr;
  }

  void connect() {
    SoupMessage *message = soup_message_new(SOUP_METHOD_GET, config.uri.c_str());
    if (message == nullptr) return fail("not a valid URI: " + config.uri);
    if (extra_ca != nullptr) {
      g_signal_connect(message, "accept-certificate", G_CALLBACK(on_accept_certificate), this);
    }
    soup_session_websocket_connect_async(session, message, nullptr, nullptr, G_PRIORITY_DEFAULT,
                                         cancellable, on_connected, this);
    g_object_unref(message);
  }

  // libsoup asks only when the system CAs did not vouch for the server: the
  // extra CA file gets its say, nothing else does (no silent "insecure").
  static gboolean on_accept_certificate(SoupMessage *message, GTlsCertificate *certificate,
                                        GTlsCertificateFlags, gpointer self_ptr) {
    auto *self = static_cast<Impl *>(self_ptr);
    GUri *uri = soup_message_get_uri(message);
    g_autoptr(GSocketConnectable) identity =
        g_network_address_new(g_uri_get_host(uri), static_cast<guint16>(g_uri_get_port(uri)));
    const GTlsCertificateFlags problems = g_tls_database_verify_chain(
        self->extra_ca, certificate, G_TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER, identity, nullptr,
        G_TLS_DATABASE_VERIFY_NONE, nullptr, nullptr);
    return problems == 0;
  }

  static void on_connected(GObject *session, GAsyncResult *result, gpointer self_ptr) {
    g_autoptr(GError) error = nullptr;
    SoupWebsocketConnection *socket =
        soup_session_websocket_connect_finish(SOUP_SESSION(session), result, &error);
    if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) return;
    auto *self = static_cast<Impl *>(self_ptr);
    if (socket == nullptr) {
      ++self->failed_attempts;
      const std::string reason =
          "cannot connect to " + self->config.uri + ": " + (error ? error->message : "unknown");
      const int limit =
          self->connects == 0 ? self->config.max_initial_attempts : self->config.max_attempts;
      if (limit >= 0 && self->failed_attempts >= static_cast<unsigned>(limit)) {
        return self->fail(reason);
      }
      if (self->callbacks.on_disconnected) self->callbacks.on_disconnected(reason);
      return self->schedule_retry();
    }
    self->socket = socket;
    self->failed_attempts = 0;
    self->missed_pongs = 0;
    soup_websocket_connection_set_max_incoming_payload_size(socket, 16 * 1024 * 1024);
    g_signal_connect(socket, "message", G_CALLBACK(on_message), self);
    g_signal_connect(socket, "closed", G_CALLBACK(on_closed), self);
    self->ping_timer = self->start_timer(self->config.ping_interval_ms, on_ping_timer);
    const bool reconnected = ++self->connects > 1;
    if (self->callbacks.on_connected) self->callbacks.on_connected(reconnected);
    self->flush();
  }

  static void on_message(SoupWebsocketConnection *, gint type, GBytes *bytes, gpointer self_ptr) {
    auto *self = static_cast<Impl *>(self_ptr);
    if (type != SOUP_WEBSOCKET_DATA_TEXT) return;
    gsize size = 0;
    const auto *data = static_cast<const char *>(g_bytes_get_data(bytes, &size));
    proto::Decoded decoded = proto::decode(std::string_view(data, size));
    if (!decoded) return;  // not ours to judge; a newer server may say more
    if (std::holds_alternative<proto::Pong>(decoded.message())) {
      self->missed_pongs = 0;
      return;
    }
    if (self->callbacks.on_message) self->callbacks.on_message(decoded.message());
  }

  static void on_closed(SoupWebsocketConnection *socket, gpointer self_ptr) {
    auto *self = static_cast<Impl *>(self_ptr);
    const unsigned code = soup_websocket_connection_get_close_code(socket);
    self->lost("the server closed the connection (code " + std::to_string(code) + ")");
  }

  static gboolean on_ping_timer(gpointer self_ptr) {
    auto *self = static_cast<Impl *>(self_ptr);
    if (self->missed_pongs >= self->config.max_missed_pongs) {
      release_fired_timer(&self->ping_timer);
      self->lost("no pong for " + std::to_string(self->missed_pongs) + " pings");
      return G_SOURCE_REMOVE;
    }
    ++self->missed_pongs;
    soup_websocket_connection_send_text(self->socket, R"({"command":"ping"})");
    return G_SOURCE_CONTINUE;
  }

  // The open socket is gone: forget it and what was queued for it, retry.
  void lost(const std::string &reason) {
    stop_timer(&ping_timer);
    drop_socket();
    {
      std::lock_guard<std::mutex> lock(queue_mutex);
      queue.clear();
    }
    if (!config.reconnect) return fail(reason);
    if (callbacks.on_disconnected) callbacks.on_disconnected(reason);
    schedule_retry();
  }

  void drop_socket() {
    if (socket == nullptr) return;
    g_signal_handlers_disconnect_by_data(socket, this);
    if (soup_websocket_connection_get_state(socket) == SOUP_WEBSOCKET_STATE_OPEN) {
      soup_websocket_connection_close(socket, SOUP_WEBSOCKET_CLOSE_NORMAL, nullptr);
    }
    g_clear_object(&socket);
  }

  void schedule_retry() {
    if (stopped) return;
    const unsigned shift = std::min(failed_attempts, 16u);
    const unsigned delay =
        std::min<unsigned>(config.max_backoff_ms, config.initial_backoff_ms << shift);
    stop_timer(&retry_timer);
    retry_timer = start_timer(delay, [](gpointer self_ptr) -> gboolean {
      auto *self = static_cast<Impl *>(self_ptr);
      release_fired_timer(&self->retry_timer);
      self->connect();
      return G_SOURCE_REMOVE;
    });
  }

  void fail(const std::string &error) {
    if (callbacks.on_failed) callbacks.on_failed(error);
  }

  void flush() {
    if (socket == nullptr ||
        soup_websocket_connection_get_state(socket) != SOUP_WEBSOCKET_STATE_OPEN) {
      return;
    }
    std::deque<std::string> ready;
    {
      std::lock_guard<std::mutex> lock(queue_mutex);
      ready.swap(queue);
    }
    for (const std::string &text : ready) soup_websocket_connection_send_text(socket, text.c_str());
  }

  GSource *start_timer(unsigned ms, GSourceFunc callback) {
    GSource *source = g_timeout_source_new(ms);
    g_source_set_callback(source, callback, this, nullptr);
    g_source_attach(source, context);
    return source;
  }

  // For a timer whose callback is returning G_SOURCE_REMOVE: the context
  // lets go of it by itself; we drop our own reference.
  static void release_fired_timer(GSource **source) {
    g_source_unref(*source);
    *source = nullptr;
  }

  static void stop_timer(GSource **source) {
    if (*source == nullptr) return;
    g_source_destroy(*source);
    g_source_unref(*source);
    *source = nullptr;
  }
};

SignalingClient::SignalingClient(ClientConfig config, ClientCallbacks callbacks)
    : impl_(std::make_unique<Impl>()) {
  impl_->config = std::move(config);
  impl_->callbacks = std::move(callbacks);
}

SignalingClient::~SignalingClient() { stop(); }

bool SignalingClient::start() {
  if (impl_->thread != nullptr) return true;
  g_autoptr(GUri) uri = g_uri_parse(impl_->config.uri.c_str(), G_URI_FLAGS_NONE, nullptr);
  const char *scheme = uri != nullptr ? g_uri_get_scheme(uri) : nullptr;
  if (scheme == nullptr ||
      (g_ascii_strcasecmp(scheme, "ws") != 0 && g_ascii_strcasecmp(scheme, "wss") != 0)) {
    return false;
  }
  impl_->stopped = false;
  impl_->context = g_main_context_new();
  impl_->loop = g_main_loop_new(impl_->context, FALSE);
  impl_->running = true;
  impl_->thread = g_thread_new("amsrtc-signal", Impl::run, impl_.get());
  return true;
}

void SignalingClient::send(protocol::Message message) {
  if (!impl_->running || impl_->stopped) return;
  std::string text = protocol::encode(message);
  {
    std::lock_guard<std::mutex> lock(impl_->queue_mutex);
    impl_->queue.push_back(std::move(text));
  }
  g_main_context_invoke(
      impl_->context,
      [](gpointer self_ptr) -> gboolean {
        static_cast<Impl *>(self_ptr)->flush();
        return G_SOURCE_REMOVE;
      },
      impl_.get());
}

void SignalingClient::stop() {
  if (impl_->thread == nullptr) return;
  impl_->stopped = true;
  g_main_context_invoke(
      impl_->context,
      [](gpointer self_ptr) -> gboolean {
        auto *self = static_cast<Impl *>(self_ptr);
        self->drop_socket();  // sends the close frame before the loop ends
        g_main_loop_quit(self->loop);
        return G_SOURCE_REMOVE;
      },
      impl_.get());
  g_thread_join(impl_->thread);
  impl_->thread = nullptr;
  impl_->running = false;
  g_main_loop_unref(impl_->loop);
  impl_->loop = nullptr;
  g_main_context_unref(impl_->context);
  impl_->context = nullptr;
}

unsigned SignalingClient::connect_count() const { return impl_->connects; }

}  // namespace amsrtc::client
