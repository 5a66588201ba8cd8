// The pure parts of amsrtcsink/amsrtcsrc: amsrtc:// URIs, reading
// webrtcbin's stats and the receiver's RTCP, and the loss-based bitrate.
#include <gst/gst.h>
#include <gst/rtp/gstrtcpbuffer.h>
#include <gst/webrtc/webrtc.h>
#include <gtest/gtest.h>

#include "gst/plugin/stream_stats.h"
#include "gst/plugin/stream_uri.h"

namespace amsrtc::plugin {
namespace {

class StreamUnits : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { gst_init(nullptr, nullptr); }
};

TEST_F(StreamUnits, AmsrtcUriNamesTheServerTheAppAndTheStream) {
  StreamSettings settings;
  std::string why;
  ASSERT_TRUE(apply_stream_uri("amsrtc://127.0.0.1:5080/WebRTCAppEE/cam1", settings, why)) << why;
  EXPECT_EQ(settings.server, "ws://127.0.0.1:5080/WebRTCAppEE/websocket");
  EXPECT_EQ(settings.stream_id, "cam1");
  EXPECT_EQ(stream_uri(settings), "amsrtc://127.0.0.1:5080/WebRTCAppEE/cam1");

  ASSERT_TRUE(apply_stream_uri("amsrtcs://media.example.com/LiveApp/me?room=conf1&token=abc",
                               settings, why))
      << why;
  EXPECT_EQ(settings.server, "wss://media.example.com/LiveApp/websocket");
  EXPECT_EQ(settings.stream_id, "me");
  EXPECT_EQ(settings.room, "conf1");
  EXPECT_EQ(settings.token, "abc");
  EXPECT_EQ(stream_uri(settings), "amsrtcs://media.example.com/LiveApp/me?room=conf1");
}

TEST_F(StreamUnits, OtherUrisAreRefusedSayingWhatIsExpected) {
  StreamSettings settings;
  std::string why;
  EXPECT_FALSE(apply_stream_uri("http://127.0.0.1:5080/WebRTCAppEE/cam1", settings, why));
  EXPECT_NE(why.find("amsrtc://"), std::string::npos) << why;
  EXPECT_FALSE(apply_stream_uri("amsrtc://127.0.0.1:5080/cam1", settings, why));
  EXPECT_NE(why.find("host:port/app/streamId"), std::string::npos) << why;
  EXPECT_FALSE(apply_stream_uri("not a uri", settings, why));
}

TEST_F(StreamUnits, LoopbackServers) {
  EXPECT_TRUE(server_is_loopback("ws://127.0.0.1:5080/WebRTCAppEE/websocket"));
  EXPECT_TRUE(server_is_loopback("wss://localhost/LiveApp/websocket"));
  EXPECT_FALSE(server_is_loopback("wss://media.example.com/LiveApp/websocket"));
  EXPECT_FALSE(server_is_loopback("ws://10.0.0.2:5080/WebRTCAppEE/websocket"));
}

GstStructure *rtp_stats(GstWebRTCStatsType type, const char *kind) {
  return gst_structure_new("rtp", "type", GST_TYPE_WEBRTC_STATS_TYPE, type, "kind", G_TYPE_STRING,
                           kind, nullptr);
}

TEST_F(StreamUnits, SendStatsAddUpOutboundStreamsAndFindTheVideoSender) {
  // webrtcbin 1.22 calls every stream "audio": video is told by the
  // sender's 90 kHz clock.
  GstStructure *video_out = rtp_stats(GST_WEBRTC_STATS_OUTBOUND_RTP, "audio");
  GstStructure *video_source =
      gst_structure_new("application/x-rtp-source-stats", "clock-rate", G_TYPE_INT, 90000, nullptr);
  gst_structure_set(video_out, "ssrc", G_TYPE_UINT, 1234u, "gst-rtpsource-stats",
                    GST_TYPE_STRUCTURE, video_source, nullptr);
  gst_structure_free(video_source);
  gst_structure_set(video_out, "bytes-sent", G_TYPE_UINT64, G_GUINT64_CONSTANT(1000),
                    "packets-sent", G_TYPE_UINT64, G_GUINT64_CONSTANT(10), "nack-count",
                    G_TYPE_UINT, 3u, "pli-count", G_TYPE_UINT, 2u, "fir-count", G_TYPE_UINT, 1u,
                    nullptr);
  GstStructure *audio_out = rtp_stats(GST_WEBRTC_STATS_OUTBOUND_RTP, "audio");
  gst_structure_set(audio_out, "bytes-sent", G_TYPE_UINT64, G_GUINT64_CONSTANT(500), "packets-sent",
                    G_TYPE_UINT64, G_GUINT64_CONSTANT(5), nullptr);
  GstStructure *video_in = rtp_stats(GST_WEBRTC_STATS_REMOTE_INBOUND_RTP, "video");
  gst_structure_set(video_in, "packets-lost", G_TYPE_INT, 4, "fraction-lost", G_TYPE_DOUBLE, 0.25,
                    "round-trip-time", G_TYPE_DOUBLE, 0.012, nullptr);
  GstStructure *all = gst_structure_new("application/x-webrtc-stats", "out-v", GST_TYPE_STRUCTURE,
                                        video_out, "out-a", GST_TYPE_STRUCTURE, audio_out, "in-v",
                                        GST_TYPE_STRUCTURE, video_in, nullptr);
  const SendStats stats = read_send_stats(all);
  EXPECT_EQ(stats.bytes_sent, 1500u);
  EXPECT_EQ(stats.packets_sent, 15u);
  EXPECT_EQ(stats.nack_count, 3u);
  EXPECT_EQ(stats.pli_count, 2u);
  EXPECT_EQ(stats.fir_count, 1u);
  EXPECT_EQ(stats.packets_lost, 4);
  EXPECT_TRUE(stats.have_receiver_report);
  EXPECT_DOUBLE_EQ(stats.fraction_lost, 0.25);
  EXPECT_DOUBLE_EQ(stats.round_trip_ms, 12);
  EXPECT_EQ(stats.video_ssrc, 1234u);
  EXPECT_EQ(stats.video_packets_sent, 10u);
  gst_structure_free(all);
  gst_structure_free(video_out);
  gst_structure_free(audio_out);
  gst_structure_free(video_in);
}

TEST_F(StreamUnits, BitrateFallsWithLossAndClimbsBackToTheCeiling) {
  BitrateAdapter adapter;
  adapter.set_ceiling(2000);
  EXPECT_EQ(adapter.current(), 2000u);
  EXPECT_EQ(adapter.update(0.0), 2000u) << "never above the ceiling";
  EXPECT_EQ(adapter.update(0.20), 1800u) << "20 % loss: down by 10 %";
  EXPECT_EQ(adapter.update(0.05), 1800u) << "2-10 % loss: hold";
  unsigned rate = 0;
  for (int i = 0; i < 20; ++i) rate = adapter.update(0.0);
  EXPECT_EQ(rate, 2000u);
  for (int i = 0; i < 50; ++i) rate = adapter.update(0.9);
  EXPECT_EQ(rate, 100u) << "never below the floor";
}

// An RTCP compound packet as a receiver sends it: an RR with a report
// block about `ssrc`, then a generic NACK of `first` and the packets
// `mask` flags after it.
GstBuffer *receiver_rtcp(guint32 ssrc, guint8 fraction, guint16 first, guint16 mask) {
  GstBuffer *buffer = gst_rtcp_buffer_new(1400);
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  gst_rtcp_buffer_map(buffer, GST_MAP_READWRITE, &rtcp);
  GstRTCPPacket packet;
  gst_rtcp_buffer_add_packet(&rtcp, GST_RTCP_TYPE_RR, &packet);
  gst_rtcp_packet_rr_set_ssrc(&packet, 99);
  if (fraction != 0) gst_rtcp_packet_add_rb(&packet, ssrc, fraction, 7, 1000, 0, 0, 0);
  gst_rtcp_buffer_add_packet(&rtcp, GST_RTCP_TYPE_RTPFB, &packet);
  gst_rtcp_packet_fb_set_type(&packet, GST_RTCP_RTPFB_TYPE_NACK);
  gst_rtcp_packet_fb_set_sender_ssrc(&packet, 99);
  gst_rtcp_packet_fb_set_media_ssrc(&packet, ssrc);
  gst_rtcp_packet_fb_set_fci_length(&packet, 1);
  guint8 *fci = gst_rtcp_packet_fb_get_fci(&packet);
  GST_WRITE_UINT16_BE(fci, first);
  GST_WRITE_UINT16_BE(fci + 2, mask);
  gst_rtcp_buffer_unmap(&rtcp);
  return buffer;
}

TEST_F(StreamUnits, ReceiverFeedbackReadsReportBlocksAndCountsEachNackedPacketOnce) {
  ReceiverFeedback feedback;
  EXPECT_FALSE(feedback.about(1234));
  GstBuffer *first = receiver_rtcp(1234, 64, 100, 0x0005);  // 100, 101 and 103
  feedback.read_rtcp(first);
  auto video = feedback.about(1234);
  ASSERT_TRUE(video);
  EXPECT_DOUBLE_EQ(video->fraction_lost, 0.25);
  EXPECT_EQ(video->report_blocks, 1u);
  EXPECT_EQ(video->packets_nacked, 3u);
  // 103 again (its retransmission was lost too) and 104: one new packet.
  GstBuffer *second = receiver_rtcp(1234, 0, 103, 0x0001);
  feedback.read_rtcp(second);
  video = feedback.about(1234);
  EXPECT_EQ(video->report_blocks, 1u) << "no report block in the second";
  EXPECT_EQ(video->packets_nacked, 4u);
  EXPECT_FALSE(feedback.about(5678));
  gst_buffer_unref(first);
  gst_buffer_unref(second);
}

TEST_F(StreamUnits, LossIsTheReportBlockWhenOneCameElseTheNackedShareOfWhatWasSent) {
  LossMeter meter;
  ReceiverFeedback::Stream video;
  EXPECT_FALSE(meter.update(video, 1000)) << "the first call only starts counting";
  video.packets_nacked = 10;
  EXPECT_FALSE(meter.update(video, 1030)) << "too few packets sent to judge";
  auto lost = meter.update(video, 1100);
  ASSERT_TRUE(lost);
  EXPECT_DOUBLE_EQ(*lost, 0.10) << "10 of 100 packets NACKed";
  video.report_blocks = 1;
  video.fraction_lost = 0.5;
  lost = meter.update(video, 1110);
  ASSERT_TRUE(lost);
  EXPECT_DOUBLE_EQ(*lost, 0.5) << "a new report block is the receiver's own measure";
  EXPECT_DOUBLE_EQ(meter.last(), 0.5);
  lost = meter.update(video, 1200);
  ASSERT_TRUE(lost);
  EXPECT_DOUBLE_EQ(*lost, 0.0) << "nothing NACKed since";
}

}  // namespace
}  // namespace amsrtc::plugin
