#include "server_options.h"

#include <glib.h>

#include <optional>

namespace amsrtc::server {
namespace {

// Raw values as GOptionContext fills them; null/-1 = not given.
struct RawOptions {
  gchar *config = nullptr;
  gchar *host = nullptr;
  gint port = -1;
  gchar *tls_cert = nullptr;
  gchar *tls_key = nullptr;
  gchar *web_root = nullptr;
  gchar *token_secret = nullptr;
  gchar *stun_server = nullptr;
  gchar *turn_server = nullptr;
  gchar *turn_username = nullptr;
  gchar *turn_password = nullptr;
  gint64 max_message_bytes = -1;
  gint room_member_limit = -1;
  gint max_sessions_per_socket = -1;
  gdouble rate_limit = -1;
  gboolean no_media = FALSE;
  gchar *media_addresses = nullptr;

  ~RawOptions() {
    for (gchar *s : {config, host, tls_cert, tls_key, web_root, token_secret, stun_server,
                     turn_server, turn_username, turn_password, media_addresses}) {
      g_free(s);
    }
  }
};

// Reads [server] KEY from the config file into `out` unless already set.
bool read_string(GKeyFile *file, const char *key, gchar **out, std::string &error) {
  if (*out != nullptr || !g_key_file_has_key(file, "server", key, nullptr)) return true;
  g_autoptr(GError) err = nullptr;
  *out = g_key_file_get_string(file, "server", key, &err);
  if (err != nullptr) error = std::string("config key '") + key + "': " + err->message;
  return err == nullptr;
}

template <typename Number>
bool read_number(GKeyFile *file, const char *key, Number *out, std::string &error) {
  if (*out >= 0 || !g_key_file_has_key(file, "server", key, nullptr)) return true;
  g_autoptr(GError) err = nullptr;
  const gdouble value = g_key_file_get_double(file, "server", key, &err);
  if (err != nullptr) {
    error = std::string("config key '") + key + "' must be a number: " + err->message;
    return false;
  }
  *out = static_cast<Number>(value);
  return true;
}

bool read_no_media(GKeyFile *file, RawOptions &raw, std::string &error) {
  if (raw.no_media || !g_key_file_has_key(file, "server", "no-media", nullptr)) return true;
  g_autoptr(GError) err = nullptr;
  raw.no_media = g_key_file_get_boolean(file, "server", "no-media", &err);
  if (err != nullptr) error = std::string("config key 'no-media' must be true or false");
  return err == nullptr;
}

bool merge_config_file(RawOptions &raw, std::string &error) {
  g_autoptr(GKeyFile) file = g_key_file_new();
  g_autoptr(GError) err = nullptr;
  if (!g_key_file_load_from_file(file, raw.config, G_KEY_FILE_NONE, &err)) {
    error = std::string("cannot read config file ") + raw.config + ": " + err->message;
    return false;
  }
  return read_string(file, "host", &raw.host, error) &&
         read_number(file, "port", &raw.port, error) &&
         read_string(file, "tls-cert", &raw.tls_cert, error) &&
         read_string(file, "tls-key", &raw.tls_key, error) &&
         read_string(file, "web-root", &raw.web_root, error) &&
         read_string(file, "token-secret", &raw.token_secret, error) &&
         read_string(file, "stun-server", &raw.stun_server, error) &&
         read_string(file, "turn-server", &raw.turn_server, error) &&
         read_string(file, "turn-username", &raw.turn_username, error) &&
         read_string(file, "turn-password", &raw.turn_password, error) &&
         read_number(file, "max-message-bytes", &raw.max_message_bytes, error) &&
         read_number(file, "room-member-limit", &raw.room_member_limit, error) &&
         read_number(file, "max-sessions-per-socket", &raw.max_sessions_per_socket, error) &&
         read_number(file, "rate-limit", &raw.rate_limit, error) &&
         read_string(file, "media-addresses", &raw.media_addresses, error) &&
         read_no_media(file, raw, error);
}

void take(gchar *value, std::string &out) {
  if (value != nullptr) out = value;
}

}  // namespace

bool parse_server_options(int argc, char **argv, ServerOptions &options, std::string &error) {
  RawOptions raw;
  const GOptionEntry entries[] = {
      {"config", 'c', 0, G_OPTION_ARG_FILENAME, &raw.config,
       "Read options from FILE ([server] group, same keys as the long options)", "FILE"},
      {"host", 0, 0, G_OPTION_ARG_STRING, &raw.host, "Address to listen on (default 127.0.0.1)",
       "ADDRESS"},
      {"port", 'p', 0, G_OPTION_ARG_INT, &raw.port,
       "Port to listen on (default 5080; 0 = any free port)", "PORT"},
      {"tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &raw.tls_cert,
       "PEM certificate: serve wss:// and https://", "FILE"},
      {"tls-key", 0, 0, G_OPTION_ARG_FILENAME, &raw.tls_key, "PEM private key for --tls-cert",
       "FILE"},
      {"web-root", 0, 0, G_OPTION_ARG_FILENAME, &raw.web_root,
       "Serve static files from DIR over HTTP on the same port", "DIR"},
      {"token-secret", 0, 0, G_OPTION_ARG_STRING, &raw.token_secret,
       "Require HS256 JWTs signed with SECRET for publish/play/join/joinRoom", "SECRET"},
      {"stun-server", 0, 0, G_OPTION_ARG_STRING, &raw.stun_server,
       "STUN URI that getIceServerConfig answers (stun:host:port)", "URI"},
      {"turn-server", 0, 0, G_OPTION_ARG_STRING, &raw.turn_server,
       "TURN URI that getIceServerConfig answers (turn:host:port)", "URI"},
      {"turn-username", 0, 0, G_OPTION_ARG_STRING, &raw.turn_username, "TURN user name", "NAME"},
      {"turn-password", 0, 0, G_OPTION_ARG_STRING, &raw.turn_password, "TURN password", "PASSWORD"},
      {"max-message-bytes", 0, 0, G_OPTION_ARG_INT64, &raw.max_message_bytes,
       "Largest text frame accepted; larger closes the socket with 1009 (default 1048576)",
       "BYTES"},
      {"room-member-limit", 0, 0, G_OPTION_ARG_INT, &raw.room_member_limit,
       "Members per room (default 16)", "N"},
      {"max-sessions-per-socket", 0, 0, G_OPTION_ARG_INT, &raw.max_sessions_per_socket,
       "Sessions (calls, rooms, streams) per socket (default 32)", "N"},
      {"rate-limit", 0, 0, G_OPTION_ARG_DOUBLE, &raw.rate_limit,
       "Messages per second per socket; excess is answered rate_limited (default 200; 0 = off)",
       "N"},
      {"no-media", 0, 0, G_OPTION_ARG_NONE, &raw.no_media,
       "No SFU: publish/play answer webrtc_not_enabled (signaling only)", nullptr},
      {"media-addresses", 0, 0, G_OPTION_ARG_STRING, &raw.media_addresses,
       "Addresses the SFU offers ICE candidates on, comma-separated (default: every "
       "interface; also 127.0.0.1 when --host is loopback)",
       "A,B"},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr}};

