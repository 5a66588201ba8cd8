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
#pragma once

#include <gst/gst.h>

namespace amsrtc::session {

// For a webrtcbin of an element (before its first description): video
// transceivers from a remote offer get do-nack; each receiving jitterbuffer
// asks for lost packets exactly when its payload type was negotiated with
// NACK ("rtcp-fb-nack" in rtpbin's payload map); RTCP is timely (below).
void request_lost_packets(GstElement *webrtcbin);

// Fixed RTCP bandwidths (RFC 3556's RR and RS, 20 kB/s each) on the RTP
// session that feeds the jitterbuffer whose (linked) sink pad this is: an
// RTCP interval of about 50 ms whatever the stream's rate (a couple of kB/s
// of RTCP), so a NACK leaves within ~50 ms of a gap. Call from the
// jitterbuffer's streaming thread, on its first packet.
void make_rtcp_timely(GstPad *jitterbuffer_sink);

// Whether `caps` (rtpbin's payload map for one payload type) negotiated NACK.
bool nack_negotiated(const GstCaps *caps);

}  // namespace amsrtc::session
