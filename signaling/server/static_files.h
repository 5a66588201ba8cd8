// Static files for --web-root (the example pages and the SDK they import).
// GET and HEAD only; paths are confined to the root (no "..", no symlink
// escapes); directories serve their index.html.
#pragma once

#include <libsoup/soup.h>

#include <string>

namespace amsrtc::server {

void serve_static_file(SoupServerMessage *message, const char *path, const std::string &web_root);

}  // namespace amsrtc::server
