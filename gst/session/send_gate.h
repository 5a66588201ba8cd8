// Holding what we send until a webrtcbin's connection can carry it.
#pragma once

#include <gst/gst.h>

namespace amsrtc::session {

// Until release_held_media(), buffers pushed into `webrtcbin`'s sink pads
// (those it has and those requested later) are dropped at the pad.
//
// Why: webrtcbin 1.22 blocks its send path until DTLS is done. The leaky
// queue feeding each of its sink pads then fills with 200 ms of media and
// starts dropping its oldest packets, and when the path opens the remote
// gets those stale packets, then a gap in the sequence numbers. It asks for
// the missing ones (NACK), and nothing can send them: they never reached
// the RTX history. amsrtc-server asked an amsrtcsink publisher for 4-33
// such packets on every connection, and the sink counted them as loss.
// Dropped before webrtcbin instead, they never get sequence numbers on the
// wire; the first packets sent are current, and a keyframe is asked for on
// connection (PeerSession).
void hold_media_until_connected(GstElement *webrtcbin);

// Lets media through from now on (the connection is up). Later calls do
// nothing.
void release_held_media(GstElement *webrtcbin);

}  // namespace amsrtc::session
