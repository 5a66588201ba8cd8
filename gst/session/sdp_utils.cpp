#include "sdp_utils.h"

#include <gst/sdp/sdp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace amsrtc::session {
namespace {

std::string lower(std::string text) {
  for (char &c : text) c = static_cast<char>(g_ascii_tolower(c));
  return text;
}

const char *direction_of(const GstSDPMedia *media) {
  for (const char *direction : {"sendrecv", "sendonly", "recvonly", "inactive"}) {
    if (gst_sdp_media_get_attribute_val(media, direction) != nullptr) return direction;
  }
  return "sendrecv";
}

// "96 H264/90000" or "111 opus/48000/2" -> codec (name, clock, channels)
bool parse_rtpmap(const char *value, SdpCodec &codec) {
  char *end = nullptr;
  codec.payload_type = static_cast<unsigned>(std::strtoul(value, &end, 10));
  if (end == value || *end != ' ') return false;
  g_auto(GStrv) parts = g_strsplit(end + 1, "/", 3);
  if (parts[0] == nullptr || parts[1] == nullptr) return false;
  codec.name = parts[0];
  codec.clock_rate = static_cast<unsigned>(std::strtoul(parts[1], nullptr, 10));
  codec.channels =
      parts[2] != nullptr ? static_cast<unsigned>(std::strtoul(parts[2], nullptr, 10)) : 0;
  return true;
}

}  // namespace

std::optional<std::vector<SdpMedia>> parse_sdp_media(std::string_view text) {
  GstSDPMessage *sdp = nullptr;
  gst_sdp_message_new(&sdp);
  if (gst_sdp_message_parse_buffer(reinterpret_cast<const guint8 *>(text.data()),
                                   static_cast<guint>(text.size()), sdp) != GST_SDP_OK ||
      gst_sdp_message_get_version(sdp) == nullptr) {
    gst_sdp_message_free(sdp);
    return std::nullopt;
  }
  // The mids of the BUNDLE group: a bundled m-line with port 0 (webrtcbin's
  // max-bundle offers, a=bundle-only) is not a rejected one (RFC 8843).
  std::vector<std::string> bundled;
  for (guint a = 0; a < gst_sdp_message_attributes_len(sdp); ++a) {
    const GstSDPAttribute *attribute = gst_sdp_message_get_attribute(sdp, a);
    if (g_strcmp0(attribute->key, "group") != 0 || attribute->value == nullptr ||
        !g_str_has_prefix(attribute->value, "BUNDLE ")) {
      continue;
    }
    gchar **mids = g_strsplit(attribute->value + 7, " ", -1);
    for (gchar **m = mids; *m != nullptr; ++m) {
      if (**m != '\0') bundled.emplace_back(*m);
    }
    g_strfreev(mids);
  }
  std::vector<SdpMedia> result;
  for (guint i = 0; i < gst_sdp_message_medias_len(sdp); ++i) {
    const GstSDPMedia *m = gst_sdp_message_get_media(sdp, i);
    SdpMedia media;
    media.kind = gst_sdp_media_get_media(m) ? gst_sdp_media_get_media(m) : "";
    const char *mid = gst_sdp_media_get_attribute_val(m, "mid");
    media.mid = mid ? mid : "";
    media.direction = direction_of(m);
    media.rejected = gst_sdp_media_get_port(m) == 0 &&
                     gst_sdp_media_get_attribute_val(m, "bundle-only") == nullptr &&
                     std::find(bundled.begin(), bundled.end(), media.mid) == bundled.end();
    for (guint f = 0; f < gst_sdp_media_formats_len(m); ++f) {
      media.payload_types.push_back(
          static_cast<unsigned>(std::strtoul(gst_sdp_media_get_format(m, f), nullptr, 10)));
    }
    for (guint a = 0; a < gst_sdp_media_attributes_len(m); ++a) {
      const GstSDPAttribute *attribute = gst_sdp_media_get_attribute(m, a);
      if (g_strcmp0(attribute->key, "rtpmap") != 0 || attribute->value == nullptr) continue;
      SdpCodec codec;
      if (parse_rtpmap(attribute->value, codec)) media.codecs.push_back(codec);
    }
    for (guint a = 0; a < gst_sdp_media_attributes_len(m); ++a) {
      const GstSDPAttribute *attribute = gst_sdp_media_get_attribute(m, a);
      if (g_strcmp0(attribute->key, "fmtp") != 0 || attribute->value == nullptr) continue;
      char *end = nullptr;
      const auto pt = static_cast<unsigned>(std::strtoul(attribute->value, &end, 10));
      for (SdpCodec &codec : media.codecs) {
        if (codec.payload_type == pt && end != nullptr) codec.fmtp = end + std::strspn(end, " ");
      }
    }
    for (guint a = 0; a < gst_sdp_media_attributes_len(m); ++a) {
      const GstSDPAttribute *attribute = gst_sdp_media_get_attribute(m, a);
      if (g_strcmp0(attribute->key, "extmap") != 0 || attribute->value == nullptr) continue;
      // "3 http://..." or "3/sendrecv http://..."
      char *end = nullptr;
      const auto id = static_cast<unsigned>(std::strtoul(attribute->value, &end, 10));
      if (end == attribute->value) continue;
      const char *uri = std::strchr(end, ' ');
      if (uri == nullptr) continue;
      uri += std::strspn(uri, " ");
      media.extensions.push_back({id, std::string(uri, std::strcspn(uri, " "))});
    }
    result.push_back(std::move(media));
  }
  gst_sdp_message_free(sdp);
  return result;
}

