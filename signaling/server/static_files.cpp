#include "static_files.h"

#include <cstring>

namespace amsrtc::server {
namespace {

const char *content_type_for(const std::string &path) {
  static const struct {
    const char *extension;
    const char *type;
  } kTypes[] = {{".html", "text/html; charset=utf-8"},
                {".js", "text/javascript; charset=utf-8"},
                {".mjs", "text/javascript; charset=utf-8"},
                {".css", "text/css; charset=utf-8"},
                {".json", "application/json"},
                {".map", "application/json"},
                {".svg", "image/svg+xml"},
                {".png", "image/png"},
                {".ico", "image/x-icon"},
                {".txt", "text/plain; charset=utf-8"}};
  for (const auto &entry : kTypes) {
    if (g_str_has_suffix(path.c_str(), entry.extension)) return entry.type;
  }
  return "application/octet-stream";
}

bool has_parent_segment(const char *path) {
  g_auto(GStrv) segments = g_strsplit(path, "/", -1);
  for (GStrv s = segments; *s != nullptr; ++s) {
    if (std::strcmp(*s, "..") == 0) return true;
  }
  return false;
}

void respond(SoupServerMessage *message, guint status, const char *text) {
  soup_server_message_set_status(message, status, nullptr);
  soup_server_message_set_response(message, "text/plain; charset=utf-8", SOUP_MEMORY_COPY, text,
                                   std::strlen(text));
}

}  // namespace

void serve_static_file(SoupServerMessage *message, const char *path, const std::string &web_root) {
  const char *method = soup_server_message_get_method(message);
  if (std::strcmp(method, "GET") != 0 && std::strcmp(method, "HEAD") != 0) {
    respond(message, SOUP_STATUS_METHOD_NOT_ALLOWED, "method not allowed\n");
    return;
  }
  if (web_root.empty()) {
    respond(message, SOUP_STATUS_NOT_FOUND, "no --web-root configured\n");
    return;
  }
  // libsoup hands over the path still percent-encoded.
  g_autofree char *decoded = g_uri_unescape_string(path, "/");
  if (decoded == nullptr || decoded[0] != '/' || has_parent_segment(decoded)) {
    respond(message, SOUP_STATUS_NOT_FOUND, "not found\n");
    return;
  }
  std::string file = web_root + decoded;
  if (g_file_test(file.c_str(), G_FILE_TEST_IS_DIR)) file += "/index.html";

  // Symlinks must not lead outside the root.
  g_autofree char *real_root = realpath(web_root.c_str(), nullptr);
  g_autofree char *real_file = realpath(file.c_str(), nullptr);
  const std::size_t root_length = real_root ? std::strlen(real_root) : 0;
  if (real_root == nullptr || real_file == nullptr ||
      std::strncmp(real_file, real_root, root_length) != 0 ||
      (real_file[root_length] != '/' && real_file[root_length] != '\0') ||
      !g_file_test(real_file, G_FILE_TEST_IS_REGULAR)) {
    respond(message, SOUP_STATUS_NOT_FOUND, "not found\n");
    return;
  }
  gchar *contents = nullptr;
  gsize length = 0;
  if (!g_file_get_contents(real_file, &contents, &length, nullptr)) {
    respond(message, SOUP_STATUS_FORBIDDEN, "cannot read file\n");
    return;
  }
  soup_server_message_set_status(message, SOUP_STATUS_OK, nullptr);
  soup_message_headers_replace(soup_server_message_get_response_headers(message), "Cache-Control",
                               "no-cache");
  soup_server_message_set_response(message, content_type_for(real_file), SOUP_MEMORY_TAKE, contents,
                                   length);
}

}  // namespace amsrtc::server
