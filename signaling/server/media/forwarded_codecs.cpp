#include "forwarded_codecs.h"

#include <gst/sdp/sdp.h>

#include <cstring>

namespace amsrtc::server::media {

namespace {

bool sends(const session::SdpMedia &media) {
  return !media.rejected && media.direction != "recvonly" && media.direction != "inactive";
}

bool forwarded(const session::SdpCodec &codec) {
  const char *name = codec.name.c_str();
  if (g_ascii_strcasecmp(name, "VP8") == 0) return codec.clock_rate == 90000;
  if (g_ascii_strcasecmp(name, "VP9") == 0) {
    // Profile 0 is what every browser decodes.
    const std::string profile = session::fmtp_value(codec.fmtp, "profile-id");
    return codec.clock_rate == 90000 && (profile.empty() || profile == "0");
  }
  if (g_ascii_strcasecmp(name, "H264") == 0) {
    return codec.clock_rate == 90000 &&
           session::fmtp_value(codec.fmtp, "packetization-mode") == "1" &&
           session::h264_profile(session::fmtp_value(codec.fmtp, "profile-level-id")) ==
               "constrained-baseline";
  }
  if (g_ascii_strcasecmp(name, "opus") == 0) {
    return codec.clock_rate == 48000 && codec.channels == 2;
  }
  return false;
}

}  // namespace

std::optional<session::SdpCodec> choose_forwarded_codec(const session::SdpMedia &media) {
  for (unsigned pt : media.payload_types) {
    for (const auto &codec : media.codecs) {
      if (codec.payload_type == pt && forwarded(codec)) return codec;
    }
  }
  return std::nullopt;
}

ReceivePlan::~ReceivePlan() {
  for (auto &track : tracks) {
    if (track.caps != nullptr) gst_caps_unref(track.caps);
  }
}

void plan_publisher_tracks(const std::string &offer_sdp, ReceivePlan &plan) {
  const auto media = session::parse_sdp_media(offer_sdp);
  GstSDPMessage *sdp = nullptr;
  if (!media || gst_sdp_message_new_from_text(offer_sdp.c_str(), &sdp) != GST_SDP_OK) {
    plan.error = "the offer is not valid SDP";
    return;
  }
  for (guint i = 0; i < media->size() && i < gst_sdp_message_medias_len(sdp); ++i) {
    const session::SdpMedia &m = (*media)[i];
    if ((m.kind != "audio" && m.kind != "video") || !sends(m)) continue;
    const auto codec = choose_forwarded_codec(m);
    if (!codec) {
      std::string offered;
      for (const auto &c : m.codecs) {
        if (c.name == "rtx" || c.name == "red" || c.name == "ulpfec" || c.name == "CN" ||
            c.name == "telephone-event")
          continue;
        offered += (offered.empty() ? "" : ", ") + c.name;
      }
      plan.error = "the offer's " + m.kind + " m-line (mid " + m.mid +
                   ") has no codec this server forwards: it offers " +
                   (offered.empty() ? std::string("none") : offered) + "; the server takes " +
                   kForwardedCodecs;
      break;
    }
    GstCaps *caps = gst_sdp_media_get_caps_from_media(gst_sdp_message_get_media(sdp, i),
                                                      static_cast<gint>(codec->payload_type));
    if (caps == nullptr) {
      plan.error = "the offer's " + m.kind + " codec " + codec->name + " has no usable a=rtpmap";
      break;
    }
    caps = gst_caps_make_writable(caps);
    GstStructure *s = gst_caps_get_structure(caps, 0);
    gst_structure_set_name(s, "application/x-rtp");
    // GStreamer turns profile-level-id into profile=...; what players are
    // offered needs the SDP parameter itself.
    const std::string profile_level_id = session::fmtp_value(codec->fmtp, "profile-level-id");
    if (!profile_level_id.empty()) {
      gst_structure_set(s, "profile-level-id", G_TYPE_STRING, profile_level_id.c_str(), nullptr);
    }
    // Keyframe requests and retransmission on the publisher's hop.
    gst_structure_set(s, "rtcp-fb-nack", G_TYPE_BOOLEAN, TRUE, "rtcp-fb-nack-pli", G_TYPE_BOOLEAN,
                      TRUE, nullptr);
    if (m.kind == "video") {
      gst_structure_set(s, "rtcp-fb-ccm-fir", G_TYPE_BOOLEAN, TRUE, nullptr);
      // Chrome starts its estimate at 300 kbit/s and climbs from there;
      // starting at 1 Mbit/s (our answer's fmtp) reaches HD seconds sooner.
      gst_structure_set(s, "x-google-start-bitrate", G_TYPE_STRING, "1000", nullptr);
    }
    if (const auto id = session::extension_id(m, session::kTransportCcUri)) {
      const std::string field = "extmap-" + std::to_string(*id);
      const std::string uri(session::kTransportCcUri);
      gst_structure_set(s, field.c_str(), G_TYPE_STRING, uri.c_str(), "rtcp-fb-transport-cc",
                        G_TYPE_BOOLEAN, TRUE, nullptr);
    }
    plan.tracks.push_back({m.kind, m.mid, caps});
  }
  gst_sdp_message_free(sdp);
  if (plan.error.empty() && plan.tracks.empty()) {
    plan.error = "the offer sends no audio or video";
  }
}

GstCaps *player_codec_preferences(const GstCaps *publisher_caps, const GstCaps *offered_caps) {
  GstCaps *caps = gst_caps_copy(publisher_caps);
  GstStructure *s = gst_caps_get_structure(caps, 0);
  if (offered_caps != nullptr) {
    const GstStructure *offered = gst_caps_get_structure(offered_caps, 0);
    for (const char *field : {"profile-level-id", "packetization-mode", "level-asymmetry-allowed",
                              "profile-id", "useinbandfec", "minptime", "stereo"}) {
      if (gst_structure_has_field(offered, field) && !gst_structure_has_field(s, field)) {
        gst_structure_set_value(s, field, gst_structure_get_value(offered, field));
      }
    }
  }
  // The ssrc stays: webrtcbin writes the offer's a=ssrc lines from the
  // preferences when the track's caps have not reached its sink pad yet (a
  // re-offer made right after a member joins). Without them a receiving
  // webrtcbin cannot map the member's packets to an m-line: 1.22 then takes
  // m-line 0 (the data channel in a conference player) and crashes.
  gst_structure_filter_and_map_in_place(
      s,
      [](GQuark field, GValue *, gpointer) -> gboolean {
        const char *name = g_quark_to_string(field);
        static const char *const kDropped[] = {
            "timestamp-offset",  "seqnum-offset", "clock-base",
            "seqnum-base", "rtcp-fb-transport-cc", "rtcp-fb-goog-remb", "mid", "sprop-parameter-sets"};
        for (const char *dropped : kDropped) {
          if (std::strcmp(name, dropped) == 0) return FALSE;
        }
        return !g_str_has_prefix(name, "extmap-") && !g_str_has_prefix(name, "a-") &&
               !g_str_has_prefix(name, "rtx-") && !g_str_has_prefix(name, "ssrc-");
      },
      nullptr);
  return caps;
}

}  // namespace amsrtc::server::media
