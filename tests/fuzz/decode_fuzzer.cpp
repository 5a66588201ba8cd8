// libFuzzer target: any byte string fed to decode() must produce a message
// or a DecodeError, never a crash, leak or undefined behaviour; a decoded
// message must re-encode to text that decodes to the same message.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "signaling/protocol/codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  namespace proto = amsrtc::protocol;
  const std::string_view text(reinterpret_cast<const char *>(data), size);
  const proto::Decoded decoded = proto::decode(text);
  if (!decoded) {
    // Building the reply exercises describe() on every error kind.
    (void)proto::encode(proto::error_reply_for(decoded.error()));
    return 0;
  }
  const std::string encoded = proto::encode(decoded.message());
  const proto::Decoded again = proto::decode(encoded, {encoded.size() + 1, 64});
  if (!again || proto::encode(again.message()) != encoded) std::abort();
  return 0;
}
