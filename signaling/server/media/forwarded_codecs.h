// Which codecs the SFU forwards, and the caps it negotiates with: for a
// publisher, one codec per m-line chosen from its offer; for a player, the
// publisher's negotiated caps without what belongs to the publisher's hop.
// The SFU never decodes or transcodes, so a player gets exactly the codec
// (and payload type) the publisher sends.
#pragma once

#include <gst/gst.h>

#include <optional>
#include <string>
#include <vector>

#include "gst/session/sdp_utils.h"

namespace amsrtc::server::media {

// The codecs forwarded, by encoding name as in a=rtpmap.
inline constexpr const char *kForwardedCodecs = "VP8, VP9, H264 (constrained baseline, "
                                                "packetization-mode=1), opus/48000/2";

// The codec of `media` (an audio or video m-line of an offer) the server
// receives: the first in the offer's order that it forwards; nullopt when
// there is none.
std::optional<session::SdpCodec> choose_forwarded_codec(const session::SdpMedia &media);

// One receiving track of a publisher, in m-line order.
struct ReceiveTrackPlan {
  std::string kind;  // "audio" or "video"
  std::string mid;
  GstCaps *caps = nullptr;  // owned: the codec preferences of its transceiver
};

struct ReceivePlan {
  std::vector<ReceiveTrackPlan> tracks;
  std::string error;  // why the offer cannot be accepted; "" when it can
  ~ReceivePlan();
  ReceivePlan() = default;
  ReceivePlan(const ReceivePlan &) = delete;
  ReceivePlan &operator=(const ReceivePlan &) = delete;
};

// The receiving transceivers for a publisher's offer: for every sending
// audio/video m-line the chosen codec with its rtcp-fb (NACK, PLI, FIR) and
// the offer's transport-wide-cc extension, so that our answer keeps
// bandwidth feedback (../shared/NOTES.md). `plan.error` names the codecs
// when an m-line has none we forward, or says the SDP does not parse.
void plan_publisher_tracks(const std::string &offer_sdp, ReceivePlan &plan);

// The codec preferences of a player's sending transceiver, from the caps
// the publisher's track arrives with: same codec and payload type, without
// the publisher hop's SSRC, header extensions and transport-cc (forwarded
// packets carry the publisher's sequence numbers, which are not ours to
// report on). Transfer full.
// `offered_caps` (the publisher's offer, may be null) adds what webrtcbin
// leaves out of the received caps: H.264's profile-level-id and
// packetization-mode.
GstCaps *player_codec_preferences(const GstCaps *publisher_caps, const GstCaps *offered_caps);

}  // namespace amsrtc::server::media
