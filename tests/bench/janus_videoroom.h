// A minimal Janus client for the fan-out benchmark: the Janus API over its
// WebSocket transport (subprotocol "janus-protocol"), one Janus session with
// one handle per participant, attached to the VideoRoom plugin. Enough to
// create a room, publish one feed and subscribe any number of players to it;
// nothing else of Janus.
//
// Threads: the socket lives on the client's own thread and GMainContext;
// every method may be called from any thread, the blocking ones (connect,
// attach, request) must not be called from an event handler. Event handlers
// run on the client's thread.
#pragma once

#include <json-glib/json-glib.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace amsrtc::bench {

struct JanusEvent {
  std::string kind;       // "event" (a plugin event), "webrtcup", "hangup", ...
  JsonObject *data = nullptr;  // the plugin's data for "event" (not owned)
  std::string jsep_type;  // "offer" / "answer" when the event carries SDP
  std::string jsep_sdp;
};

class JanusVideoRoom {
 public:
  using EventHandler = std::function<void(const JanusEvent &)>;

  JanusVideoRoom();
  ~JanusVideoRoom();
  JanusVideoRoom(const JanusVideoRoom &) = delete;
  JanusVideoRoom &operator=(const JanusVideoRoom &) = delete;

  // Opens the socket and creates the Janus session (kept alive every 20 s).
  bool connect(const std::string &url, std::string *error);
  // A new handle on the VideoRoom plugin; 0 on failure.
  uint64_t attach(EventHandler handler);
  // A synchronous plugin request (e.g. "create"): the plugin's reply data as
  // JSON text, or "" on failure.
  std::string request(uint64_t handle, const std::string &body_json);
  // An asynchronous plugin request; its results arrive as events.
  void message(uint64_t handle, const std::string &body_json, const std::string &jsep_type = "",
               const std::string &jsep_sdp = "");
  void trickle(uint64_t handle, unsigned mline, const std::string &mid,
               const std::string &candidate);

  // A JSON string literal for `text` (quotes and escapes).
  static std::string quote(const std::string &text);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace amsrtc::bench
