// ICE restart (RFC 8445 §2.4, JSEP §5.2.1) on webrtcbin 1.22, which has
// none of its own: it reuses its last ICE credentials in every new offer and
// answer, and never tells its libnice agent to start over.
//
// A restart needs three things, done by PeerSession (peer_session.h):
//   1. the NiceAgent forgets its remote candidates and checks (restart_ice_agent),
//   2. the next offer (or the answer to a restarting offer) carries new
//      credentials (with_ice_credentials); webrtcbin hands what we set as
//      local description to the agent,
//   3. our local candidates are sent again: the agent keeps them, so
//      webrtcbin gathers (and announces) nothing new.
// The remote side recognises a restart by a changed a=ice-ufrag (ice_ufrag_of).
// DTLS and SRTP are untouched: the same transport carries on over the new
// candidate pair, and media keeps flowing on the old pair while it still can.
#pragma once

#include <gst/gst.h>

#include <string>

namespace amsrtc::session {

struct IceCredentials {
  std::string ufrag;     // 8 ice-chars (RFC 8839 asks for at least 4)
  std::string password;  // 24 ice-chars (at least 22)
};

// Fresh random credentials.
IceCredentials generate_ice_credentials();

// The first a=ice-ufrag of `sdp` (session or media level), or "".
std::string ice_ufrag_of(const std::string &sdp);

// `sdp` with every a=ice-ufrag / a=ice-pwd value replaced (one bundled
// transport: every m-line carries the same pair).
std::string with_ice_credentials(const std::string &sdp, const IceCredentials &credentials);

// Makes webrtcbin's libnice agent forget its remote candidates, candidate
// checks and credentials (nice_agent_restart), keeping its local candidates
// and, until a new pair is chosen, the pair media flows on. False when the
// webrtcbin's ICE is not libnice (nothing was done).
bool restart_ice_agent(GstElement *webrtcbin);

// Turns on libnice's keepalive connectivity checks, so that a path that
// stops answering ends as ICE "failed" (after libnice's 50 s) instead of
// staying "connected" for ever: webrtcbin 1.22 sends only keepalive
// indications, which need no answer, so it never notices.
void detect_lost_ice_paths(GstElement *webrtcbin);

}  // namespace amsrtc::session
