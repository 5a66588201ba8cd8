// The WebSocket connections of amsrtc-server, after libsoup's SoupServer has
// done the HTTP upgrade and handed the connection over.
//
// Why not SoupWebsocketConnection: measured at 1,000 sockets it spent
// ~28 us of CPU per relayed message before our code ran at all (a GSource
// created and destroyed on every read, 1 KiB reads, one write per frame),
// half the throughput of a 40-line Node relay. Here all sockets share one
// epoll set behind a single GSource; each dispatch reads every ready socket
// once, handles every frame, and writes each socket's queued output with one
// call, however many messages it holds.
//
// Runs on the thread-default main context of the thread that creates it.
// Callbacks may call send_text()/close() on any connection, including the
// one being read; a connection is only destroyed between dispatches.
#pragma once

#include <gio/gio.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "outbox.h"
#include "ws_frames.h"

namespace amsrtc::server {

class WsTransport {
 public:
  struct Callbacks {
    std::function<void(ConnectionId, std::string_view)> on_text;  // one complete text message
    std::function<void(ConnectionId)> on_binary;                  // one complete binary message
    std::function<void(ConnectionId, uint16_t code)> on_closed;   // gone; 1006 if it just dropped
  };
  struct Limits {
    uint64_t max_message_bytes;      // larger messages close the connection with 1009
    std::size_t max_pending_output;  // a reader this far behind is dropped
  };

  WsTransport(Callbacks callbacks, Limits limits);
  ~WsTransport();
  WsTransport(const WsTransport &) = delete;
  WsTransport &operator=(const WsTransport &) = delete;

  // Takes over a connection whose 101 response was written. `stream`
  // (transfer full) is what SoupServer handed over; `fd` its socket.
  void adopt(ConnectionId id, GIOStream *stream, int fd);

  void send_text(ConnectionId id, std::string_view text);
  // Starts the closing handshake; the connection is gone when the peer
  // answers or after a 2 s grace period.
  void close(ConnectionId id, uint16_t code, std::string_view reason);
  bool is_open(ConnectionId id) const;
  std::size_t size() const { return connections_.size(); }

 private:
  struct Connection;

  static gboolean on_epoll_ready(gint fd, GIOCondition condition, gpointer self);
  void dispatch();
  void read_from(Connection &c);
  void handle_frames(Connection &c);
  void handle_frame(Connection &c, const Frame &frame);
  void deliver(Connection &c, Opcode opcode, std::string_view payload);
  void queue_frame(Connection &c, Opcode opcode, std::string_view payload);
  void mark_dirty(Connection &c);  // write now, or at the end of this dispatch
  void flush(Connection &c);
  void want_writable(Connection &c, bool writable);
  void fail(Connection &c, uint16_t code);  // no handshake: the connection is dropped
  void reap();                              // destroys finished connections
  Connection *find(ConnectionId id) const;

  Callbacks callbacks_;
  Limits limits_;
  int epoll_fd_;
  guint epoll_source_ = 0;
  guint grace_timer_ = 0;
  bool dispatching_ = false;
  std::unordered_map<ConnectionId, std::unique_ptr<Connection>> connections_;
  std::vector<Connection *> dirty_;  // output queued during this dispatch
  std::vector<ConnectionId> finished_;
};

}  // namespace amsrtc::server
