// A player's endpoint on the SFU: one webrtcbin that offers the tracks of
// its sources (one stream for `play`, every other member for a main-track
// conference), each fed by a leaky queue from the publisher track's tee.
// Packets are forwarded as they arrive: same codec, same payload type,
// never decoded. The offer carries a server-created data channel and
// `idMapping` (mid -> ARDAMSv<streamId>/ARDAMSa<streamId>); a change of
// sources re-offers on the same webrtcbin (renegotiation, PROTOCOL.md §3.3 (7)).
#pragma once

#include <gst/gst.h>
#include <gst/webrtc/webrtc.h>

#include <atomic>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "gst/session/peer_session.h"
#include "main_context.h"
#include "one_shot_timer.h"
#include "signaling/server/media_events.h"
#include "track.h"

namespace amsrtc::server::media {

// A stream a player receives, with the tracks it has now.
struct PlayerSource {
  std::string stream_id;
  std::vector<std::shared_ptr<Track>> tracks;
};

class PlayerEndpoint : public std::enable_shared_from_this<PlayerEndpoint> {
 public:
  struct Events {
    std::function<void(const MediaEvent &)> media_event;
    std::function<void(const std::string &text, GBytes *data)> data;  // from the player
  };

  PlayerEndpoint(GstBin *pipeline, EndpointKey key, const session::IceSettings &ice,
                 const MainContext &main, Events events);
  ~PlayerEndpoint();

  // Creates the webrtcbin and the data channel; the first set_sources() offers.
  void start();
  // Links tracks that are new, unlinks those of sources that went, and
  // offers (again) when anything changed or no offer was made yet.
  void set_sources(const std::vector<PlayerSource> &sources);
  void apply_remote_description(protocol::SdpType type, const std::string &sdp);
  void add_remote_candidate(unsigned mline, const std::string &candidate);
  void send_data(const std::string &text, GBytes *data);
  // toggleVideo/toggleAudio/enableTrack: stop or resume forwarding the
  // tracks of `source` of `kind` ("" for both).
  void set_enabled(const std::string &source, const std::string &kind, bool enabled);
  void stop();

  const EndpointKey &key() const { return key_; }
  // The stream ids whose tracks this player receives.
  std::vector<std::string> source_ids() const;
  // "ARDAMSv<id>" / "ARDAMSa<id>" for every linked track.
  std::vector<std::string> track_ids() const;

 private:
  struct Link {
    std::string source;
    std::shared_ptr<Track> track;
    GstElement *queue = nullptr;
    GstPad *tee_pad = nullptr;
    GstPad *webrtc_pad = nullptr;
    GstWebRTCRTPTransceiver *transceiver = nullptr;
    // Packets pass the tee pad only when both are set: `negotiated` once
    // the answer covering this track is applied, `enabled` by toggles.
    struct Gate {
      std::atomic<bool> negotiated{false};
      std::atomic<bool> enabled{true};
    };
    std::shared_ptr<Gate> gate;
    bool needs_keyframe = false;  // linked after the connection came up
    std::string mid;              // its m-line's mid, once offered
  };

  void link(const std::string &source, const std::shared_ptr<Track> &track);
  void unlink(Link &link);
  void negotiate();
  void on_local_description(protocol::SdpType type, const std::string &sdp);
  void on_signaling_stable();
  void on_connected();
  void connection_failed();

  GstBin *pipeline_;
  EndpointKey key_;
  session::IceSettings ice_;
  const MainContext &main_;
  Events events_;
  GstElement *webrtc_ = nullptr;
  std::unique_ptr<session::PeerSession> session_;
  GstWebRTCDataChannel *channel_ = nullptr;
  std::vector<Link> links_;
  std::set<std::string> retired_mids_;  // m-lines of unlinked tracks
  bool offered_ = false;           // an offer was made at least once
  bool offer_outstanding_ = false;  // waiting for the answer
  bool reoffer_needed_ = false;     // sources changed meanwhile
  bool connected_ = false;  // the connection came up (at least once)
  bool stopped_ = false;
  OneShotTimer ice_restart_deadline_;  // of an ICE restart (connection_failed)
};

}  // namespace amsrtc::server::media
