// Keyframe requests (force-key-unit events, which the publisher's RTP
// session turns into PLI) from every player of a track reach the publisher
// at most once per interval. Without it, a loss burst across many players
// asked for a keyframe per player: the publisher's encoder produced large
// keyframes back to back, which caused more loss (measured at 75 players:
// the publisher's bitrate up 15 %, 20 % loss). A request inside the
// interval is not lost: one is sent when the interval ends (with the next
// packet), so a newly connected player still gets its keyframe promptly.
#pragma once

#include <gst/gst.h>

namespace amsrtc::server::media {

// Installs the limit on a track's tee sink pad (linked to the publisher's
// webrtcbin); lives as long as the pad.
void limit_keyframe_requests(GstPad *tee_sink, GstClockTime interval);

}  // namespace amsrtc::server::media
