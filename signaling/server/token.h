// Access tokens (PROTOCOL.md §12.9): JWTs signed with HS256 whose claims name
// the stream (or room), the kind of access and an expiry:
//   {"streamId":"cam1","type":"publish","exp":1767225600}
//   {"room":"conf1","type":"play","exp":1767225600}
// Checked with GLib's GHmac; no JWT library. Tokens are never logged.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace amsrtc::server {

enum class TokenVerdict {
  kValid,
  kMissing,       // required but absent
  kMalformed,     // not three base64url parts of JSON, or alg is not HS256
  kBadSignature,  // forged, or signed with another secret
  kExpired,       // exp missing or in the past
  kWrongSubject,  // streamId/room claim names something else
  kWrongType,     // type claim is not the access asked for
};

struct TokenRequest {
  std::string_view subject;      // the streamId or room being accessed
  bool subject_is_room = false;  // check the `room` claim, not `streamId`
  std::string_view type;         // "publish" or "play"
  std::string_view other_type;   // a second accepted type, or ""
  int64_t now_unix_seconds = 0;
};

TokenVerdict verify_token(std::string_view token, std::string_view secret,
                          const TokenRequest &request);

// Short reason for logs and error `information` ("token expired", ...).
const char *describe(TokenVerdict verdict);

// Mints a token (for tests, benchmarks and examples/mint_token.py's twin).
// `claims_json` is the payload object as JSON text.
std::string mint_token(std::string_view claims_json, std::string_view secret);

}  // namespace amsrtc::server
