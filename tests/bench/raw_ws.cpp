#include "raw_ws.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace amsrtc::bench {
namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

long raise_fd_limit() {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  getrlimit(RLIMIT_NOFILE, &limit);
  return static_cast<long>(limit.rlim_cur);
}

RawWsLoop::RawWsLoop() : epoll_fd_(epoll_create1(EPOLL_CLOEXEC)) {}

RawWsLoop::~RawWsLoop() {
  close_all();
  close(epoll_fd_);
}

bool RawWsLoop::start_connect(int port, const std::string &path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof(address)) != 0 &&
      errno != EINPROGRESS) {
    close(fd);
    return false;
  }
  RawWs ws;
  ws.fd = fd;
  ws.index = sockets_.size();
  // A fixed key is fine: we do not check Sec-WebSocket-Accept, only 101.
  ws.out = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
           "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  sockets_.push_back(std::move(ws));
  epoll_event event{};
  event.events = EPOLLIN | EPOLLOUT | EPOLLET;
  event.data.u64 = sockets_.back().index;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event);
  return true;
}

std::size_t RawWsLoop::connect_all(int port, const std::string &path, std::size_t count,
                                   std::size_t batch, int timeout_ms) {
  sockets_.reserve(sockets_.size() + count);
  const int64_t deadline = now_ms() + timeout_ms;
  std::size_t opened = 0;
  while (sockets_.size() < count && now_ms() < deadline) {
    const std::size_t first = sockets_.size();
    const std::size_t last = std::min(count, first + batch);
    for (std::size_t i = first; i < last; ++i) start_connect(port, path);
    run(
        [&] {
          for (std::size_t i = first; i < sockets_.size(); ++i) {
            if (!sockets_[i].open && !sockets_[i].failed) return false;
          }
          return true;
        },
        static_cast<int>(deadline - now_ms()));
  }
  for (const RawWs &ws : sockets_) opened += ws.open ? 1 : 0;
  return opened;
}

void RawWsLoop::send_text(std::size_t socket, std::string_view text) {
  RawWs &ws = sockets_[socket];
  if (!ws.open) return;
  // Client frames must be masked; an all-zero key is valid and leaves the
  // payload as it is, so the client spends nothing on masking.
  char header[14];
  std::size_t length = 0;
  header[length++] = static_cast<char>(0x81);  // FIN + text
  const std::size_t size = text.size();
  if (size < 126) {
    header[length++] = static_cast<char>(0x80 | size);
  } else if (size < 65536) {
    header[length++] = static_cast<char>(0x80 | 126);
    header[length++] = static_cast<char>(size >> 8);
    header[length++] = static_cast<char>(size & 0xff);
  } else {
    header[length++] = static_cast<char>(0x80 | 127);
    for (int shift = 56; shift >= 0; shift -= 8)
      header[length++] = static_cast<char>(size >> shift);
  }
  for (int i = 0; i < 4; ++i) header[length++] = 0;
  ws.out.append(header, length);
  ws.out.append(text);
  flush(ws);
}

void RawWsLoop::flush(RawWs &ws) {
  while (ws.out_sent < ws.out.size()) {
    const ssize_t n = write(ws.fd, ws.out.data() + ws.out_sent, ws.out.size() - ws.out_sent);
    if (n < 0) {
      if (errno != EAGAIN && errno != ENOTCONN) ws.failed = true;
      return;  // EPOLLOUT (edge-triggered) brings us back
    }
    ws.out_sent += static_cast<std::size_t>(n);
  }
  ws.out.clear();
  ws.out_sent = 0;
}

void RawWsLoop::handle_writable(RawWs &ws) { flush(ws); }

void RawWsLoop::handle_readable(RawWs &ws) {
  char buffer[65536];
  for (;;) {
    const ssize_t n = read(ws.fd, buffer, sizeof(buffer));
    if (n > 0) {
      ws.in.append(buffer, static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0 || (errno != EAGAIN && errno != EINTR)) ws.failed = true;
    break;
  }
  if (!ws.open) {
    const auto end = ws.in.find("\r\n\r\n");
    if (end == std::string::npos) return;
    if (ws.in.compare(0, 12, "HTTP/1.1 101") != 0) {
      ws.failed = true;
      return;
    }
    ws.in.erase(0, end + 4);
    ws.open = true;
  }
  std::size_t at = 0;
  while (ws.in.size() - at >= 2) {
    const auto *p = reinterpret_cast<const unsigned char *>(ws.in.data() + at);
    const int opcode = p[0] & 0x0f;
    uint64_t length = p[1] & 0x7f;
    std::size_t header = 2;
    if (length == 126) {
      if (ws.in.size() - at < 4) break;
      length = (uint64_t{p[2]} << 8) | p[3];
      header = 4;
    } else if (length == 127) {
      if (ws.in.size() - at < 10) break;
      length = 0;
      for (int i = 0; i < 8; ++i) length = (length << 8) | p[2 + i];
      header = 10;
    }
    if (ws.in.size() - at < header + length) break;
    const std::string_view payload(ws.in.data() + at + header, length);
    if (opcode == 0x1 && on_text_) on_text_(ws.index, payload);
    if (opcode == 0x8) ws.failed = true;  // server closed
    at += header + length;
  }
  ws.in.erase(0, at);
}

void RawWsLoop::run(const std::function<bool()> &until, int timeout_ms) {
  const int64_t deadline = now_ms() + timeout_ms;
  epoll_event events[256];
  while (!until()) {
    const int64_t left = deadline - now_ms();
    if (left <= 0) return;
    const int n =
        epoll_wait(epoll_fd_, events, 256, static_cast<int>(std::min<int64_t>(left, tick_ms_)));
    for (int i = 0; i < n; ++i) {
      RawWs &ws = sockets_[events[i].data.u64];
      if (events[i].events & (EPOLLERR | EPOLLHUP)) ws.failed = true;
      if (events[i].events & EPOLLOUT) handle_writable(ws);
      if (events[i].events & EPOLLIN) handle_readable(ws);
    }
  }
}

void RawWsLoop::close_all() {
  for (RawWs &ws : sockets_) {
    if (ws.fd >= 0) close(ws.fd);
    ws.fd = -1;
    ws.open = false;
  }
  sockets_.clear();
}

}  // namespace amsrtc::bench
