#include "ws_client.h"

namespace amsrtc::testing {

WsClient::WsClient()
    : session_(
          soup_session_new_with_options("max-conns", 1000, "max-conns-per-host", 1000, nullptr)),
      cancellable_(g_cancellable_new()) {}

WsClient::~WsClient() {
  g_cancellable_cancel(cancellable_);
  if (socket_ != nullptr) {
    g_signal_handlers_disconnect_by_data(socket_, this);
    if (soup_websocket_connection_get_state(socket_) == SOUP_WEBSOCKET_STATE_OPEN) {
      soup_websocket_connection_close(socket_, 1000, nullptr);
    }
    g_object_unref(socket_);
  }
  g_object_unref(cancellable_);
  g_object_unref(session_);
}

void WsClient::trust_ca_file(const std::string &pem_file) {
  g_autoptr(GError) error = nullptr;
  g_autoptr(GTlsDatabase) database = g_tls_file_database_new(pem_file.c_str(), &error);
  if (database == nullptr) {
    ADD_FAILURE() << "cannot load " << pem_file << ": " << error->message;
    return;
  }
  soup_session_set_tls_database(session_, database);
}

void WsClient::connect(const std::string &url) {
  SoupMessage *message = soup_message_new(SOUP_METHOD_GET, url.c_str());
  if (message == nullptr) {
    failed_ = true;
    error_ = "bad URL " + url;
    return;
  }
  soup_session_websocket_connect_async(session_, message, nullptr, nullptr, G_PRIORITY_DEFAULT,
                                       cancellable_, on_connected, this);
  g_object_unref(message);
}

bool WsClient::connect_and_wait(const std::string &url, unsigned timeout_ms) {
  connect(url);
  if (!wait_until([this] { return socket_ != nullptr || failed_; }, timeout_ms) || failed_) {
    ADD_FAILURE() << "cannot connect to " << url << ": " << error_;
    return false;
  }
  return true;
}

void WsClient::on_connected(GObject *session, GAsyncResult *result, gpointer self_ptr) {
  GError *error = nullptr;
  SoupWebsocketConnection *socket =
      soup_session_websocket_connect_finish(SOUP_SESSION(session), result, &error);
  if (socket == nullptr) {
    if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      auto *self = static_cast<WsClient *>(self_ptr);
      self->failed_ = true;
      self->error_ = error->message;
    }
    g_error_free(error);
    return;
  }
  auto *self = static_cast<WsClient *>(self_ptr);
  self->socket_ = socket;
  soup_websocket_connection_set_max_incoming_payload_size(socket, 64 * 1024 * 1024);
  g_signal_connect(socket, "message", G_CALLBACK(on_message), self);
  g_signal_connect(socket, "closed", G_CALLBACK(on_closed), self);
}

void WsClient::on_message(SoupWebsocketConnection *, gint, GBytes *bytes, gpointer self_ptr) {
  auto *self = static_cast<WsClient *>(self_ptr);
  gsize size = 0;
  const auto *data = static_cast<const char *>(g_bytes_get_data(bytes, &size));
  std::string text(data, size);
  protocol::Decoded decoded = protocol::decode(text);
  self->received_.push_back(Received{std::move(text), g_get_monotonic_time(), std::move(decoded)});
}

void WsClient::on_closed(SoupWebsocketConnection *socket, gpointer self_ptr) {
  auto *self = static_cast<WsClient *>(self_ptr);
  self->closed_ = true;
  self->close_code_ = soup_websocket_connection_get_close_code(socket);
}

void WsClient::send(const std::string &text) {
  if (!connected()) {
    ADD_FAILURE() << "send on a socket that is not open: " << text.substr(0, 100);
    return;
  }
  soup_websocket_connection_send_text(socket_, text.c_str());
}

void WsClient::close(int code) {
  if (connected()) soup_websocket_connection_close(socket_, static_cast<gushort>(code), nullptr);
}

bool WsClient::wait_for_count(std::size_t n, unsigned timeout_ms) {
  return wait_until([&] { return received_.size() >= n; }, timeout_ms);
}

bool WsClient::wait_closed(unsigned timeout_ms) {
  return wait_until([&] { return closed_; }, timeout_ms);
}

}  // namespace amsrtc::testing