  g_autoptr(GOptionContext) context =
      g_option_context_new("- signaling server for the Ant Media WebRTC protocol");
  g_option_context_set_summary(
      context,
      "Serves ws://HOST:PORT/{app}/websocket (publish, play and conferences through its\n"
      "SFU; P2P calls and mesh rooms relayed) and, with --web-root,\n"
      "static pages on the same port. Prints 'listening ws://HOST:PORT' when ready.");
  g_option_context_add_main_entries(context, entries, nullptr);
  g_autoptr(GError) err = nullptr;
  if (!g_option_context_parse(context, &argc, &argv, &err)) {
    error = err->message;
    return false;
  }
  if (argc > 1) {
    error = std::string("unexpected argument '") + argv[1] + "'";
    return false;
  }
  if (raw.config != nullptr && !merge_config_file(raw, error)) return false;

  take(raw.host, options.host);
  take(raw.tls_cert, options.tls_cert);
  take(raw.tls_key, options.tls_key);
  take(raw.web_root, options.web_root);
  take(raw.token_secret, options.token_secret);
  take(raw.stun_server, options.stun_server);
  take(raw.turn_server, options.turn_server);
  take(raw.turn_username, options.turn_username);
  take(raw.turn_password, options.turn_password);
  if (raw.port >= 0) options.port = raw.port;
  if (raw.max_message_bytes >= 0) options.max_message_bytes = raw.max_message_bytes;
  if (raw.room_member_limit >= 0) options.room_member_limit = raw.room_member_limit;
  if (raw.max_sessions_per_socket >= 0)
    options.max_sessions_per_socket = raw.max_sessions_per_socket;
  if (raw.rate_limit >= 0) options.rate_limit = raw.rate_limit;
  if (raw.no_media) options.media = false;
  take(raw.media_addresses, options.media_addresses);

  if (options.port > 65535) {
    error = "--port must be 0..65535";
    return false;
  }
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    error = "--tls-cert and --tls-key go together";
    return false;
  }
  if (options.max_message_bytes < 1024) {
    error = "--max-message-bytes must be at least 1024";
    return false;
  }
  if (!options.web_root.empty() && !g_file_test(options.web_root.c_str(), G_FILE_TEST_IS_DIR)) {
    error = "--web-root " + options.web_root + " is not a directory";
    return false;
  }
  return true;
}

}  // namespace amsrtc::server