std::string mid_of(const std::vector<SdpMedia> &media, unsigned mline) {
  return mline < media.size() ? media[mline].mid : std::string();
}

std::optional<unsigned> mline_of(const std::vector<SdpMedia> &media, std::string_view mid) {
  for (unsigned i = 0; i < media.size(); ++i) {
    if (!mid.empty() && media[i].mid == mid) return i;
  }
  return std::nullopt;
}

std::string describe_codecs(const std::vector<SdpMedia> &media) {
  std::string text;
  for (const SdpMedia &m : media) {
    if (m.rejected || m.codecs.empty()) continue;
    if (!text.empty()) text += "; ";
    text += m.kind + ": ";
    for (std::size_t i = 0; i < m.codecs.size(); ++i) {
      const SdpCodec &c = m.codecs[i];
      // Retransmission and FEC helpers say nothing about compatibility.
      if (c.name == "rtx" || c.name == "red" || c.name == "ulpfec") continue;
      if (text.back() != ' ') text += ", ";
      text += c.name + "/" + std::to_string(c.clock_rate);
      if (c.channels != 0) text += "/" + std::to_string(c.channels);
    }
  }
  return text.empty() ? "no codecs" : text;
}

std::string h264_profile(std::string_view profile_level_id) {
  if (profile_level_id.size() != 6) return "";
  const std::string text(profile_level_id);
  const unsigned long value = std::strtoul(text.c_str(), nullptr, 16);
  const unsigned idc = (value >> 16) & 0xff;
  const unsigned iop = (value >> 8) & 0xff;
  switch (idc) {
    case 0x42:
      return (iop & 0x40) ? "constrained-baseline" : "baseline";
    case 0x4d:
      return (iop & 0x80) ? "constrained-baseline" : "main";
    case 0x58:
      return "extended";
    case 0x64:
      if ((iop & 0x0c) == 0x0c) return "constrained-high";
      return (iop & 0x08) ? "progressive-high" : "high";
    default:
      return "idc-" + std::to_string(idc);
  }
}

std::optional<unsigned> offered_payload_type(const SdpMedia &offer, std::string_view encoding_name,
                                             unsigned clock_rate,
                                             std::string_view profile_level_id) {
  const std::string name(encoding_name);
  const bool h264 = g_ascii_strcasecmp(name.c_str(), "H264") == 0;
  const std::string our_profile = h264_profile(profile_level_id);
  for (const SdpCodec &codec : offer.codecs) {
    if (g_ascii_strcasecmp(codec.name.c_str(), name.c_str()) != 0 ||
        codec.clock_rate != clock_rate) {
      continue;
    }
    if (!h264) return codec.payload_type;
    if (fmtp_value(codec.fmtp, "packetization-mode") != "1") continue;
    // Levels may differ (the answer states what we send); profiles may not.
    const std::string offered = h264_profile(fmtp_value(codec.fmtp, "profile-level-id"));
    if (our_profile.empty() || offered.empty() || offered == our_profile) return codec.payload_type;
  }
  return std::nullopt;
}

std::string codec_mismatch(const std::vector<SdpMedia> &remote,
                           const std::vector<SentCodec> &ours) {
  std::string missing;
  std::string sent;
  for (const SentCodec &codec : ours) {
    sent += (sent.empty() ? "" : ", ") + codec.kind + " " + codec.encoding;
    bool listed = false;
    for (const SdpMedia &media : remote) {
      // Port 0 here may be bundle-only (max-bundle), not refused: its codecs count.
      if (media.kind != codec.kind) continue;
      for (const SdpCodec &offered : media.codecs) {
        if (g_ascii_strcasecmp(offered.name.c_str(), codec.encoding.c_str()) == 0) listed = true;
      }
    }
    if (!listed) missing += (missing.empty() ? "" : ", ") + codec.kind + " " + codec.encoding;
  }
  if (missing.empty()) return {};
  return "no codec in common for " + missing + ": we send " + sent + ", the remote has " +
         describe_codecs(remote);
}

