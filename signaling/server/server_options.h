// amsrtc-server's options: command line (GOptionContext) and the same keys
// in an optional config file (GKeyFile, group [server]). The command line
// wins over the file; docs/server.md lists every key.
#pragma once

#include <cstddef>
#include <string>

namespace amsrtc::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 5080;  // 0 = any free port
  std::string tls_cert;
  std::string tls_key;
  std::string web_root;
  std::string token_secret;
  std::string stun_server;
  std::string turn_server;
  std::string turn_username;
  std::string turn_password;
  std::size_t max_message_bytes = 1024 * 1024;
  std::size_t room_member_limit = 16;
  std::size_t max_sessions_per_socket = 32;
  double rate_limit = 200;  // messages per second per socket; 0 = off
  bool media = true;        // the SFU (publish/play/conference); false: signaling only
  // Addresses the SFU gathers ICE candidates on (comma-separated); empty:
  // every interface, and loopback too when --host is a loopback address.
  std::string media_addresses;
};

// Parses argv and the config file named by --config. On failure returns
// false and sets `error` to a message for the user. `--help` prints and
// exits inside GOptionContext, as usual.
bool parse_server_options(int argc, char **argv, ServerOptions &options, std::string &error);

}  // namespace amsrtc::server
