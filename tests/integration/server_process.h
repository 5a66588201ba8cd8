// Runs the real amsrtc-server binary for a test: port 0, reads the URL from
// the first stdout line, stops it with SIGTERM and reports how it exited.
#pragma once

#include <gio/gio.h>

#include <string>
#include <utility>
#include <vector>

namespace amsrtc::testing {

class ServerProcess {
 public:
  // Starts `$AMSRTC_SERVER --port 0 <extra_args>`; fails the test (and
  // leaves url() empty) if it does not print its URL.
  explicit ServerProcess(const std::vector<std::string> &extra_args = {},
                         const std::vector<std::pair<std::string, std::string>> &extra_env = {});
  ~ServerProcess();

  const std::string &url() const { return url_; }  // "ws://127.0.0.1:PORT"
  int port() const;
  // "ws://127.0.0.1:PORT/WebRTCAppEE/websocket"
  std::string websocket_url(const std::string &app = "WebRTCAppEE") const;
  bool running() const;

  // SIGTERM, then waits (iterating the thread-default main context) for the
  // exit; returns the exit status, or -1 if it did not exit in time.
  int terminate(unsigned timeout_ms = 5000);
  // SIGKILL, for tests of a vanished server.
  void kill();
  // Everything the server wrote to stderr so far (for failure messages).
  std::string stderr_text() const;

 private:
  GSubprocess *process_ = nullptr;
  std::string url_;
  std::string stderr_path_;
};

// A self-signed certificate for 127.0.0.1 (made with the openssl command),
// in a temporary folder removed again by the destructor.
struct TestCertificate {
  TestCertificate();
  ~TestCertificate();
  std::string dir;
  std::string cert;  // PEM certificate, also usable as the CA to trust
  std::string key;
  bool ok = false;
};

}  // namespace amsrtc::testing
