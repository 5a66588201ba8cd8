// Pure helpers on SDP text (GstSDPMessage underneath): m-line <-> mid, the
// codecs of each m-line, and the checks our own SDP must pass before it goes
// to a server (PROTOCOL.md §3.2, §12.11). No webrtcbin, no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace amsrtc::session {

struct SdpCodec {
  unsigned payload_type = 0;
  std::string name;  // as in a=rtpmap: "H264", "VP8", "opus", ...
  unsigned clock_rate = 0;
  unsigned channels = 0;  // 0 when the rtpmap has none
  std::string fmtp;       // the a=fmtp parameters, "" when none
};

// An RTP header extension the m-line negotiates (a=extmap).
struct SdpExtension {
  unsigned id = 0;
  std::string uri;
};

// Transport-wide congestion control: the receiver reports every packet's
// arrival and the browser's bandwidth estimate follows it.
inline constexpr std::string_view kTransportCcUri =
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";

struct SdpMedia {
  std::string kind;                      // "audio", "video", "application"
  std::string mid;                       // "" when the m-line has no a=mid
  std::string direction;                 // sendrecv | sendonly | recvonly | inactive
  bool rejected = false;                 // port 0
  std::vector<unsigned> payload_types;   // as listed on the m= line
  std::vector<SdpCodec> codecs;          // one per a=rtpmap
  std::vector<SdpExtension> extensions;  // one per a=extmap
};

// The m-lines of `sdp`, in order; nullopt when it does not parse as SDP.
std::optional<std::vector<SdpMedia>> parse_sdp_media(std::string_view sdp);

// The a=mid of m-line `mline`, or "" (JS SDK uses `label`, AMS uses `id`).
std::string mid_of(const std::vector<SdpMedia> &media, unsigned mline);
// The m-line index of `mid`, or nullopt.
std::optional<unsigned> mline_of(const std::vector<SdpMedia> &media, std::string_view mid);

// "video: H264/90000, VP8/90000; audio: opus/48000/2" (rejected m-lines left out).
std::string describe_codecs(const std::vector<SdpMedia> &media);

// What is wrong with an SDP we are about to send, one sentence per problem;
// empty when it is fine: every payload type of an audio/video m-line has an
// a=rtpmap; H.264 carries packetization-mode=1 and a profile-level-id;
// Opus is opus/48000/2.
std::vector<std::string> check_outgoing_sdp(const std::vector<SdpMedia> &media);

// The id `media` gives the header extension `uri`, if it has it.
std::optional<unsigned> extension_id(const SdpMedia &media, std::string_view uri);

// GStreamer's name for an H.264 profile-level-id's profile ("42e01f" and
// "42c01f" -> "constrained-baseline", "42001f" -> "baseline", "640c1f" ->
// "constrained-high"); "" when it is not 6 hex digits.
std::string h264_profile(std::string_view profile_level_id);

// The payload type an offer's m-line gives the codec we send
// (`encoding_name`, `clock_rate`, and for H.264 our `profile_level_id`),
// or nullopt when the offer lacks that codec. H.264 needs
// packetization-mode=1 and the same profile (levels may differ).
std::optional<unsigned> offered_payload_type(const SdpMedia &offer, std::string_view encoding_name,
                                             unsigned clock_rate,
                                             std::string_view profile_level_id = "");

// `answer` with the H.264 a=fmtp lines webrtcbin left without a
// profile-level-id completed from the offer's line for the same payload type
// (sprop-parameter-sets left out: they describe the offerer's stream).
// webrtcbin 1.22 answers a receive-only H.264 m-line that way, and browsers
// then refuse it. Returns `answer` unchanged when nothing is missing.
std::string complete_h264_fmtp(const std::string &answer, std::string_view offer);

// What we send: the media kind ("video", "audio") and the encoding name.
struct SentCodec {
  std::string kind;
  std::string encoding;
};

// "" when each codec we send is listed in `remote`'s m-lines of its kind;
// otherwise a sentence naming both sides' codecs, for an error.
std::string codec_mismatch(const std::vector<SdpMedia> &remote, const std::vector<SentCodec> &ours);

// The value of `key` in an fmtp parameter list ("a=1;b=2"), or "".
std::string fmtp_value(std::string_view fmtp, std::string_view key);

}  // namespace amsrtc::session
