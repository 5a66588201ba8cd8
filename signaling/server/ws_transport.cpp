#include "ws_transport.h"

#include <glib-unix.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "amsrtc-server"

namespace amsrtc::server {

namespace {
constexpr gint64 kCloseGraceUs = 2 * G_USEC_PER_SEC;
constexpr std::size_t kReadChunk = 64 * 1024;
}  // namespace

struct WsTransport::Connection {
  ConnectionId id;
  GIOStream *stream;  // owned
  GPollableInputStream *input;
  GPollableOutputStream *output;
  int fd;
  std::string in;            // received, not yet parsed
  std::string out;           // queued for the socket
  std::size_t out_sent = 0;  // bytes of `out` already written
  std::string message;       // a fragmented message being reassembled
  Opcode message_opcode = Opcode::kText;
  bool fragmented = false;
  bool writable_watch = false;
  bool dirty = false;
  bool close_sent = false;
  bool close_received = false;
  bool finished = false;
  uint16_t close_code = kCloseAbnormal;
  gint64 close_deadline = 0;
};

WsTransport::WsTransport(Callbacks callbacks, Limits limits)
    : callbacks_(std::move(callbacks)), limits_(limits), epoll_fd_(epoll_create1(EPOLL_CLOEXEC)) {
  epoll_source_ = g_unix_fd_add(epoll_fd_, G_IO_IN, on_epoll_ready, this);
}

WsTransport::~WsTransport() {
  if (epoll_source_ != 0) g_source_remove(epoll_source_);
  if (grace_timer_ != 0) g_source_remove(grace_timer_);
  for (auto &[id, c] : connections_) {
    g_io_stream_close(c->stream, nullptr, nullptr);
    g_object_unref(c->stream);
  }
  ::close(epoll_fd_);
}

void WsTransport::adopt(ConnectionId id, GIOStream *stream, int fd) {
  auto c = std::make_unique<Connection>();
  c->id = id;
  c->stream = stream;
  c->input = G_POLLABLE_INPUT_STREAM(g_io_stream_get_input_stream(stream));
  c->output = G_POLLABLE_OUTPUT_STREAM(g_io_stream_get_output_stream(stream));
  c->fd = fd;
  // Signaling is many small messages that should leave at once; Nagle's
  // algorithm would hold them back until the previous one is acknowledged.
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  epoll_event event{};
  event.events = EPOLLIN | EPOLLRDHUP;
  event.data.u64 = id;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event);
  Connection &ref = *c;
  connections_[id] = std::move(c);
  // The client may have sent frames right behind its handshake; they can sit
  // in libsoup's input buffer, where epoll cannot see them.
  dispatching_ = true;
  read_from(ref);
  dispatching_ = false;
  for (Connection *dirty : std::exchange(dirty_, {})) flush(*dirty);
  reap();
}

WsTransport::Connection *WsTransport::find(ConnectionId id) const {
  auto it = connections_.find(id);
  return it == connections_.end() || it->second->finished ? nullptr : it->second.get();
}

bool WsTransport::is_open(ConnectionId id) const {
  const Connection *c = find(id);
  return c != nullptr && !c->close_sent;
}

gboolean WsTransport::on_epoll_ready(gint, GIOCondition, gpointer self) {
  static_cast<WsTransport *>(self)->dispatch();
  return G_SOURCE_CONTINUE;
}

