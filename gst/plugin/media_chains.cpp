#include "media_chains.h"

namespace amsrtc::plugin {
namespace {

bool have(const char *factory) {
  GstElementFactory *found = gst_element_factory_find(factory);
  if (found == nullptr) return false;
  gst_object_unref(found);
  return true;
}

std::string raw_video_chain(const SendSettings &s, unsigned pt) {
  const std::string keyint = std::to_string(s.keyframe_interval_frames);
  const std::string kbps = std::to_string(s.video_bitrate_kbps);
  const std::string bps = std::to_string(s.video_bitrate_kbps * 1000);
  const std::string payload = " pt=" + std::to_string(pt);
  switch (s.video_codec) {
    case VideoCodec::kH264:
      // Constrained baseline with packetization-mode=1: what every browser
      // decodes (PROTOCOL.md §8; settings from ../shared/NOTES.md).
      if (have("x264enc")) {
        return "videoconvert ! video/x-raw,format=I420 ! x264enc tune=zerolatency "
               "speed-preset=ultrafast threads=1 key-int-max=" +
               keyint + " bitrate=" + kbps +
               " ! video/x-h264,profile=constrained-baseline ! h264parse "
               "! rtph264pay config-interval=-1 aggregate-mode=zero-latency" +
               payload;
      }
      return "videoconvert ! video/x-raw,format=I420 ! openh264enc complexity=low gop-size=" +
             keyint + " bitrate=" + bps +
             " ! video/x-h264,profile=constrained-baseline ! h264parse "
             "! rtph264pay config-interval=-1 aggregate-mode=zero-latency" +
             payload;
    case VideoCodec::kVP8:
      return "videoconvert ! vp8enc deadline=1 end-usage=cbr lag-in-frames=0 cpu-used=8 threads=1 "
             "error-resilient=default keyframe-max-dist=" +
             keyint + " target-bitrate=" + bps + " ! rtpvp8pay picture-id-mode=15-bit" + payload;
    case VideoCodec::kVP9:
      return "videoconvert ! vp9enc deadline=1 end-usage=cbr lag-in-frames=0 cpu-used=8 threads=1 "
             "keyframe-max-dist=" +
             keyint + " target-bitrate=" + bps + " ! rtpvp9pay picture-id-mode=15-bit" + payload;
  }
  return {};
}

}  // namespace

const char *codec_name(VideoCodec codec) {
  switch (codec) {
    case VideoCodec::kH264:
      return "H264";
    case VideoCodec::kVP8:
      return "VP8";
    case VideoCodec::kVP9:
      return "VP9";
  }
  return "?";
}

std::string send_chain_description(const GstCaps *caps, const SendSettings &settings, unsigned pt) {
  if (caps == nullptr || gst_caps_is_empty(caps)) return {};
  const std::string name = gst_structure_get_name(gst_caps_get_structure(caps, 0));
  const std::string payload = " pt=" + std::to_string(pt);
  if (name == "video/x-raw") return raw_video_chain(settings, pt);
  // Already encoded: parsed and payloaded, never transcoded.
  if (name == "video/x-h264") {
    // avc: the parser's caps carry the SPS (codec_data), so the payloader's
    // caps name profile-level-id and packetization-mode before the first
    // frame, and the offer describes the stream exactly.
    return "h264parse ! video/x-h264,stream-format=avc,alignment=au "
           "! rtph264pay config-interval=-1 aggregate-mode=zero-latency" +
           payload;
  }
  if (name == "video/x-vp8") return "rtpvp8pay picture-id-mode=15-bit" + payload;
  if (name == "video/x-vp9") return "rtpvp9pay picture-id-mode=15-bit" + payload;
  if (name == "audio/x-raw") {
    return "audioconvert ! audioresample ! audio/x-raw,rate=48000,channels=2 "
           "! opusenc bitrate=64000 frame-size=20 ! rtpopuspay" +
           payload;
  }
  if (name == "audio/x-opus") return "opusparse ! rtpopuspay" + payload;
  return {};
}

std::string receive_chain_description(const GstCaps *caps, bool decode) {
  if (caps == nullptr || gst_caps_is_empty(caps)) return {};
  const GstStructure *s = gst_caps_get_structure(caps, 0);
  const char *encoding = gst_structure_get_string(s, "encoding-name");
  const std::string name = encoding != nullptr ? encoding : "";
  if (name == "H264") {
    const char *decoder = have("avdec_h264") ? "avdec_h264" : "openh264dec";
    return decode ? std::string("rtph264depay ! h264parse ! ") + decoder + " ! videoconvert"
                  : "rtph264depay ! h264parse";
  }
  if (name == "VP8") return decode ? "rtpvp8depay ! vp8dec ! videoconvert" : "rtpvp8depay";
  if (name == "VP9") return decode ? "rtpvp9depay ! vp9dec ! videoconvert" : "rtpvp9depay";
  if (name == "OPUS") {
    return decode ? "rtpopusdepay ! opusdec ! audioconvert ! audioresample" : "rtpopusdepay";
  }
  return {};
}

GstElement *make_chain(const std::string &description, std::string &error) {
  GError *parse_error = nullptr;
  GstElement *bin = gst_parse_bin_from_description(description.c_str(), TRUE, &parse_error);
  if (bin == nullptr || parse_error != nullptr) {
    error = parse_error != nullptr ? parse_error->message : "could not build " + description;
    g_clear_error(&parse_error);
    if (bin != nullptr) gst_object_unref(bin);
    return nullptr;
  }
  return bin;
}

}  // namespace amsrtc::plugin
