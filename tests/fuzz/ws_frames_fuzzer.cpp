// libFuzzer target: the server's WebSocket frame parser on arbitrary bytes,
// frame after frame as the transport calls it. Never a crash, an overread
// (ASan) or a frame extending past the input.
#include <cstdlib>
#include <cstring>
#include <string>

#include "signaling/server/ws_frames.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace amsrtc::server;
  std::string buffer(reinterpret_cast<const char *>(data), size);
  std::size_t at = 0;
  while (at < buffer.size()) {
    Frame frame;
    CloseCode code = 0;
    const ParseResult result =
        parse_client_frame(buffer.data() + at, buffer.size() - at, 1 << 16, frame, code);
    if (result != ParseResult::kFrame) break;
    if (frame.size == 0 || frame.size > buffer.size() - at) std::abort();
    at += frame.size;
  }
  return 0;
}
