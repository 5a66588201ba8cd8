// Sending with the payload types a remote offer chose. Our payloaders use
// fixed payload types (96 video, 111 audio) and one encoder feeds every
// remote through a tee, but a browser's offer may give our codec another
// number (Chrome offers H.264 as 102, 108, ...). webrtcbin answers only with
// a codec whose caps match the offer's, payload type included, and does not
// rewrite RTP itself. So each remote's branch rewrites payload types, in
// its caps and in every packet, to what that remote offered.
#pragma once

#include <gst/gst.h>

#include <vector>

#include "gst/session/sdp_utils.h"

namespace amsrtc::plugin {

// Rewrites the RTP that leaves `pad` (a branch's queue src pad, before
// webrtcbin) to the payload types `offer` gives its codec. Nothing changes
// when the offer uses ours or lacks the codec.
void follow_offered_payload_types(GstPad *pad, std::vector<session::SdpMedia> offer);

}  // namespace amsrtc::plugin