void WsTransport::dispatch() {
  epoll_event events[512];
  const int count = epoll_wait(epoll_fd_, events, 512, 0);
  dispatching_ = true;
  for (int i = 0; i < count; ++i) {
    Connection *c = find(events[i].data.u64);
    if (c == nullptr) continue;
    if (events[i].events & EPOLLOUT) flush(*c);
    if (!c->finished && (events[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) {
      read_from(*c);
    }
  }
  dispatching_ = false;
  // One write per socket for everything queued while reading.
  for (Connection *c : std::exchange(dirty_, {})) flush(*c);
  reap();
}

void WsTransport::read_from(Connection &c) {
  char buffer[kReadChunk];
  for (;;) {
    g_autoptr(GError) error = nullptr;
    const gssize n =
        g_pollable_input_stream_read_nonblocking(c.input, buffer, sizeof(buffer), nullptr, &error);
    if (n > 0) {
      c.in.append(buffer, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) break;
    // EOF or an error: whatever arrived is still handled, then it is gone.
    handle_frames(c);
    if (!c.finished) fail(c, c.close_received ? c.close_code : kCloseAbnormal);
    return;
  }
  handle_frames(c);
}

void WsTransport::handle_frames(Connection &c) {
  std::size_t at = 0;
  while (!c.finished && at < c.in.size()) {
    Frame frame;
    CloseCode error_code = kCloseProtocolError;
    const ParseResult result = parse_client_frame(c.in.data() + at, c.in.size() - at,
                                                  limits_.max_message_bytes, frame, error_code);
    if (result == ParseResult::kNeedMore) break;
    if (result == ParseResult::kError) {
      close(c.id, error_code,
            error_code == kCloseTooBig ? "message too big" : "WebSocket protocol error");
      c.in.clear();
      return;
    }
    handle_frame(c, frame);
    at += frame.size;
  }
  c.in.erase(0, at);
}

void WsTransport::handle_frame(Connection &c, const Frame &frame) {
  switch (frame.opcode) {
    case Opcode::kPing:
      queue_frame(c, Opcode::kPong, frame.payload);
      return;
    case Opcode::kPong:
      return;
    case Opcode::kClose: {
      c.close_received = true;
      const uint16_t peer_code =
          frame.payload.size() >= 2
              ? static_cast<uint16_t>((static_cast<unsigned char>(frame.payload[0]) << 8) |
                                      static_cast<unsigned char>(frame.payload[1]))
              : kCloseNoStatus;
      if (c.close_sent) {
        // The peer answered our close: done once our frame is written.
        if (c.out_sent == c.out.size()) fail(c, c.close_code);
        return;
      }
      // The peer closes: echo its code; done once that is written (flush()).
      c.close_code = peer_code;
      c.close_sent = true;
      append_server_frame(
          c.out, Opcode::kClose,
          close_payload(peer_code == kCloseNoStatus ? kCloseNormal : peer_code, {}));
      mark_dirty(c);
      return;
    }
    default:
      break;
  }
  if (c.close_sent) return;  // data after our close frame is ignored (§5.5.1)
  if (frame.opcode == Opcode::kContinuation) {
    if (!c.fragmented) return close(c.id, kCloseProtocolError, "unexpected continuation frame");
    if (c.message.size() + frame.payload.size() > limits_.max_message_bytes) {
      return close(c.id, kCloseTooBig, "message too big");
    }
    c.message.append(frame.payload);
    if (frame.fin) {
      c.fragmented = false;
      std::string message = std::move(c.message);
      c.message.clear();
      deliver(c, c.message_opcode, message);
    }
    return;
  }
  if (c.fragmented) return close(c.id, kCloseProtocolError, "expected a continuation frame");
  if (!frame.fin) {
    c.fragmented = true;
    c.message_opcode = frame.opcode;
    c.message.assign(frame.payload);
    return;
  }
  deliver(c, frame.opcode, frame.payload);
}

void WsTransport::deliver(Connection &c, Opcode opcode, std::string_view payload) {
  if (opcode == Opcode::kText) {
    if (!g_utf8_validate_len(payload.data(), payload.size(), nullptr)) {
      return close(c.id, kCloseInvalidData, "text message is not UTF-8");
    }
    if (callbacks_.on_text) callbacks_.on_text(c.id, payload);
  } else if (callbacks_.on_binary) {
    callbacks_.on_binary(c.id);
  }
}

void WsTransport::queue_frame(Connection &c, Opcode opcode, std::string_view payload) {
  if (c.out.size() - c.out_sent > limits_.max_pending_output) {
    g_warning("[conn %" G_GUINT64_FORMAT "] not reading its messages (%zu bytes queued): dropped",
              c.id, c.out.size() - c.out_sent);
    return fail(c, kCloseAbnormal);
  }
  append_server_frame(c.out, opcode, payload);
  mark_dirty(c);
}

void WsTransport::mark_dirty(Connection &c) {
  if (!dispatching_) {
    flush(c);
    reap();
    return;
  }
  if (!c.dirty) {
    c.dirty = true;
    dirty_.push_back(&c);
  }
}

void WsTransport::send_text(ConnectionId id, std::string_view text) {
  Connection *c = find(id);
  if (c == nullptr || c->close_sent) return;
  queue_frame(*c, Opcode::kText, text);
}

void WsTransport::close(ConnectionId id, uint16_t code, std::string_view reason) {
  Connection *c = find(id);
  if (c == nullptr || c->close_sent) return;
  c->close_sent = true;
  c->close_code = code;
  c->close_deadline = g_get_monotonic_time() + kCloseGraceUs;
  if (grace_timer_ == 0) {
    grace_timer_ = g_timeout_add(
        250,
        [](gpointer self_ptr) -> gboolean {
          auto *self = static_cast<WsTransport *>(self_ptr);
          const gint64 now = g_get_monotonic_time();
          bool closing = false;
          for (auto &[id, conn] : self->connections_) {
            if (conn->finished || !conn->close_sent || conn->close_received) continue;
            if (now >= conn->close_deadline) {
              self->fail(*conn, conn->close_code);
            } else {
              closing = true;
            }
          }
          self->reap();
          if (closing) return G_SOURCE_CONTINUE;
          self->grace_timer_ = 0;
          return G_SOURCE_REMOVE;
        },
        this);
  }
  // Not through queue_frame(): the close frame must go out even to a peer
  // that is far behind, and close_sent already blocks further data.
  append_server_frame(c->out, Opcode::kClose, close_payload(code, reason));
  mark_dirty(*c);
}

void WsTransport::flush(Connection &c) {
  c.dirty = false;
  while (!c.finished && c.out_sent < c.out.size()) {
    g_autoptr(GError) error = nullptr;
    const gssize n = g_pollable_output_stream_write_nonblocking(
        c.output, c.out.data() + c.out_sent, c.out.size() - c.out_sent, nullptr, &error);
    if (n < 0) {
      if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
        want_writable(c, true);
      } else {
        fail(c, kCloseAbnormal);
      }
      return;
    }
    c.out_sent += static_cast<std::size_t>(n);
  }
  if (c.finished) return;
  c.out.clear();
  c.out_sent = 0;
  want_writable(c, false);
  // Both close frames exchanged and ours is on the wire: done.
  if (c.close_sent && c.close_received) fail(c, c.close_code);
}

void WsTransport::want_writable(Connection &c, bool writable) {
  if (c.writable_watch == writable) return;
  c.writable_watch = writable;
  epoll_event event{};
  event.events = EPOLLIN | EPOLLRDHUP | (writable ? uint32_t{EPOLLOUT} : 0u);
  event.data.u64 = c.id;
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &event);
}

void WsTransport::fail(Connection &c, uint16_t code) {
  if (c.finished) return;
  c.finished = true;
  c.close_code = code;
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c.fd, nullptr);
  finished_.push_back(c.id);
}

void WsTransport::reap() {
  if (dispatching_) return;
  while (!finished_.empty()) {
    // Callbacks below may queue messages to other connections: batch them
    // like a dispatch does, then write.
    dispatching_ = true;
    for (const ConnectionId id : std::exchange(finished_, {})) {
      auto it = connections_.find(id);
      if (it == connections_.end()) continue;
      std::unique_ptr<Connection> c = std::move(it->second);
      connections_.erase(it);
      dirty_.erase(std::remove(dirty_.begin(), dirty_.end(), c.get()), dirty_.end());
      g_io_stream_close(c->stream, nullptr, nullptr);
      g_object_unref(c->stream);
      if (callbacks_.on_closed) callbacks_.on_closed(id, c->close_code);
    }
    dispatching_ = false;
    for (Connection *c : std::exchange(dirty_, {})) flush(*c);
  }
}

}  // namespace amsrtc::server
