// The picture size a video stream carries, read from its RTP payloads
// without decoding: a VP8 keyframe header or an H.264 sequence parameter
// set. For getStreamInfo (PROTOCOL.md §3.3 (9)).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace amsrtc::server::media {

// True, with `width` and `height`, when this RTP payload of `encoding`
// ("VP8", "H264") starts a frame that states its size.
bool read_frame_size(std::string_view encoding, const uint8_t *payload, std::size_t size,
                     int &width, int &height);

}  // namespace amsrtc::server::media
