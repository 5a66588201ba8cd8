// WebSocket framing (RFC 6455 §5) for the server side: parse the masked
// frames clients send, write the unmasked frames a server sends. Pure: no
// I/O. ws_transport.cpp uses it; unit tests and the fuzzer drive it alone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace amsrtc::server {

enum class Opcode : uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

// Close codes (RFC 6455 §7.4.1).
using CloseCode = uint16_t;
constexpr CloseCode kCloseNormal = 1000;
constexpr CloseCode kCloseGoingAway = 1001;
constexpr CloseCode kCloseProtocolError = 1002;
constexpr CloseCode kCloseNoStatus = 1005;     // never sent: "the peer gave no code"
constexpr CloseCode kCloseAbnormal = 1006;     // never sent: "the connection just dropped"
constexpr CloseCode kCloseInvalidData = 1007;  // text that is not UTF-8
constexpr CloseCode kClosePolicyViolation = 1008;
constexpr CloseCode kCloseTooBig = 1009;

struct Frame {
  bool fin = false;
  Opcode opcode = Opcode::kText;
  std::string_view payload;  // unmasked, points into the parse buffer
  std::size_t size = 0;      // header + payload bytes consumed
};

enum class ParseResult {
  kFrame,     // `frame` holds one complete frame
  kNeedMore,  // not enough bytes yet
  kError,     // protocol violation; close with `error_code`
};

// Parses one client frame at the start of `data` (unmasking it in place).
// Frames whose payload exceeds `max_payload` are refused with kCloseTooBig
// before any of it is buffered.
ParseResult parse_client_frame(char *data, std::size_t length, uint64_t max_payload, Frame &frame,
                               CloseCode &error_code);

// Appends one unmasked, unfragmented server frame to `out`.
void append_server_frame(std::string &out, Opcode opcode, std::string_view payload);

// The payload of a close frame: the code, then the reason (at most 123 bytes).
std::string close_payload(uint16_t code, std::string_view reason);

}  // namespace amsrtc::server
