// A WebSocket test client (libsoup 3) that records every frame it receives,
// with the time it arrived, so tests can assert on exactly what a socket
// got. Runs on the thread-default main context of the thread creating it.
#pragma once

#include <libsoup/soup.h>

#include <cstdint>
#include <string>
#include <vector>

#include "signaling/protocol/codec.h"

namespace amsrtc::testing {

struct Received {
  std::string text;
  int64_t monotonic_us;
  protocol::Decoded decoded;
};

class WsClient {
 public:
  WsClient();
  ~WsClient();
  WsClient(const WsClient &) = delete;
  WsClient &operator=(const WsClient &) = delete;

  // Trusts the CA certificates in `pem_file` (for wss:// with a test CA).
  void trust_ca_file(const std::string &pem_file);
  // Starts connecting; connected() / failed() tell how it went.
  void connect(const std::string &url);
  // connect() and wait up to `timeout_ms`; false (with a test failure) if
  // the socket did not open.
  bool connect_and_wait(const std::string &url, unsigned timeout_ms = 5000);

  bool connected() const { return socket_ != nullptr && !closed_; }
  bool failed() const { return failed_; }
  bool closed() const { return closed_; }
  int close_code() const { return close_code_; }

  void send(const std::string &text);
  void send(const protocol::Message &message) { send(protocol::encode(message)); }
  void close(int code = 1000);

  const std::vector<Received> &received() const { return received_; }
  std::size_t count() const { return received_.size(); }
  // Waits until at least `n` frames arrived in total.
  bool wait_for_count(std::size_t n, unsigned timeout_ms = 5000);
  // Waits until the socket closed.
  bool wait_closed(unsigned timeout_ms = 5000);
  // Waits for the next frame whose decoded message is a T (after index
  // `from`), returning it; fails the test if none comes in time.
  template <typename T>
  T wait_for(unsigned timeout_ms = 5000, std::size_t *from = nullptr);
  // Decoded messages of type T received so far.
  template <typename T>
  std::vector<T> all() const;

 private:
  static void on_connected(GObject *session, GAsyncResult *result, gpointer self);
  static void on_message(SoupWebsocketConnection *, gint type, GBytes *bytes, gpointer self);
  static void on_closed(SoupWebsocketConnection *, gpointer self);

  SoupSession *session_ = nullptr;
  SoupWebsocketConnection *socket_ = nullptr;
  GCancellable *cancellable_ = nullptr;
  bool failed_ = false;
  bool closed_ = false;
  int close_code_ = 0;
  std::string error_;
  std::vector<Received> received_;
  std::size_t cursor_ = 0;  // for wait_for without `from`
};

}  // namespace amsrtc::testing

#include "ws_client_inl.h"
