#include "server_process.h"

#include <glib/gstdio.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "wait.h"

namespace amsrtc::testing {

ServerProcess::ServerProcess(const std::vector<std::string> &extra_args,
                             const std::vector<std::pair<std::string, std::string>> &extra_env) {
  const char *binary = std::getenv("AMSRTC_SERVER");
  if (binary == nullptr) {
    ADD_FAILURE() << "AMSRTC_SERVER is not set (meson test sets it)";
    return;
  }
  std::vector<const char *> argv{binary, "--port", "0"};
  for (const auto &arg : extra_args) argv.push_back(arg.c_str());
  argv.push_back(nullptr);

  g_autofree char *tmp = g_strdup_printf("%s/amsrtc-server-XXXXXX.log", g_get_tmp_dir());
  const int fd = g_mkstemp(tmp);
  if (fd >= 0) close(fd);
  stderr_path_ = tmp;

  g_autoptr(GSubprocessLauncher) launcher =
      g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_stderr_file_path(launcher, stderr_path_.c_str());
  for (const auto &[name, value] : extra_env) {
    g_subprocess_launcher_setenv(launcher, name.c_str(), value.c_str(), TRUE);
  }
  g_autoptr(GError) error = nullptr;
  process_ = g_subprocess_launcher_spawnv(launcher, argv.data(), &error);
  if (process_ == nullptr) {
    ADD_FAILURE() << "cannot start " << binary << ": " << error->message;
    return;
  }
  // The first stdout line is "listening ws://HOST:PORT".
  g_autoptr(GDataInputStream) out = g_data_input_stream_new(g_subprocess_get_stdout_pipe(process_));
  g_autofree char *line = g_data_input_stream_read_line(out, nullptr, nullptr, &error);
  if (line == nullptr || !g_str_has_prefix(line, "listening ")) {
    ADD_FAILURE() << "server did not print its URL; stderr:\n" << stderr_text();
    return;
  }
  url_ = line + std::strlen("listening ");
}

ServerProcess::~ServerProcess() {
  if (process_ != nullptr) {
    // A graceful stop, as an operator's: the server must end every session
    // and exit 0 (under ASan, leak detection runs at this exit).
    if (running()) {
      const int status = terminate(15000);
      if (status == -1 && running()) kill();
      EXPECT_EQ(status, 0) << "amsrtc-server did not exit cleanly on SIGTERM; stderr:\n"
                           << stderr_text();
    }
    g_object_unref(process_);
  }
  if (!stderr_path_.empty()) g_unlink(stderr_path_.c_str());
}

int ServerProcess::port() const {
  const auto colon = url_.rfind(':');
  return colon == std::string::npos ? -1 : std::atoi(url_.c_str() + colon + 1);
}

std::string ServerProcess::websocket_url(const std::string &app) const {
  return url_ + "/" + app + "/websocket";
}

bool ServerProcess::running() const {
  return process_ != nullptr && g_subprocess_get_identifier(process_) != nullptr;
}

int ServerProcess::terminate(unsigned timeout_ms) {
  if (process_ == nullptr) return -1;
  g_subprocess_send_signal(process_, SIGTERM);
  bool done = false;
  g_subprocess_wait_async(
      process_, nullptr,
      [](GObject *, GAsyncResult *, gpointer flag) { *static_cast<bool *>(flag) = true; }, &done);
  if (!wait_until([&] { return done; }, timeout_ms)) return -1;
  return g_subprocess_get_if_exited(process_) ? g_subprocess_get_exit_status(process_) : -1;
}

void ServerProcess::kill() {
  if (process_ == nullptr) return;
  g_subprocess_force_exit(process_);
  g_subprocess_wait(process_, nullptr, nullptr);
}

std::string ServerProcess::stderr_text() const {
  g_autofree char *text = nullptr;
  if (stderr_path_.empty() || !g_file_get_contents(stderr_path_.c_str(), &text, nullptr, nullptr)) {
    return {};
  }
  return text;
}

TestCertificate::TestCertificate() {
  g_autofree char *made = g_dir_make_tmp("amsrtc-tls-XXXXXX", nullptr);
  if (made == nullptr) return;
  dir = made;
  cert = dir + "/cert.pem";
  key = dir + "/key.pem";
  const std::string command =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
      "-addext subjectAltName=IP:127.0.0.1 -keyout " +
      key + " -out " + cert;
  int status = 0;
  ok = g_spawn_command_line_sync(command.c_str(), nullptr, nullptr, &status, nullptr) &&
       g_spawn_check_wait_status(status, nullptr);
}

TestCertificate::~TestCertificate() {
  if (dir.empty()) return;
  g_unlink(cert.c_str());
  g_unlink(key.c_str());
  g_rmdir(dir.c_str());
}

}  // namespace amsrtc::testing
