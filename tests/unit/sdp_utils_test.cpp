// gst/session's SDP helpers on canned SDP: an offer webrtcbin made in the
// P2P session test (tests/fixtures/sdp/webrtcbin_h264_offer.sdp, captured
// with GST_DEBUG=amsrtcsession:6), a Chrome-style offer written for this
// test (chrome_style_offer.sdp), and real exchanges between Chromium 156
// (the real SDK's peer.html) and amsrtcpeer captured by the browser test
// with AMSRTC_CAPTURE_SDP: Chrome's offer (chrome156_offer.sdp) and our
// answer to it, our VP8 offer and Chrome's answer to that.
#include <gtest/gtest.h>


#include "gst/session/sdp_utils.h"
#include "sdp_fixture.h"

namespace amsrtc::session {
namespace {

using amsrtc::testing::sdp_fixture;

TEST(SdpUtils, WebrtcbinOffer) {
  auto media = parse_sdp_media(sdp_fixture("webrtcbin_h264_offer.sdp"));
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
  EXPECT_FALSE((*media)[1].rejected)
      << "port 0 but in the BUNDLE group: bundled with video0, not rejected (RFC 8843)";
  EXPECT_TRUE(check_outgoing_sdp(*media).empty());
}

TEST(SdpUtils, PortZeroOutsideTheBundleIsRejected) {
  const std::string sdp =
      "v=0\r\no=- 1 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
      "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=rtpmap:96 VP8/90000\r\n"
      "m=audio 0 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\n"
      "a=rtpmap:111 opus/48000/2\r\n"
      "m=audio 0 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:2\r\na=bundle-only\r\n"
      "a=rtpmap:111 opus/48000/2\r\n";
  auto media = parse_sdp_media(sdp);
  ASSERT_TRUE(media.has_value());
  ASSERT_EQ(media->size(), 3u);
  EXPECT_FALSE((*media)[0].rejected);
  EXPECT_TRUE((*media)[1].rejected) << "port 0, not bundled: refused";
  EXPECT_FALSE((*media)[2].rejected) << "a=bundle-only";
}

TEST(SdpUtils, MidMapping) {
  auto media = parse_sdp_media(sdp_fixture("chrome_style_offer.sdp"));
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
  auto media = parse_sdp_media(sdp_fixture("chrome_style_offer.sdp"));
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

constexpr unsigned kVideo = 1;  // m-line of video in Chrome's offer (audio, video, data)

TEST(SdpUtils, RealChromeOfferListsEveryCodecAndTransportCc) {
  auto media = parse_sdp_media(sdp_fixture("chrome156_offer.sdp"));
  ASSERT_TRUE(media.has_value());
  ASSERT_EQ(media->size(), 3u);
  EXPECT_EQ((*media)[0].kind, "audio");
  EXPECT_EQ((*media)[kVideo].kind, "video");
  EXPECT_EQ((*media)[2].kind, "application");
  EXPECT_EQ(mid_of(*media, kVideo), "1");
  EXPECT_EQ(mline_of(*media, "2"), 2u);
  // The same transport-cc id on audio and video: one bundle, one sequence.
  EXPECT_EQ(extension_id((*media)[0], kTransportCcUri), 3u);
  EXPECT_EQ(extension_id((*media)[kVideo], kTransportCcUri), 3u);
  EXPECT_FALSE(extension_id((*media)[kVideo], "urn:example:none").has_value());
  EXPECT_GE((*media)[kVideo].codecs.size(), 20u);
}

// Which of Chrome's payload types carries what amsrtcpeer sends: H.264
// needs the same profile with packetization-mode 1 (x264's 42c01f is
// Chrome's constrained-baseline 42e01f at 108, not baseline 42001f at 102).
TEST(SdpUtils, OfferedPayloadTypesInARealChromeOffer) {
  auto media = parse_sdp_media(sdp_fixture("chrome156_offer.sdp"));
  ASSERT_TRUE(media.has_value());
  const SdpMedia &video = (*media)[kVideo];
  EXPECT_EQ(offered_payload_type(video, "H264", 90000, "42c01f"), 108u);
  EXPECT_EQ(offered_payload_type(video, "h264", 90000, "42e01f"), 108u) << "names are caseless";
  EXPECT_EQ(offered_payload_type(video, "H264", 90000, "42001f"), 102u);
  EXPECT_EQ(offered_payload_type(video, "H264", 90000, "4d0032"), 116u) << "levels may differ";
  EXPECT_FALSE(offered_payload_type(video, "H264", 90000, "580028").has_value())
      << "no extended profile in the offer";
  EXPECT_EQ(offered_payload_type(video, "VP8", 90000), 96u);
  EXPECT_EQ(offered_payload_type(video, "VP9", 90000), 98u);
  EXPECT_FALSE(offered_payload_type(video, "VP8", 48000).has_value());
  EXPECT_EQ(offered_payload_type((*media)[0], "OPUS", 48000), 111u);
  EXPECT_FALSE(offered_payload_type((*media)[0], "H264", 90000, "42e01f").has_value());
}

TEST(SdpUtils, H264ProfileNames) {
  EXPECT_EQ(h264_profile("42e01f"), "constrained-baseline");
  EXPECT_EQ(h264_profile("42c01f"), "constrained-baseline");
  EXPECT_EQ(h264_profile("42001f"), "baseline");
  EXPECT_EQ(h264_profile("4d001f"), "main");
  EXPECT_EQ(h264_profile("4d801f"), "constrained-baseline");
  EXPECT_EQ(h264_profile("640c1f"), "constrained-high");
  EXPECT_EQ(h264_profile("64001f"), "high");
  EXPECT_EQ(h264_profile("42e0"), "");
}

// amsrtcpeer's answer to that offer: Chrome's H.264 payload type, its
// transport-cc id, and our checks pass.
TEST(SdpUtils, OurAnswerToARealChromeOffer) {
  auto media = parse_sdp_media(sdp_fixture("amsrtcpeer_answer_to_chrome_h264.sdp"));
  ASSERT_TRUE(media.has_value());
  ASSERT_EQ(media->size(), 3u);
  const SdpMedia &video = (*media)[kVideo];
  ASSERT_EQ(video.codecs.size(), 1u);
  EXPECT_EQ(video.codecs[0].payload_type, 108u);
  EXPECT_EQ(video.codecs[0].name, "H264");
  EXPECT_EQ(fmtp_value(video.codecs[0].fmtp, "packetization-mode"), "1");
  EXPECT_EQ(extension_id(video, kTransportCcUri), 3u);
  EXPECT_EQ(extension_id((*media)[0], kTransportCcUri), 3u);
  EXPECT_EQ(mid_of(*media, kVideo), "1") << "the answer keeps the offer's mids";
  EXPECT_TRUE(check_outgoing_sdp(*media).empty());
}

// Our VP8 offer proposes transport-cc; Chrome's answer takes it.
TEST(SdpUtils, OurOfferAndARealChromeAnswer) {
  auto offer = parse_sdp_media(sdp_fixture("amsrtcpeer_vp8_offer.sdp"));
  auto answer = parse_sdp_media(sdp_fixture("chrome156_answer_vp8.sdp"));
  ASSERT_TRUE(offer.has_value());
  ASSERT_TRUE(answer.has_value());
  EXPECT_TRUE(check_outgoing_sdp(*offer).empty());
  ASSERT_EQ(offer->size(), answer->size());
  for (size_t i = 0; i < offer->size(); ++i) {
    EXPECT_EQ((*offer)[i].mid, (*answer)[i].mid);
    EXPECT_EQ(extension_id((*offer)[i], kTransportCcUri),
              extension_id((*answer)[i], kTransportCcUri))
        << "m-line " << i;
  }
  EXPECT_EQ(extension_id((*answer)[0], kTransportCcUri), 1u);
  EXPECT_EQ(describe_codecs(*answer), "video: VP8/90000; audio: OPUS/48000/2")
      << describe_codecs(*answer);
}

// An offer without our codec is refused with both sides' codecs named.
TEST(SdpUtils, CodecMismatchNamesBothSides) {
  auto offer = parse_sdp_media(sdp_fixture("chrome156_offer.sdp"));
  ASSERT_TRUE(offer.has_value());
  EXPECT_EQ(codec_mismatch(*offer, {{"video", "H264"}, {"audio", "OPUS"}}), "");
  EXPECT_EQ(codec_mismatch(*offer, {{"video", "vp8"}}), "") << "names are caseless";
  const std::string mismatch = codec_mismatch(*offer, {{"video", "H265"}, {"audio", "OPUS"}});
  EXPECT_NE(mismatch.find("no codec in common for video H265"), std::string::npos) << mismatch;
  EXPECT_NE(mismatch.find("we send video H265, audio OPUS"), std::string::npos) << mismatch;
  EXPECT_NE(mismatch.find("VP8/90000"), std::string::npos) << "the remote's codecs: " << mismatch;
  EXPECT_NE(codec_mismatch(*offer, {{"audio", "VP8"}}), "") << "a codec counts for its own kind";
}

}  // namespace
}  // namespace amsrtc::session
