#include "stream_uri.h"

#include <gst/gst.h>

namespace amsrtc::plugin {

bool apply_stream_uri(const std::string &text, StreamSettings &settings, std::string &why) {
  GstUri *uri = gst_uri_from_string(text.c_str());
  if (uri == nullptr) {
    why = "'" + text + "' is not a URI";
    return false;
  }
  const std::string scheme = gst_uri_get_scheme(uri) != nullptr ? gst_uri_get_scheme(uri) : "";
  const char *host = gst_uri_get_host(uri);
  GList *segments = gst_uri_get_path_segments(uri);
  std::vector<std::string> path;
  for (GList *l = segments; l != nullptr; l = l->next) {
    if (l->data != nullptr && *static_cast<const char *>(l->data) != '\0') {
      path.emplace_back(static_cast<const char *>(l->data));
    }
  }
  g_list_free_full(segments, g_free);
  bool ok = true;
  if (scheme != "amsrtc" && scheme != "amsrtcs") {
    why = "the scheme of '" + text + "' is not amsrtc:// or amsrtcs://";
    ok = false;
  } else if (host == nullptr || *host == '\0' || path.size() != 2) {
    why = "'" + text + "' is not amsrtc://host:port/app/streamId";
    ok = false;
  }
  if (ok) {
    const guint port = gst_uri_get_port(uri);
    std::string server = (scheme == "amsrtcs" ? "wss://" : "ws://") + std::string(host);
    if (port != GST_URI_NO_PORT) server += ":" + std::to_string(port);
    settings.server = server + "/" + path[0] + "/websocket";
    settings.stream_id = path[1];
    if (const char *room = gst_uri_get_query_value(uri, "room")) settings.room = room;
    if (const char *token = gst_uri_get_query_value(uri, "token")) settings.token = token;
    if (const char *latency = gst_uri_get_query_value(uri, "latency")) {
      settings.latency_ms = static_cast<unsigned>(g_ascii_strtoull(latency, nullptr, 10));
    }
  }
  gst_uri_unref(uri);
  return ok;
}

std::string stream_uri(const StreamSettings &settings) {
  GstUri *server = gst_uri_from_string(settings.server.c_str());
  if (server == nullptr) return {};
  std::string result;
  const std::string scheme =
      gst_uri_get_scheme(server) != nullptr ? gst_uri_get_scheme(server) : "";
  GList *segments = gst_uri_get_path_segments(server);
  std::vector<std::string> path;
  for (GList *l = segments; l != nullptr; l = l->next) {
    if (l->data != nullptr && *static_cast<const char *>(l->data) != '\0') {
      path.emplace_back(static_cast<const char *>(l->data));
    }
  }
  g_list_free_full(segments, g_free);
  const char *host = gst_uri_get_host(server);
  if ((scheme == "ws" || scheme == "wss") && host != nullptr && path.size() == 2 &&
      path[1] == "websocket" && !settings.stream_id.empty()) {
    result = (scheme == "wss" ? "amsrtcs://" : "amsrtc://") + std::string(host);
    const guint port = gst_uri_get_port(server);
    if (port != GST_URI_NO_PORT) result += ":" + std::to_string(port);
    result += "/" + path[0] + "/" + settings.stream_id;
    if (!settings.room.empty()) result += "?room=" + settings.room;
  }
  gst_uri_unref(server);
  return result;
}

bool server_is_loopback(const std::string &server) {
  GstUri *uri = gst_uri_from_string(server.c_str());
  if (uri == nullptr) return false;
  const std::string host = gst_uri_get_host(uri) != nullptr ? gst_uri_get_host(uri) : "";
  gst_uri_unref(uri);
  return host.rfind("127.", 0) == 0 || host == "localhost" || host == "::1" || host == "[::1]";
}

}  // namespace amsrtc::plugin
