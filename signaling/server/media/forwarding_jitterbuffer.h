// The jitterbuffer of a publisher's RTP streams in the SFU: it forwards every
// packet on the thread that received it, in arrival order, and asks the
// publisher for the missing ones (NACK) without waiting for them.
//
// webrtcbin's rtpbin would otherwise put an rtpjitterbuffer there, which
// holds every packet behind a missing one until its retransmission comes (up
// to its latency: each loss on the publisher's side stalled every player),
// and costs each publisher track two threads of its own: one pushing the
// packets out, one running the retransmission timers. A packet waking those
// threads was the largest part of the server's fixed cost per publisher
// (docs/benchmarks.md). Browsers and webrtcbin players put packets back in
// order themselves, as they do behind Janus or any other SFU.
//
// Connected through rtpbin's "request-jitterbuffer" signal; it offers what
// rtpbin and webrtcbin use of rtpjitterbuffer: the latency and
// do-retransmission properties, a "stats" structure, the request-pt-map,
// handle-sync and clear-pt-map signals and a sink_rtcp request pad (sender
// reports are dropped: nothing here plays to a clock). Missing packets are
// asked for when do-retransmission is on and the payload type's negotiated
// caps (request-pt-map) say "rtcp-fb-nack", with the same upstream event
// rtpjitterbuffer sends (GstRTPRetransmissionRequest), which rtpbin's
// session turns into an RTCP NACK. The bookkeeping is in
// retransmission_tracker.h.
#pragma once

#include <gst/gst.h>

namespace amsrtc::server::media {

// A new forwarding jitterbuffer (floating ref), with pads "sink", "src" and
// the request pad "sink_rtcp".
GstElement *make_forwarding_jitterbuffer();

// Makes `webrtcbin`'s rtpbin use forwarding jitterbuffers for the streams it
// receives; each one, on its first packet, gives its RTP session an RTCP
// bandwidth that lets NACKs out within ~50 ms (gst/session/nack.h). Call
// before its first remote description.
void use_forwarding_jitterbuffers(GstElement *webrtcbin);

}  // namespace amsrtc::server::media
