// The code around one webrtcbin that every amsrtc component needs, whether
// it publishes, plays, calls a peer or is the server's SFU endpoint:
// offer/answer through GstPromise change functions (never blocking a
// GStreamer thread), remote candidates held back until the remote
// description is set, m-line index <-> a=mid for `label`/`id`, repeated
// offers answered on the same webrtcbin, the ordered data channel, ICE
// servers and the local addresses ICE may use, checks on the SDP we send,
// and ICE restarts (which webrtcbin 1.22 lacks).
//
// It knows nothing of signaling: the owner moves SDP and candidates between
// this and the protocol. Callbacks run on GStreamer threads (webrtcbin's own
// thread): they must not block and must not destroy the session.
#pragma once

#include <gst/gst.h>
#include <gst/webrtc/webrtc.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "signaling/protocol/messages.h"

namespace amsrtc::session {

struct IceSettings {
  std::string stun_server;                // "stun:host:port" (AMS style) or "stun://host:port"
  std::vector<std::string> turn_servers;  // "turn://user:password@host:port"
  bool relay_only = false;                // ice-transport-policy=relay
  // Addresses ICE may gather host candidates on. libnice skips loopback
  // unless told (../shared/NOTES.md), so "127.0.0.1" is what loopback tests
  // and same-machine setups need.
  std::vector<std::string> local_addresses;
};

struct SessionCallbacks {
  // Our offer or answer, set as local description, ready to send.
  std::function<void(protocol::SdpType type, const std::string &sdp)> on_local_description;
  // A local ICE candidate with its m-line index and that m-line's a=mid.
  std::function<void(unsigned mline, const std::string &mid, const std::string &candidate)>
      on_local_candidate;
  // Negotiation failed: the sentence says what and why.
  std::function<void(const std::string &error)> on_error;
  // ICE or DTLS failed: this peer cannot be reached (optional).
  std::function<void()> on_connection_failed;
  // Still not connected 10 s after our description was set (optional):
  // `states` names webrtcbin's ICE, connection and signaling states.
  std::function<void(const std::string &states)> on_connection_stalled;
};

// webrtcbin's rtpbin (a new reference), or nullptr: where its RTP sessions
// are reached ("get-internal-session").
GstElement *rtpbin_of(GstElement *webrtcbin);

// Whether webrtcbin's connection-state is "connected" (ICE and DTLS up).
bool is_connected(GstElement *webrtcbin);

class PeerSession {
 public:
  // Configures `webrtcbin` (a ref is taken): bundle-policy max-bundle, ICE
  // servers, transport policy, local addresses. Call before negotiating.
  PeerSession(GstElement *webrtcbin, IceSettings ice, SessionCallbacks callbacks);
  ~PeerSession();
  PeerSession(const PeerSession &) = delete;
  PeerSession &operator=(const PeerSession &) = delete;

  // Offerer: create an offer, set it locally, hand it to on_local_description.
  void create_offer();
  // A remote offer is answered (also a repeated one: renegotiation); a
  // remote answer completes our offer. Buffered candidates follow it.
  void set_remote_description(protocol::SdpType type, const std::string &sdp);
  // A remote candidate (`label` = m-line index). Held until the remote
  // description is set; empty candidates (end of candidates) are ignored.
  void add_remote_candidate(unsigned mline, const std::string &candidate);
  // An ordered data channel labelled `label` (the offerer creates it,
  // PROTOCOL.md §3.9). Transfer full.
  GstWebRTCDataChannel *create_data_channel(const std::string &label);

  // ICE restart, as RTCPeerConnection.restartIce() (ice_restart.h): a new
  // offer with new credentials, candidate checks from scratch, our
  // candidates sent again; media stays on the old path while it works. For
  // a lost path or a changed network. The remote's restarting offer is
  // recognised by set_remote_description and answered the same way. False
  // (nothing done) before an offer/answer exchange completed, while one is
  // in progress, or when webrtcbin's ICE is not libnice.
  bool restart_ice();
  // Called (on the thread of set_remote_description) when a remote offer
  // restarts ICE, before it is answered.
  void set_remote_ice_restart_handler(std::function<void()> handler);

  GstElement *webrtcbin() const;

  // When answering, describe our media with the payload types the offer
  // gave our codecs. Only for an owner that also rewrites its RTP to them
  // (amsrtcpeer: payload_type_rewrite.h); off by default.
  void set_payload_types_follow_offer(bool follow);

  // Whether what we send carries transport-wide congestion control (on by
  // default: a browser receiving from us needs it, and it is the same
  // a=extmap for both directions of an m-line). A send-only owner turns it
  // off: webrtcbin 1.22 cannot act on TWCC feedback, and a receiver that
  // sends TWCC feedback with every frame sends only early RTCP, without
  // report blocks, so we would learn no loss (stream_stats.h).
  void set_transport_cc(bool enabled);

  struct Impl;  // internal (peer_session.cpp)

 private:
  std::shared_ptr<Impl> impl_;  // promise callbacks hold weak references
};

// "stun:host:port" (AMS, browsers) -> "stun://host:port" (webrtcbin).
std::string webrtcbin_stun_uri(const std::string &uri);

}  // namespace amsrtc::session
