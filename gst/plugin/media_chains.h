// The element chains between the application's pads and webrtcbin:
//   sending:   raw video  -> convert ! encoder ! parser ! payloader
//              H.264/VP8/VP9 (already encoded) -> parser ! payloader (never transcoded)
//              raw audio  -> convert ! resample ! opusenc ! payloader; Opus -> payloader
//   receiving: RTP -> depayloader [! parser] [! decoder ! convert]
// Each chain is a bin with one sink and one src ghost pad, described in
// gst-launch syntax so the choices are visible in one place.
#pragma once

#include <gst/gst.h>

#include <string>

namespace amsrtc::plugin {

enum class VideoCodec { kH264, kVP8, kVP9 };

const char *codec_name(VideoCodec codec);  // "H264", "VP8", "VP9"

struct SendSettings {
  VideoCodec video_codec = VideoCodec::kH264;  // for raw video input
  unsigned video_bitrate_kbps = 1500;
  unsigned keyframe_interval_frames = 60;
};

// The gst-launch description of the sending chain for `caps` (the caps of
// the application's input), or "" when we cannot send that format. The
// chain ends in a payloader with a fixed payload type `pt`.
std::string send_chain_description(const GstCaps *caps, const SendSettings &settings, unsigned pt);

// The gst-launch description of the receiving chain for RTP `caps` (from a
// webrtcbin src pad), decoded (`decode`) or depayloaded only; "" when the
// encoding is not one we handle.
std::string receive_chain_description(const GstCaps *caps, bool decode);

// Builds a bin from a description (ghost pads "sink" and "src"); nullptr and
// `error` on failure (a missing element names itself there).
GstElement *make_chain(const std::string &description, std::string &error);

}  // namespace amsrtc::plugin
