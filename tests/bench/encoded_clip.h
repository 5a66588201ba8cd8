// The fan-out benchmark's camera: 720p30 H.264 encoded once, before any
// measurement, and then replayed in a loop at 30 fps.
//
// Encoding live (x264 in the bench process) made the publisher compete with
// the players and the server for the same two cores: as the load grew, x264
// fell behind, the publisher's bitrate sagged (2.0 → 1.2 Mbit/s at N = 100)
// and the servers were compared on different streams. A replayed clip costs
// next to nothing and sends both servers the same bytes at the same times.
// (The servers' keyframe requests go unanswered; the clip has a keyframe
// every 2 s, and the players count packets, they do not decode.)
#pragma once

#include <gst/gst.h>

#include <string>
#include <vector>

namespace amsrtc::bench {

// One access unit per buffer (byte-stream, constrained baseline), 300
// frames: moving SMPTE bars, x264 ultrafast/zerolatency at 2 Mbit/s with a
// keyframe every 60 frames. Made on the first call (a few seconds of CPU)
// and kept for the life of the process. Empty if x264 is missing.
const std::vector<GstBuffer *> &encoded_clip(std::string *error);

// Feeds `appsrc` the clip in a loop, with timestamps that keep growing
// (frame n at n/30 s of running time); a clocksync after it paces the
// frames to the clock. The callbacks hold only a frame counter and the
// clip, which lives as long as the process.
void play_clip_in_loop(GstElement *appsrc, const std::vector<GstBuffer *> &clip);

}  // namespace amsrtc::bench
