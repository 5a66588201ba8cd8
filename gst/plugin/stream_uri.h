// amsrtc:// URIs: amsrtc://host:port/app/streamId (WebSocket) and
// amsrtcs://... (TLS) name a stream on an Ant Media Server compatible
// server, as AMS names it in its own play URLs. Query parameters set the
// other stream properties: room, token, latency... (?room=conf1&token=abc).
#pragma once

#include <string>

#include "stream_controller.h"

namespace amsrtc::plugin {

// Sets `settings.server` (ws[s]://host:port/app/websocket), `stream_id` and
// the query's properties; false and `why` when `uri` is not such a URI.
bool apply_stream_uri(const std::string &uri, StreamSettings &settings, std::string &why);
// The URI of `settings`, or "" when the server is not ws[s]://host[:port]/app/websocket.
std::string stream_uri(const StreamSettings &settings);

// True for a ws[s]:// server URI whose host is this machine's loopback
// (127.x, ::1, localhost): ICE must then use the loopback address, which
// libnice skips unless told (../shared/NOTES.md).
bool server_is_loopback(const std::string &server);

}  // namespace amsrtc::plugin
