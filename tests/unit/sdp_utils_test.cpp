// gst/session's SDP helpers on canned SDP: an offer webrtcbin made in the
// P2P session test (tests/fixtures/sdp/webrtcbin_h264_offer.sdp, captured
// with GST_DEBUG=amsrtcsession:6) and a Chrome-style offer written for this
// test in the shape Chrome sends (chrome_style_offer.sdp).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "gst/session/sdp_utils.h"

namespace amsrtc::session {
namespace {

std::string fixture(const std::string &name) {
  std::ifstream in(std::string(AMSRTC_SDP_FIXTURES_DIR) + "/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(SdpUtils, WebrtcbinOffer) {
  auto media = parse_sdp_media(fixture("webrtcbin_h264_offer.sdp"));
  ASSERT_TRUE(media.has_value());
  ASSERT_EQ(media->size(), 2u);
  EXPECT_EQ((*media)[0].kind, "video");
  EXPECT_EQ((*media)[0].mid, "video0");
  EXPECT_EQ((*media)[0].direction, "sendrecv");
  ASSERT_EQ((*media)[0].codecs.size(), 1u);
  const SdpCodec &h264 = (*media)[0].codecs[0];
  EXPECT_EQ(h264.payload_type, 96u);
  EXPECT_EQ(h264.name, "H264");
  EXPECT_EQ(h264.clock_rate, 90000u);
  EXPECT_EQ(fmtp_value(h264.fmtp, "packetization-mode"), "1");
  EXPECT_EQ(fmtp_value(h264.fmtp, "profile-level-id"), "42c00d");
  EXPECT_EQ((*media)[1].kind, "application");
  EXPECT_EQ((*media)[1].mid, "application1");
  EXPECT_TRUE((*media)[1].rejected) << "bundle-only data m-line has port 0";
  EXPECT_TRUE(check_outgoing_sdp(*media).empty());
}

TEST(SdpUtils, MidMapping) {
  auto media = parse_sdp_media(fixture("chrome_style_offer.sdp"));
  ASSERT_TRUE(media.has_value());
  EXPECT_EQ(mid_of(*media, 0), "0");
  EXPECT_EQ(mid_of(*media, 1), "1");
  EXPECT_EQ(mid_of(*media, 2), "2");
  EXPECT_EQ(mid_of(*media, 3), "") << "no such m-line";
  EXPECT_EQ(mline_of(*media, "1"), 1u);
  EXPECT_FALSE(mline_of(*media, "video0").has_value());
  EXPECT_FALSE(mline_of(*media, "").has_value());
}

TEST(SdpUtils, ChromeStyleOfferCodecs) {
  auto media = parse_sdp_media(fixture("chrome_style_offer.sdp"));
  ASSERT_TRUE(media.has_value());
  ASSERT_EQ(media->size(), 3u);
  EXPECT_EQ(describe_codecs(*media),
            "audio: opus/48000/2, G722/8000, PCMU/8000, PCMA/8000, CN/8000, telephone-event/48000, "
            "telephone-event/8000; video: VP8/90000, H264/90000, VP9/90000");
  EXPECT_TRUE(check_outgoing_sdp(*media).empty());
}

TEST(SdpUtils, OutgoingChecksFindEachProblem) {
  const std::string sdp =
      "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
      "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\na=mid:v\r\na=rtpmap:96 H264/90000\r\n"
      "a=fmtp:96 profile-level-id=42e01f\r\n"
      "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:a\r\na=rtpmap:111 OPUS/48000/1\r\n";
  auto media = parse_sdp_media(sdp);
  ASSERT_TRUE(media.has_value());
  const auto problems = check_outgoing_sdp(*media);
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_NE(problems[0].find("payload type 97 has no a=rtpmap"), std::string::npos) << problems[0];
  EXPECT_NE(problems[1].find("packetization-mode=1"), std::string::npos) << problems[1];
  EXPECT_NE(problems[2].find("opus/48000/2"), std::string::npos) << problems[2];
}

TEST(SdpUtils, NotSdp) {
  EXPECT_FALSE(parse_sdp_media("").has_value());
  EXPECT_FALSE(parse_sdp_media("hello").has_value());
}

TEST(SdpUtils, FmtpValues) {
  EXPECT_EQ(fmtp_value("a=1;b=2", "b"), "2");
  EXPECT_EQ(fmtp_value("a=1; b=2", "b"), "2");
  EXPECT_EQ(fmtp_value("apt=96", "apt"), "96");
  EXPECT_EQ(fmtp_value("a=1", "c"), "");
  EXPECT_EQ(fmtp_value("", "a"), "");
}

}  // namespace
}  // namespace amsrtc::session
