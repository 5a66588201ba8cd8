// Retransmission requests (NACK) on the streams a webrtcbin receives, made to
// work as a browser's do. Three things in webrtcbin 1.22 stand in the way:
//
// - A transceiver created from a remote offer has do-nack off, so the
//   answer leaves out the offered NACK and RTX: nothing is ever asked for.
// - webrtcbin sets do-retransmission on each receiving jitterbuffer of a
//   bundled session from every transceiver in turn, so the last one decides
//   for all (NACK on video only: video got none).
// - rtpsession sends a NACK early only once between two regular reports, and
//   the regular interval follows 5 % of the stream's bitrate: a report every
//   0.5 s for a few hundred kbit/s, later than any retransmission is useful.
//   The same reports carry transport-cc feedback, which a browser's
//   bandwidth probing waits for (below).
#pragma once

#include <gst/gst.h>

namespace amsrtc::session {

// For a webrtcbin of an element (before its first description): video
// transceivers from a remote offer get do-nack; each receiving jitterbuffer
// asks for lost packets exactly when its payload type was negotiated with
// NACK ("rtcp-fb-nack" in rtpbin's payload map).
void request_lost_packets(GstElement *webrtcbin);

// For a webrtcbin that receives media (before its first description): every
// RTP session it creates gets fixed RTCP bandwidths (RFC 3556's RR and RS,
// 20 kB/s each), an RTCP interval of about 50 ms whatever the stream's rate
// (a couple of kB/s of RTCP). So a NACK leaves within ~50 ms of a gap, and
// transport-cc feedback reaches the sender every ~50 ms from its first
// packets on, while a browser probes the path. Set as rtpbin creates each
// session, so that the first reports are timely too (set on the first
// packet instead, it waited for the report scheduled at the default rate).
void make_rtcp_timely(GstElement *webrtcbin);

// Whether `caps` (rtpbin's payload map for one payload type) negotiated NACK.
bool nack_negotiated(const GstCaps *caps);

}  // namespace amsrtc::session
