// What the SFU receives from a publisher's offer (real Chromium 156 capture)
// and offers to players, and the picture size read from RTP payloads.
#include <gtest/gtest.h>


#include "signaling/server/media/forwarded_codecs.h"
#include "signaling/server/media/frame_size.h"
#include "sdp_fixture.h"

namespace amsrtc::server::media {
namespace {

using amsrtc::testing::sdp_fixture;

class ForwardedCodecs : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { gst_init(nullptr, nullptr); }
};

TEST_F(ForwardedCodecs, ChromesOfferGivesOpusAndVp8WithTransportCc) {
  ReceivePlan plan;
  plan_publisher_tracks(sdp_fixture("chrome156_offer.sdp"), plan);
  ASSERT_EQ(plan.error, "");
  ASSERT_EQ(plan.tracks.size(), 2u);
  EXPECT_EQ(plan.tracks[0].kind, "audio");
  EXPECT_EQ(plan.tracks[1].kind, "video");
  const GstStructure *audio = gst_caps_get_structure(plan.tracks[0].caps, 0);
  EXPECT_STREQ(gst_structure_get_string(audio, "encoding-name"), "OPUS");
  const GstStructure *video = gst_caps_get_structure(plan.tracks[1].caps, 0);
  EXPECT_STREQ(gst_structure_get_string(video, "encoding-name"), "VP8") << "Chrome lists it first";
  int pt = 0;
  gst_structure_get_int(video, "payload", &pt);
  EXPECT_EQ(pt, 96);
  EXPECT_STREQ(gst_structure_get_string(video, "extmap-3"),
               "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01")
      << "the offer's transport-cc id, so our answer keeps bandwidth feedback";
  gboolean pli = FALSE;
  gst_structure_get_boolean(video, "rtcp-fb-nack-pli", &pli);
  EXPECT_TRUE(pli);
}

TEST_F(ForwardedCodecs, H264MustBeConstrainedBaselineWithPacketizationMode1) {
  session::SdpMedia media;
  media.kind = "video";
  media.payload_types = {100, 102, 108};
  media.codecs = {{100, "H264", 90000, 0, "profile-level-id=640c1f;packetization-mode=1"},
                  {102, "H264", 90000, 0, "profile-level-id=42e01f;packetization-mode=0"},
                  {108, "H264", 90000, 0, "profile-level-id=42e01f;packetization-mode=1"}};
  const auto chosen = choose_forwarded_codec(media);
  ASSERT_TRUE(chosen.has_value());
  EXPECT_EQ(chosen->payload_type, 108u);
}

TEST_F(ForwardedCodecs, AnOfferWithNothingWeForwardNamesBothSides) {
  std::string sdp = sdp_fixture("chrome156_offer.sdp");
  // Every video codec renamed to one we do not forward.
  for (const char *name : {"VP8/", "VP9/", "H264/", "AV1/"}) {
    for (auto at = sdp.find(name); at != std::string::npos; at = sdp.find(name, at)) {
      sdp.replace(at, std::string(name).size() - 1, "H265");
    }
  }
  ReceivePlan plan;
  plan_publisher_tracks(sdp, plan);
  EXPECT_NE(plan.error.find("video m-line"), std::string::npos) << plan.error;
  EXPECT_NE(plan.error.find("H265"), std::string::npos) << plan.error;
  EXPECT_NE(plan.error.find("VP8"), std::string::npos) << "says what the server takes";
  ReceivePlan garbage;
  plan_publisher_tracks("not sdp", garbage);
  EXPECT_EQ(garbage.error, "the offer is not valid SDP");
}

// The ssrc is kept so that every offer has the track's a=ssrc lines, even one
// made before the track's caps reached the player's webrtcbin.
TEST_F(ForwardedCodecs, PlayersGetThePublishersCodecAndSsrcWithoutItsHopDetails) {
  GstCaps *received = gst_caps_from_string(
      "application/x-rtp,media=video,payload=96,clock-rate=90000,encoding-name=H264,"
      "ssrc=(uint)1234,extmap-3=x,rtcp-fb-transport-cc=true,rtcp-fb-nack-pli=true,"
      "profile=constrained-baseline");
  GstCaps *offered = gst_caps_from_string(
      "application/x-rtp,media=video,payload=96,encoding-name=H264,profile-level-id=(string)42e01f,"
      "packetization-mode=(string)1");
  GstCaps *preferences = player_codec_preferences(received, offered);
  const GstStructure *s = gst_caps_get_structure(preferences, 0);
  guint ssrc = 0;
  EXPECT_TRUE(gst_structure_get_uint(s, "ssrc", &ssrc));
  EXPECT_EQ(ssrc, 1234u);
  EXPECT_FALSE(gst_structure_has_field(s, "extmap-3"));
  EXPECT_FALSE(gst_structure_has_field(s, "rtcp-fb-transport-cc"));
  EXPECT_TRUE(gst_structure_has_field(s, "rtcp-fb-nack-pli"));
  EXPECT_STREQ(gst_structure_get_string(s, "profile-level-id"), "42e01f");
  EXPECT_STREQ(gst_structure_get_string(s, "packetization-mode"), "1");
  gst_caps_unref(preferences);
  gst_caps_unref(offered);
  gst_caps_unref(received);
}

TEST(FrameSize, Vp8KeyframeHeader) {
  // Descriptor with picture id (X, I, 15-bit id), then a keyframe tag, start
  // code and 1280x720.
  const uint8_t payload[] = {0x90, 0x80, 0x81, 0x23, 0x50, 0x42, 0x00, 0x9d, 0x01, 0x2a,
                             0x00, 0x05, 0xd0, 0x02, 0x00};
  int width = 0, height = 0;
  ASSERT_TRUE(read_frame_size("VP8", payload, sizeof payload, width, height));
  EXPECT_EQ(width, 1280);
  EXPECT_EQ(height, 720);
  const uint8_t interframe[] = {0x10, 0x51, 0x42, 0x00, 0x9d, 0x01, 0x2a, 0x00, 0x05, 0xd0, 0x02};
  EXPECT_FALSE(read_frame_size("VP8", interframe, sizeof interframe, width, height));
}

TEST(FrameSize, H264SpsInAStapA) {
  gst_init(nullptr, nullptr);
  // SPS of x264 at 320x240 constrained baseline (from the test publisher's
  // sprop-parameter-sets), wrapped in a STAP-A with the PPS.
  const uint8_t sps[] = {0x67, 0x42, 0xc0, 0x0d, 0xda, 0x05, 0x07, 0xec, 0x05, 0xa8, 0x30, 0x30,
                         0x35, 0x28, 0x00, 0x00, 0x03, 0x00, 0x08, 0x00, 0x00, 0x03, 0x01, 0xe4,
                         0x78, 0xa1, 0x55};
  const uint8_t pps[] = {0x68, 0xce, 0x3c, 0x80};
  std::vector<uint8_t> stap = {0x18, 0x00, sizeof sps};
  stap.insert(stap.end(), sps, sps + sizeof sps);
  stap.push_back(0x00);
  stap.push_back(sizeof pps);
  stap.insert(stap.end(), pps, pps + sizeof pps);
  int width = 0, height = 0;
  ASSERT_TRUE(read_frame_size("H264", stap.data(), stap.size(), width, height));
  EXPECT_EQ(width, 320);
  EXPECT_EQ(height, 240);
}

}  // namespace
}  // namespace amsrtc::server::media
