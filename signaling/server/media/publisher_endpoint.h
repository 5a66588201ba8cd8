// A publisher's endpoint on the SFU: one webrtcbin that answers the
// client's offer with receive-only transceivers (one forwarded codec per
// m-line, NACK/PLI/FIR and transport-wide-cc feedback), and a tee per
// track that players' branches take packets from. Lives on the main
// context; webrtcbin's callbacks hop there (main_context.h).
#pragma once

#include <gst/gst.h>
#include <gst/webrtc/webrtc.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gst/session/peer_session.h"
#include "main_context.h"
#include "one_shot_timer.h"
#include "signaling/server/media_events.h"
#include "track.h"

namespace amsrtc::server::media {

class PublisherEndpoint : public std::enable_shared_from_this<PublisherEndpoint> {
 public:
  struct Events {
    std::function<void(const MediaEvent &)> media_event;
    // A track's first packet passed: players may link it now.
    std::function<void(const std::shared_ptr<Track> &)> track_added;
    // A data channel message from the publisher (text, or binary when `data`).
    std::function<void(const std::string &text, GBytes *data)> data;
  };

  PublisherEndpoint(GstBin *pipeline, EndpointKey key, const session::IceSettings &ice,
                    const MainContext &main, Events events);
  ~PublisherEndpoint();

  // Plans the receiving transceivers from `offer` and answers it; an offer
  // we cannot take ends as EndpointFailed(notSetRemoteDescription).
  void start(const std::string &offer);
  // A new offer on the live session (renegotiation, or an ICE restart,
  // which webrtcbin's session recognises and answers).
  void apply_remote_description(protocol::SdpType type, const std::string &sdp);
  void add_remote_candidate(unsigned mline, const std::string &candidate);
  // Sends to the publisher over its data channel (when it opened one).
  void send_data(const std::string &text, GBytes *data);
  // Tears the webrtcbin and the tees down (players are gone by now).
  void stop();

  const EndpointKey &key() const { return key_; }
  const std::vector<std::shared_ptr<Track>> &tracks() const { return tracks_; }

 private:
  static void on_pad_added(GstElement *webrtc, GstPad *pad, gpointer weak);
  static void on_data_channel(GstElement *webrtc, GstWebRTCDataChannel *channel, gpointer weak);
  void add_track(GstPad *pad);
  void track_flowing(const std::shared_ptr<Track> &track);
  void fail(const std::string &definition, const std::string &information);
  // ICE or DTLS failed: at once before media flowed; afterwards only if no
  // ICE restart offer comes within kIceRestartGraceMs.
  void connection_failed();
  std::weak_ptr<PublisherEndpoint> *new_weak() { return new std::weak_ptr<PublisherEndpoint>(weak_from_this()); }

  GstBin *pipeline_;
  EndpointKey key_;
  session::IceSettings ice_;
  const MainContext &main_;
  Events events_;
  GstElement *webrtc_ = nullptr;
  std::unique_ptr<session::PeerSession> session_;
  GstWebRTCDataChannel *channel_ = nullptr;
  // Every track webrtcbin's streaming thread linked, for teardown.
  std::mutex created_mutex_;
  std::vector<std::shared_ptr<Track>> created_tracks_;
  std::vector<std::shared_ptr<Track>> tracks_;  // flowing (main context)
  std::size_t expected_tracks_ = 0;
  // The codec chosen for each kind from the offer (see Track::offered_caps).
  std::map<std::string, GstCaps *> offered_caps_;
  guint grace_timer_ = 0;  // reports media flowing without a late track
  OneShotTimer ice_restart_grace_;  // see connection_failed()
  bool reported_flowing_ = false;
  bool stopped_ = false;
};

}  // namespace amsrtc::server::media
