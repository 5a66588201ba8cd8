#include "token.h"

#include <json-glib/json-glib.h>

#include <optional>
#include <vector>

namespace amsrtc::server {
namespace {

constexpr gsize kSha256Size = 32;

// base64url without padding (RFC 7515 §2) -> bytes; nullopt if not base64url.
std::optional<std::string> base64url_decode(std::string_view text) {
  std::string b64;
  b64.reserve(text.size() + 3);
  for (char c : text) {
    if (c == '-') {
      b64 += '+';
    } else if (c == '_') {
      b64 += '/';
    } else if (g_ascii_isalnum(c)) {
      b64 += c;
    } else {
      return std::nullopt;  // includes '=' padding, which JWTs never carry
    }
  }
  if (b64.size() % 4 == 1) return std::nullopt;
  while (b64.size() % 4 != 0) b64 += '=';
  gsize length = 0;
  g_autofree guchar *bytes = g_base64_decode(b64.c_str(), &length);
  return std::string(reinterpret_cast<const char *>(bytes), length);
}

std::string base64url_encode(std::string_view bytes) {
  g_autofree gchar *b64 =
      g_base64_encode(reinterpret_cast<const guchar *>(bytes.data()), bytes.size());
  std::string out;
  for (const gchar *p = b64; *p != '\0'; ++p) {
    if (*p == '+') {
      out += '-';
    } else if (*p == '/') {
      out += '_';
    } else if (*p != '=') {
      out += *p;
    }
  }
  return out;
}

std::string hmac_sha256(std::string_view secret, std::string_view data) {
  g_autoptr(GHmac) hmac =
      g_hmac_new(G_CHECKSUM_SHA256, reinterpret_cast<const guchar *>(secret.data()), secret.size());
  g_hmac_update(hmac, reinterpret_cast<const guchar *>(data.data()),
                static_cast<gssize>(data.size()));
  guint8 digest[kSha256Size];
  gsize length = sizeof(digest);
  g_hmac_get_digest(hmac, digest, &length);
  return std::string(reinterpret_cast<const char *>(digest), length);
}

// Compares without an early exit, so timing does not reveal how many leading
// bytes of a forged signature were right.
bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

// The JSON object in a decoded token part; null if it is not one.
JsonNode *parse_object(const std::string &json) {
  JsonNode *node = json_from_string(json.c_str(), nullptr);
  if (node != nullptr && !JSON_NODE_HOLDS_OBJECT(node)) {
    json_node_unref(node);
    return nullptr;
  }
  return node;
}

std::string string_member(JsonObject *object, const char *name) {
  JsonNode *node = json_object_get_member(object, name);
  if (node == nullptr || !JSON_NODE_HOLDS_VALUE(node) ||
      json_node_get_value_type(node) != G_TYPE_STRING) {
    return {};
  }
  return json_node_get_string(node);
}

std::optional<int64_t> number_member(JsonObject *object, const char *name) {
  JsonNode *node = json_object_get_member(object, name);
  if (node == nullptr || !JSON_NODE_HOLDS_VALUE(node)) return std::nullopt;
  const GType type = json_node_get_value_type(node);
  if (type == G_TYPE_INT64) return json_node_get_int(node);
  if (type == G_TYPE_DOUBLE) return static_cast<int64_t>(json_node_get_double(node));
  return std::nullopt;
}

}  // namespace

TokenVerdict verify_token(std::string_view token, std::string_view secret,
                          const TokenRequest &request) {
  if (token.empty()) return TokenVerdict::kMissing;
  const auto first_dot = token.find('.');
  const auto second_dot =
      first_dot == std::string_view::npos ? first_dot : token.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos || token.find('.', second_dot + 1) != token.npos) {
    return TokenVerdict::kMalformed;
  }
  const std::string_view signed_part = token.substr(0, second_dot);
  const auto header = base64url_decode(token.substr(0, first_dot));
  const auto payload = base64url_decode(token.substr(first_dot + 1, second_dot - first_dot - 1));
  const auto signature = base64url_decode(token.substr(second_dot + 1));
  if (!header || !payload || !signature) return TokenVerdict::kMalformed;

  g_autoptr(JsonNode) header_node = parse_object(*header);
  if (header_node == nullptr) return TokenVerdict::kMalformed;
  // Only HS256: "none" or an asymmetric alg must never be accepted.
  if (string_member(json_node_get_object(header_node), "alg") != "HS256") {
    return TokenVerdict::kMalformed;
  }
  if (!constant_time_equal(hmac_sha256(secret, signed_part), *signature)) {
    return TokenVerdict::kBadSignature;
  }

  g_autoptr(JsonNode) claims_node = parse_object(*payload);
  if (claims_node == nullptr) return TokenVerdict::kMalformed;
  JsonObject *claims = json_node_get_object(claims_node);
  const auto exp = number_member(claims, "exp");
  if (!exp || *exp <= request.now_unix_seconds) return TokenVerdict::kExpired;
  const char *subject_claim = request.subject_is_room ? "room" : "streamId";
  if (string_member(claims, subject_claim) != request.subject) return TokenVerdict::kWrongSubject;
  const std::string type = string_member(claims, "type");
  if (type != request.type && (request.other_type.empty() || type != request.other_type)) {
    return TokenVerdict::kWrongType;
  }
  return TokenVerdict::kValid;
}

const char *describe(TokenVerdict verdict) {
  switch (verdict) {
    case TokenVerdict::kValid:
      return "token valid";
    case TokenVerdict::kMissing:
      return "a token is required";
    case TokenVerdict::kMalformed:
      return "token is not an HS256 JWT";
    case TokenVerdict::kBadSignature:
      return "token signature does not match";
    case TokenVerdict::kExpired:
      return "token expired";
    case TokenVerdict::kWrongSubject:
      return "token is for another stream or room";
    case TokenVerdict::kWrongType:
      return "token does not grant this kind of access";
  }
  return "token refused";
}

std::string mint_token(std::string_view claims_json, std::string_view secret) {
  const std::string signed_part =
      base64url_encode(R"({"alg":"HS256","typ":"JWT"})") + "." + base64url_encode(claims_json);
  return signed_part + "." + base64url_encode(hmac_sha256(secret, signed_part));
}

}  // namespace amsrtc::server
