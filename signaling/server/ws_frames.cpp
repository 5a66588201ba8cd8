#include "ws_frames.h"

#include <cstring>

namespace amsrtc::server {
namespace {

bool is_control(uint8_t opcode) { return (opcode & 0x8) != 0; }

bool is_known(uint8_t opcode) {
  switch (opcode) {
    case 0x0:
    case 0x1:
    case 0x2:
    case 0x8:
    case 0x9:
    case 0xA:
      return true;
    default:
      return false;
  }
}

// XOR with the 4-byte key, eight bytes at a time where possible.
void unmask(char *data, std::size_t length, const unsigned char key[4]) {
  uint64_t key64 = 0;
  for (int i = 0; i < 8; ++i) key64 |= uint64_t{key[i % 4]} << (8 * i);
  std::size_t i = 0;
  for (; i + 8 <= length; i += 8) {
    uint64_t chunk;
    std::memcpy(&chunk, data + i, 8);
    chunk ^= key64;  // little-endian byte order matches key[i % 4]
    std::memcpy(data + i, &chunk, 8);
  }
  for (; i < length; ++i) data[i] = static_cast<char>(data[i] ^ key[i % 4]);
}

}  // namespace

ParseResult parse_client_frame(char *data, std::size_t length, uint64_t max_payload, Frame &frame,
                               CloseCode &error_code) {
  if (length < 2) return ParseResult::kNeedMore;
  const auto *bytes = reinterpret_cast<const unsigned char *>(data);
  const bool fin = (bytes[0] & 0x80) != 0;
  const uint8_t reserved = bytes[0] & 0x70;
  const uint8_t opcode = bytes[0] & 0x0f;
  const bool masked = (bytes[1] & 0x80) != 0;
  uint64_t payload_length = bytes[1] & 0x7f;

  error_code = kCloseProtocolError;
  // No extension is negotiated, so reserved bits must be zero; clients must
  // mask; control frames are short and never fragmented (§5.5).
  if (reserved != 0 || !masked || !is_known(opcode)) return ParseResult::kError;
  if (is_control(opcode) && (!fin || payload_length > 125)) return ParseResult::kError;

  std::size_t header = 2;
  if (payload_length == 126) {
    if (length < 4) return ParseResult::kNeedMore;
    payload_length = (uint64_t{bytes[2]} << 8) | bytes[3];
    header = 4;
  } else if (payload_length == 127) {
    if (length < 10) return ParseResult::kNeedMore;
    payload_length = 0;
    for (int i = 0; i < 8; ++i) payload_length = (payload_length << 8) | bytes[2 + i];
    if (payload_length >> 63) return ParseResult::kError;
    header = 10;
  }
  if (payload_length > max_payload) {
    error_code = kCloseTooBig;
    return ParseResult::kError;
  }
  if (length < header + 4) return ParseResult::kNeedMore;
  const std::size_t total = header + 4 + static_cast<std::size_t>(payload_length);
  if (length < total) return ParseResult::kNeedMore;

  unsigned char key[4];
  std::memcpy(key, bytes + header, 4);
  char *payload = data + header + 4;
  unmask(payload, static_cast<std::size_t>(payload_length), key);
  frame.fin = fin;
  frame.opcode = static_cast<Opcode>(opcode);
  frame.payload = std::string_view(payload, static_cast<std::size_t>(payload_length));
  frame.size = total;
  return ParseResult::kFrame;
}

void append_server_frame(std::string &out, Opcode opcode, std::string_view payload) {
  char header[10];
  std::size_t length = 0;
  header[length++] = static_cast<char>(0x80 | static_cast<uint8_t>(opcode));
  const uint64_t size = payload.size();
  if (size < 126) {
    header[length++] = static_cast<char>(size);
  } else if (size < 65536) {
    header[length++] = 126;
    header[length++] = static_cast<char>(size >> 8);
    header[length++] = static_cast<char>(size & 0xff);
  } else {
    header[length++] = 127;
    for (int shift = 56; shift >= 0; shift -= 8)
      header[length++] = static_cast<char>(size >> shift);
  }
  out.append(header, length);
  out.append(payload);
}

std::string close_payload(uint16_t code, std::string_view reason) {
  std::string payload;
  payload += static_cast<char>(code >> 8);
  payload += static_cast<char>(code & 0xff);
  payload += reason.substr(0, 123);
  return payload;
}

}  // namespace amsrtc::server
