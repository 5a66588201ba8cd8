// A frame number drawn into the picture before encoding and read back after
// decoding, for glass-to-glass latency: 14 blocks of 80x80 luma along the
// top-left edge, a white start block, 12 bits (white = 1), a black end
// block. Big flat blocks survive any encoder at our bitrates.
#pragma once

#include <gst/video/video.h>

#include <cstdint>
#include <optional>

namespace amsrtc::bench {

constexpr unsigned kStampBits = 12;  // frame numbers wrap at 4096 (136 s at 30 fps)

// Draws `number` into a writable, mapped frame (I420 or any format whose
// first plane is 8-bit luma). The frame must be at least 1120x80.
void stamp_frame(GstVideoFrame *frame, uint32_t number);

// The number in a decoded frame, or nullopt when the blocks do not read as a
// stamp (start/end block wrong).
std::optional<uint32_t> read_stamp(const GstVideoFrame *frame);

}  // namespace amsrtc::bench
