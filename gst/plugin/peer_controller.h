// The logic of amsrtcpeer, apart from its GObject shell: the P2P call flow
// of PROTOCOL.md §3.4, or a mesh room (§12.5), over signaling/client; one
// webrtcbin (and PeerSession) per remote peer, and the elements around it
// inside the bin. A remote is known by its stream id: in P2P the call's id,
// in a mesh room the member's id (the server rewrites ids both ways).
//
//   local track:  app pad -> [send chain] -> tee allow-not-linked
//                 tee -> queue -> webrtcbin (one branch per remote: a track
//                 is encoded once however many peers receive it)
//   remote track: webrtcbin src -> [receive chain] -> ghost src pad
//                 "video_<remote stream id>" / "audio_<remote stream id>"
//
// Threads: protocol events arrive on the signaling client's thread, media
// events on GStreamer threads; `mutex_` guards the remotes and is never held
// while calling into GStreamer or the client. ICE restarts and their
// deadlines run on a worker thread of our own.
//
// ICE restart: when a connection fails, the side that offered first
// restarts ICE at once; the other waits a little for that restart and then
// restarts itself (a browser running the AMS JS SDK never restarts), so two
// amsrtcpeers do not both offer. A connection not up 10 s after a restart
// is lost: an error in a P2P call, a warning in a mesh room.
#pragma once

#include <gst/gst.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gst/session/peer_session.h"
#include "gst/session/sdp_utils.h"
#include "input_tracks.h"
#include "job_worker.h"
#include "signaling/client/signaling_client.h"

namespace amsrtc::plugin {

struct PeerSettings {
  std::string server;     // ws:// or wss:// URI
  std::string stream_id;  // P2P: the call to join; mesh: our own id in the room
  std::string room;       // set: a mesh room (PROTOCOL.md §12.5), one webrtcbin per member
  std::string token;
  std::string ca_file;
  unsigned latency_ms = 50;  // receive jitterbuffer
  bool data_channel = true;
  bool decode = true;
  session::IceSettings ice;
};

// What the controller tells its element.
struct PeerEvents {
  std::function<void(const std::string &text, const std::string &debug,
                     const std::string &definition)>
      error;  // fatal: post an element error
  // Not fatal: post an element warning.
  std::function<void(const std::string &text, const std::string &debug)> warning;
  // The server confirmed our join (P2P) or joinRoom (mesh): waiting for peers.
  std::function<void()> joined;
  std::function<void(const std::string &peer)> peer_joined;  // a call formed
  std::function<void(const std::string &peer)> peer_left;    // its pads got EOS and are gone
  // The data channel with `peer` is open / carried a text message.
  std::function<void(const std::string &peer)> channel_open;
  std::function<void(const std::string &peer, const std::string &text)> data_received;
  // An ICE restart with `peer` began (optional); `reason` says why.
  std::function<void(const std::string &peer, const std::string &reason)> ice_restart;
};

class PeerController {
 public:
  PeerController(GstBin *bin, PeerSettings settings, PeerEvents events);
  ~PeerController();  // stop()s

  // A local track whose tee exists in the bin.
  void add_track(const LocalTrack &track);
  // Connects and joins; returns false (after posting an error) when the
  // settings cannot work (no stream id, not a ws:// URI).
  bool start();
  // Leaves, closes the socket, removes every remote's elements.
  void stop();
  // Sends text on the data channel of every remote whose channel is open;
  // returns how many got it.
  unsigned send_text(const std::string &text);
  // Restarts ICE with every remote whose first offer/answer exchange is
  // complete (a new offer with new credentials, as
  // RTCPeerConnection.restartIce()): after a network change. Asynchronous;
  // events_.ice_restart says when one begins.
  void restart_ice();

 private:
  struct Remote;

  void on_connected(bool reconnected);
  void on_message(const protocol::Message &message);
  void on_room_notification(const protocol::Notification &notification);
  void on_server_error(const protocol::Error &error);
  bool mesh() const { return !settings_.room.empty(); }
  void send(protocol::Message message);

  // `offer`: the remote's offer when it is what brings the remote (its
  // payload types are then followed); "" when we will offer.
  std::shared_ptr<Remote> ensure_remote(const std::string &peer, const std::string &offer = "");
  void offer_to(const std::shared_ptr<Remote> &remote);
  void remove_remote(const std::string &peer);
  void link_track(Remote &remote, const LocalTrack &track,
                  const std::vector<session::SdpMedia> &offer);
  static void on_pad_added(GstElement *webrtc, GstPad *pad, gpointer remote);
  static void on_data_channel(GstElement *webrtc, GstWebRTCDataChannel *channel, gpointer remote);
  void watch_channel(Remote &remote, GstWebRTCDataChannel *channel);
  void announce_channel(Remote &remote);
  void expose_remote_pad(Remote &remote, GstPad *pad);

  // ICE restart (peer_controller.cpp, "ICE restart"); on the worker only.
  std::shared_ptr<Remote> live(const std::weak_ptr<Remote> &weak);
  void on_connection_failed(const std::shared_ptr<Remote> &remote);
  bool begin_ice_restart(const std::shared_ptr<Remote> &remote, const std::string &why);
  void ice_restart_under_way(const std::shared_ptr<Remote> &remote, const std::string &why);
  void connection_lost(const std::string &peer);
  void post_job(std::function<void()> job, std::chrono::milliseconds delay = {});

  GstBin *bin_;  // not owned: the element owns us
  PeerSettings settings_;
  PeerEvents events_;
  std::mutex client_mutex_;  // guards client_: send() runs on any thread, stop() resets it
  std::unique_ptr<client::SignalingClient> client_;
  JobWorker worker_;  // ICE restarts and their deadlines (GStreamer threads post to it)
  // Held by an ICE-restart job while it uses a remote's session and
  // webrtcbin, and by remove_remote while it destroys them.
  std::mutex restart_mutex_;

  std::mutex mutex_;
  std::vector<LocalTrack> tracks_;
  std::map<std::string, std::shared_ptr<Remote>> remotes_;
};

}  // namespace amsrtc::plugin