std::optional<unsigned> extension_id(const SdpMedia &media, std::string_view uri) {
  for (const SdpExtension &extension : media.extensions) {
    if (extension.uri == uri) return extension.id;
  }
  return std::nullopt;
}

std::string fmtp_value(std::string_view fmtp, std::string_view key) {
  std::size_t at = 0;
  while (at < fmtp.size()) {
    std::size_t end = fmtp.find(';', at);
    if (end == std::string_view::npos) end = fmtp.size();
    std::string_view item = fmtp.substr(at, end - at);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    const auto equals = item.find('=');
    if (equals != std::string_view::npos && item.substr(0, equals) == key) {
      return std::string(item.substr(equals + 1));
    }
    at = end + 1;
  }
  return {};
}

std::vector<std::string> check_outgoing_sdp(const std::vector<SdpMedia> &media) {
  std::vector<std::string> problems;
  for (unsigned i = 0; i < media.size(); ++i) {
    const SdpMedia &m = media[i];
    if (m.rejected || (m.kind != "audio" && m.kind != "video")) continue;
    const std::string where = "m-line " + std::to_string(i) + " (" + m.kind + ")";
    for (unsigned pt : m.payload_types) {
      const bool mapped = std::any_of(m.codecs.begin(), m.codecs.end(),
                                      [&](const SdpCodec &c) { return c.payload_type == pt; });
      if (!mapped)
        problems.push_back(where + ": payload type " + std::to_string(pt) + " has no a=rtpmap");
    }
    for (const SdpCodec &c : m.codecs) {
      const std::string name = lower(c.name);
      if (name == "h264") {
        if (fmtp_value(c.fmtp, "packetization-mode") != "1") {
          problems.push_back(where + ": H264/" + std::to_string(c.payload_type) +
                             " lacks packetization-mode=1 (browsers would answer mode 0)");
        }
        if (fmtp_value(c.fmtp, "profile-level-id").size() != 6) {
          problems.push_back(where + ": H264/" + std::to_string(c.payload_type) +
                             " lacks a profile-level-id");
        }
      }
      if (name == "opus" && (c.clock_rate != 48000 || c.channels != 2)) {
        problems.push_back(where + ": Opus must be opus/48000/2, is opus/" +
                           std::to_string(c.clock_rate) + "/" + std::to_string(c.channels));
      }
    }
  }
  return problems;
}

std::string complete_h264_fmtp(const std::string &answer, std::string_view offer) {
  const auto answer_media = parse_sdp_media(answer);
  const auto offer_media = parse_sdp_media(offer);
  if (!answer_media || !offer_media) return answer;
  GstSDPMessage *sdp = nullptr;
  if (gst_sdp_message_new_from_text(answer.c_str(), &sdp) != GST_SDP_OK) return answer;
  bool changed = false;
  for (guint i = 0; i < answer_media->size() && i < offer_media->size(); ++i) {
    for (const SdpCodec &codec : (*answer_media)[i].codecs) {
      if (codec.name != "H264" || !fmtp_value(codec.fmtp, "profile-level-id").empty()) continue;
      for (const SdpCodec &offered : (*offer_media)[i].codecs) {
        if (offered.payload_type != codec.payload_type || offered.fmtp.empty()) continue;
        std::string fmtp = std::to_string(codec.payload_type) + " ";
        bool first = true;
        gchar **params = g_strsplit(offered.fmtp.c_str(), ";", -1);
        for (gchar **p = params; *p != nullptr; ++p) {
          g_strstrip(*p);
          if (**p == '\0' || g_str_has_prefix(*p, "sprop-parameter-sets")) continue;
          fmtp += (first ? "" : ";") + std::string(*p);
          first = false;
        }
        g_strfreev(params);
        GstSDPMedia *media = const_cast<GstSDPMedia *>(gst_sdp_message_get_media(sdp, i));
        const std::string prefix = std::to_string(codec.payload_type) + " ";
        for (guint a = gst_sdp_media_attributes_len(media); a-- > 0;) {
          const GstSDPAttribute *attribute = gst_sdp_media_get_attribute(media, a);
          if (g_strcmp0(attribute->key, "fmtp") == 0 && attribute->value != nullptr &&
              g_str_has_prefix(attribute->value, prefix.c_str())) {
            gst_sdp_media_remove_attribute(media, a);
          }
        }
        gst_sdp_media_add_attribute(media, "fmtp", fmtp.c_str());
        changed = true;
      }
    }
  }
  std::string result = answer;
  if (changed) {
    gchar *text = gst_sdp_message_as_text(sdp);
    result = text;
    g_free(text);
  }
  gst_sdp_message_free(sdp);
  return result;
}

}  // namespace amsrtc::session
