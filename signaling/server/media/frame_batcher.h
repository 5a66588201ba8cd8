// A video track's packets, one buffer list per frame.
//
// Between a publisher's webrtcbin and its track's tee, so that a frame's
// packets travel to every player as one list: each player's queue thread then
// wakes once per frame instead of once per packet, and webrtcbin's send path
// (rtpbin, RTX history, SRTP, nicesink) takes the list in one call. Thread
// wake-ups and per-buffer overhead were most of the SFU's per-player cost
// (docs/benchmarks.md, "Where the per-player cost goes").
//
// A list goes out when its frame's last packet (RTP marker bit) arrives, when
// a packet of the next frame arrives first (the marker was lost), or at
// kMaxPacketsPerList. Holding a frame's first packets until its last costs no
// frame any time: a player decodes a frame only once its last packet is
// there. Video only: audio packets carry no per-frame marker, and an audio
// packet held for the next one would wait 20 ms.
#pragma once

#include <gst/gst.h>

namespace amsrtc::server::media {

constexpr guint kMaxPacketsPerList = 64;

// A new batcher element (floating ref), with pads "sink" and "src".
GstElement *make_frame_batcher();

}  // namespace amsrtc::server::media
