// The WebSocket client the elements use to talk to an Ant Media compatible
// server (amsrtc-server or a real AMS): one socket carrying any number of
// sessions (stream ids), kept alive with the protocol's ping/pong and
// re-opened with exponential backoff when it drops.
//
// Threads: the client runs its own thread with its own GMainContext, which
// owns every libsoup object. start(), send() and stop() may be called from
// any thread; every callback runs on the client's thread, so a callback
// must not block and must not call stop(). Knows nothing of webrtcbin.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "signaling/protocol/messages.h"

namespace amsrtc::client {

struct ClientConfig {
  std::string uri;      // ws://host:port/app/websocket or wss://...
  std::string ca_file;  // PEM file of extra trusted CAs (system CAs are always trusted)
  unsigned ping_interval_ms = 3000;
  unsigned max_missed_pongs = 3;  // then the socket counts as dead and is re-opened
  unsigned initial_backoff_ms = 500;
  unsigned max_backoff_ms = 10000;
  int max_attempts = -1;  // consecutive failed connects before giving up; -1 = never
  bool reconnect = true;  // false: a connection lost after it was open is a failure
  // The same limit before the first successful connect: a server that was
  // never reachable is reported fast, one that drops is retried patiently.
  int max_initial_attempts = -1;
};

struct ClientCallbacks {
  // The socket is open. `reconnected` is true after a drop: the server has
  // forgotten every session of the old socket, so re-join / re-publish.
  std::function<void(bool reconnected)> on_connected;
  // A message from the server (pongs are consumed by the keepalive).
  std::function<void(const protocol::Message &)> on_message;
  // The socket dropped (or a connect failed); a retry is scheduled.
  std::function<void(const std::string &reason)> on_disconnected;
  // Gave up: a bad URI, max_attempts failures in a row, or (reconnect off)
  // the connection was lost. Says why.
  std::function<void(const std::string &error)> on_failed;
};

class SignalingClient {
 public:
  SignalingClient(ClientConfig config, ClientCallbacks callbacks);
  ~SignalingClient();  // stop()s
  SignalingClient(const SignalingClient &) = delete;
  SignalingClient &operator=(const SignalingClient &) = delete;

  // Starts the thread and the first connect. Returns false (and calls
  // nothing) if the URI is not ws:// or wss://.
  bool start();
  // Queues a message; messages go out in order once the socket is open.
  // Messages queued when the socket drops are discarded: after a reconnect
  // the sessions are re-established from scratch (on_connected(true)).
  void send(protocol::Message message);
  // Closes the socket (code 1000) and joins the thread. Idempotent.
  void stop();

  // For tests and logs: how many times a connect succeeded.
  unsigned connect_count() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace amsrtc::client
