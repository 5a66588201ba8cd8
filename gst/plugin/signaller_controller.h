// The logic of amsrtcsignaller, apart from its GObject shell: runs one
// protocol flow over signaling/client for webrtcbins the application owns.
//
//   publish  `publish`, the server's `start`, we offer (PROTOCOL.md §3.2)
//   play     `play`, the server offers, we answer (§3.3)
//   peer     `join` a P2P call; the first to join offers when the other
//            arrives (§3.4, §12.2)
//   mesh     `joinRoom`; one session per other member: we offer to those
//            already there, newcomers offer to us (§12.5)
//
// A session is one webrtcbin talking to one remote (the server for
// publish/play, the other peer, a room member). Its webrtcbin comes from
// the application: the request-webrtcbin callback, or else the element's
// `webrtcbin` property, which serves one session only (a webrtcbin cannot
// start over with a new peer). The controller never adds, links or removes
// elements: media in and out of the webrtcbin is the application's.
//
// Threads: protocol events arrive on the signaling client's thread and so
// do the callbacks, except data_received (a streaming thread). `mutex_`
// guards the sessions and is never held while calling out.
#pragma once

#include <gst/gst.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "gst/session/peer_session.h"
#include "signaling/client/signaling_client.h"

namespace amsrtc::plugin {

enum class SignallerMode { kPublish, kPlay, kPeer, kMesh };

struct SignallerSettings {
  std::string server;
  std::string stream_id;  // what we publish / play / call; our id in a mesh room
  std::string room;       // mesh: the room (required); play: a conference room to follow
  SignallerMode mode = SignallerMode::kPeer;
  std::string token;
  std::string ca_file;
  bool data_channel = true;  // the offerer opens the ordered data channel (§3.9)
  session::IceSettings ice;
};

struct SignallerEvents {
  std::function<void(const std::string &text, const std::string &debug,
                     const std::string &definition)>
      error;
  std::function<void(const std::string &text, const std::string &debug)> warning;
  // A webrtcbin for the session with `peer` (transfer full), or nullptr.
  std::function<GstElement *(const std::string &peer)> request_webrtcbin;
  std::function<void(const std::string &peer)> session_started;
  std::function<void(const std::string &peer)> session_ended;
  std::function<void(const std::string &peer)> peer_joined;
  std::function<void(const std::string &peer)> peer_left;
  std::function<void(const std::string &peer, const std::string &text)> data_received;
  // An ICE restart with `peer` began: "requested" (restart_ice()), or the
  // remote's restarting offer ("the peer restarted ICE", "the server
  // restarted ICE").
  std::function<void(const std::string &peer, const std::string &reason)> ice_restart;
};

class SignallerController {
 public:
  // `webrtcbin` (may be null; a ref is taken) serves the first session that
  // request_webrtcbin does not.
  SignallerController(GstObject *owner, GstElement *webrtcbin, SignallerSettings settings,
                      SignallerEvents events);
  ~SignallerController();  // stop()s

  // Connects and starts the flow; false (after an error) if the settings
  // cannot work.
  bool start();
  // Leaves / stops, ends every session, closes the socket.
  void stop();
  // Text to every session whose data channel is open; returns how many.
  unsigned send_text(const std::string &text);
  // An ICE restart (PeerSession::restart_ice) with every session whose first
  // offer/answer exchange is complete; returns how many began. None in play
  // mode: there the server offers, and it restarts a failed play session
  // itself (AMS's protocol has no client-side restart of a play session).
  unsigned restart_ice();

 private:
  struct Session;

  void on_connected(bool reconnected);
  void on_message(const protocol::Message &message);
  void on_notification(const protocol::Notification &notification);
  void send(protocol::Message message);
  bool is_ours(const std::string &stream_id) const;

  std::shared_ptr<Session> find_session(const std::string &peer);
  std::shared_ptr<Session> open_session(const std::string &peer);
  void offer(const std::shared_ptr<Session> &session);
  void end_session(const std::string &peer);
  void end_all_sessions();
  void watch_channel(const std::shared_ptr<Session> &session, GstWebRTCDataChannel *channel);

  GstObject *owner_;             // for logs
  GstElement *spare_webrtcbin_;  // the `webrtcbin` property until a session takes it
  SignallerSettings settings_;
  SignallerEvents events_;
  // Callbacks from the application's webrtcbins (promises, signals) may run
  // on its threads at any time, also while we stop: each one holds the gate
  // while it uses us, and stop() closes it, waiting for those running.
  struct Gate {
    std::mutex mutex;
    bool open = true;
  };
  std::shared_ptr<Gate> gate_ = std::make_shared<Gate>();
  template <typename F>
  auto guarded(F f);

  std::mutex client_mutex_;  // guards client_: send() runs on any thread, stop() resets it
  std::unique_ptr<client::SignalingClient> client_;

  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Session>> sessions_;
};

}  // namespace amsrtc::plugin
