// WebSocket framing of the server's transport (RFC 6455 §5): client frames
// are unmasked in place, every length encoding parses, and each protocol
// violation is refused with the right close code.
#include <gtest/gtest.h>

#include <string>

#include "signaling/server/ws_frames.h"

namespace amsrtc::server {
namespace {

// A client frame as a browser would send it.
std::string client_frame(uint8_t first_byte, const std::string &payload, bool masked = true) {
  const unsigned char key[4] = {0x12, 0x34, 0x56, 0x78};
  std::string frame(1, static_cast<char>(first_byte));
  const uint64_t size = payload.size();
  const char mask_bit = masked ? static_cast<char>(0x80) : 0;
  if (size < 126) {
    frame += static_cast<char>(mask_bit | static_cast<char>(size));
  } else if (size < 65536) {
    frame += static_cast<char>(mask_bit | 126);
    frame += static_cast<char>(size >> 8);
    frame += static_cast<char>(size & 0xff);
  } else {
    frame += static_cast<char>(mask_bit | 127);
    for (int shift = 56; shift >= 0; shift -= 8) frame += static_cast<char>(size >> shift);
  }
  if (!masked) return frame + payload;
  frame.append(reinterpret_cast<const char *>(key), 4);
  for (std::size_t i = 0; i < payload.size(); ++i) {
    frame += static_cast<char>(payload[i] ^ key[i % 4]);
  }
  return frame;
}

ParseResult parse(std::string &bytes, Frame &frame, CloseCode &code, uint64_t max = 1 << 20) {
  return parse_client_frame(bytes.data(), bytes.size(), max, frame, code);
}

TEST(WsFrames, TextFramesOfEveryLengthEncoding) {
  for (std::size_t size : {0u, 5u, 125u, 126u, 1000u, 65535u, 65536u, 200000u}) {
    std::string payload(size, 'a');
    for (std::size_t i = 0; i < size; ++i) payload[i] = static_cast<char>('a' + i % 26);
    std::string bytes = client_frame(0x81, payload);
    Frame frame;
    CloseCode code = 0;
    ASSERT_EQ(parse(bytes, frame, code), ParseResult::kFrame) << size;
    EXPECT_TRUE(frame.fin);
    EXPECT_EQ(frame.opcode, Opcode::kText);
    EXPECT_EQ(frame.payload, payload) << size;
    EXPECT_EQ(frame.size, bytes.size());
  }
}

TEST(WsFrames, EveryPrefixNeedsMore) {
  const std::string whole = client_frame(0x81, std::string(300, 'x'));
  for (std::size_t cut = 0; cut < whole.size(); ++cut) {
    std::string bytes = whole.substr(0, cut);
    Frame frame;
    CloseCode code = 0;
    EXPECT_EQ(parse(bytes, frame, code), ParseResult::kNeedMore) << cut;
  }
}

TEST(WsFrames, TwoFramesBackToBack) {
  std::string bytes = client_frame(0x81, "one") + client_frame(0x89, "ping!");
  Frame frame;
  CloseCode code = 0;
  ASSERT_EQ(parse(bytes, frame, code), ParseResult::kFrame);
  EXPECT_EQ(frame.payload, "one");
  const std::size_t first = frame.size;
  ASSERT_EQ(parse_client_frame(bytes.data() + first, bytes.size() - first, 1 << 20, frame, code),
            ParseResult::kFrame);
  EXPECT_EQ(frame.opcode, Opcode::kPing);
  EXPECT_EQ(frame.payload, "ping!");
}

TEST(WsFrames, Violations) {
  struct Case {
    const char *name;
    std::string bytes;
    CloseCode code;
  };
  const Case cases[] = {
      {"unmasked", client_frame(0x81, "x", false), kCloseProtocolError},
      {"reserved bit", client_frame(0xC1, "x"), kCloseProtocolError},
      {"unknown opcode", client_frame(0x83, "x"), kCloseProtocolError},
      {"fragmented ping", client_frame(0x09, "x"), kCloseProtocolError},
      {"long control frame", client_frame(0x89, std::string(126, 'p')), kCloseProtocolError},
      {"too big", client_frame(0x81, std::string(2000, 'b')), kCloseTooBig},
  };
  for (const Case &c : cases) {
    std::string bytes = c.bytes;
    Frame frame;
    CloseCode code = 0;
    EXPECT_EQ(parse(bytes, frame, code, 1024), ParseResult::kError) << c.name;
    EXPECT_EQ(code, c.code) << c.name;
  }
}

TEST(WsFrames, TooBigIsRefusedFromTheHeaderAlone) {
  // Only the header of a 1 GiB frame: refused before any payload arrives.
  std::string header = client_frame(0x81, "").substr(0, 1);
  header += static_cast<char>(0x80 | 127);
  for (int shift = 56; shift >= 0; shift -= 8) header += static_cast<char>((1ull << 30) >> shift);
  Frame frame;
  CloseCode code = 0;
  EXPECT_EQ(parse(header, frame, code), ParseResult::kError);
  EXPECT_EQ(code, kCloseTooBig);
}

TEST(WsFrames, ServerFramesAndClosePayload) {
  std::string out;
  append_server_frame(out, Opcode::kText, "hi");
  EXPECT_EQ(out, std::string("\x81\x02hi", 4));
  out.clear();
  append_server_frame(out, Opcode::kText, std::string(300, 'z'));
  EXPECT_EQ(out.substr(0, 4), std::string("\x81\x7e\x01\x2c", 4));
  EXPECT_EQ(out.size(), 304u);
  const std::string close = close_payload(1009, "message too big");
  EXPECT_EQ(close.substr(0, 2), std::string("\x03\xf1", 2));
  EXPECT_EQ(close.substr(2), "message too big");
}

}  // namespace
}  // namespace amsrtc::server
