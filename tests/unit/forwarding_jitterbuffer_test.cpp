// The SFU's forwarding jitterbuffer (signaling/server/media/
// forwarding_jitterbuffer.h) and its bookkeeping (retransmission_tracker.h):
// packets leave in arrival order with nothing held, each missing packet is
// asked for at once and again later, duplicates are dropped.
#include <gst/check/gstharness.h>
#include <gst/rtp/rtp.h>
#include <gtest/gtest.h>

#include <vector>

#include "signaling/server/media/forwarding_jitterbuffer.h"
#include "signaling/server/media/retransmission_tracker.h"

namespace amsrtc::server::media {
namespace {

using Requests = std::vector<guint16>;
constexpr gint64 kMs = 1000;  // the tracker's clock is in microseconds

TEST(RetransmissionTracker, InOrderPacketsAreForwardedAndNothingIsAsked) {
  RetransmissionTracker tracker;
  for (guint16 seqnum = 65530; seqnum != 10; ++seqnum) {  // across the wrap
    auto verdict = tracker.on_packet(seqnum, seqnum * kMs, false);
    EXPECT_TRUE(verdict.forward);
    EXPECT_TRUE(verdict.request.empty()) << seqnum;
  }
  EXPECT_EQ(tracker.stats().forwarded, 16u);
  EXPECT_EQ(tracker.missing(), 0u);
}

TEST(RetransmissionTracker, AGapAsksForEachMissingPacketAtOnceAndForwardsTheNextOne) {
  RetransmissionTracker tracker;
  tracker.on_packet(100, 0, false);
  auto verdict = tracker.on_packet(104, 1 * kMs, false);
  EXPECT_TRUE(verdict.forward);  // nothing waits for 101-103
  EXPECT_EQ(verdict.request, (Requests{101, 102, 103}));
  EXPECT_EQ(tracker.missing(), 3u);
}

TEST(RetransmissionTracker, AMissingPacketThatArrivesLateIsForwardedOnceAndTimesTheRoundTrip) {
  RetransmissionTracker tracker;
  tracker.on_packet(1, 0, false);
  tracker.on_packet(3, 10 * kMs, false);  // asks for 2 at 10 ms
  auto late = tracker.on_packet(2, 25 * kMs, true);
  EXPECT_TRUE(late.forward);
  EXPECT_EQ(tracker.round_trip_us(), 15 * kMs);
  auto again = tracker.on_packet(2, 26 * kMs, true);  // a second retransmission
  EXPECT_FALSE(again.forward);
  EXPECT_EQ(tracker.stats().late, 1u);
  EXPECT_EQ(tracker.stats().recovered, 1u);
  EXPECT_EQ(tracker.stats().duplicates, 1u);
}

TEST(RetransmissionTracker, AReorderedPacketIsForwardedButDoesNotCountAsARetransmission) {
  RetransmissionTracker tracker;
  tracker.on_packet(1, 0, false);
  tracker.on_packet(3, 1 * kMs, false);
  EXPECT_TRUE(tracker.on_packet(2, 2 * kMs, false).forward);
  EXPECT_EQ(tracker.stats().recovered, 0u);
  EXPECT_EQ(tracker.round_trip_us(), 0);
  EXPECT_FALSE(tracker.on_packet(3, 3 * kMs, false).forward);  // already forwarded
}

TEST(RetransmissionTracker, AStillMissingPacketIsAskedForAgainUpToTheLimitThenGivenUp) {
  RetransmissionSettings settings;
  settings.max_requests = 3;
  settings.first_retry_us = 40 * kMs;
  RetransmissionTracker tracker(settings);
  tracker.on_packet(1, 0, false);
  EXPECT_EQ(tracker.on_packet(3, 0, false).request, Requests{2});  // ask 1
  guint16 seqnum = 4;
  int asked_again = 0;
  // Packets every 10 ms for 200 ms: asks 2 and 3 come 40 ms apart.
  for (gint64 t = 10; t <= 200; t += 10) {
    auto verdict = tracker.on_packet(seqnum++, t * kMs, false);
    if (!verdict.request.empty()) {
      EXPECT_EQ(verdict.request, Requests{2}) << t;
      EXPECT_TRUE(t == 40 || t == 80) << "asked again at " << t << " ms";
      ++asked_again;
    }
  }
  EXPECT_EQ(asked_again, 2);
  EXPECT_EQ(tracker.missing(), 0u);  // given up 40 ms after the third ask
  EXPECT_EQ(tracker.stats().lost, 1u);
  EXPECT_EQ(tracker.stats().requests, 3u);
  EXPECT_FALSE(tracker.on_packet(2, 210 * kMs, true).forward);  // too late now
}

TEST(RetransmissionTracker, RetriesFollowTheMeasuredRoundTrip) {
  RetransmissionSettings settings;
  settings.min_retry_us = 20 * kMs;
  RetransmissionTracker tracker(settings);
  tracker.on_packet(1, 0, false);
  tracker.on_packet(3, 0, false);
  tracker.on_packet(2, 30 * kMs, true);    // round trip 30 ms: retry after 60 ms
  tracker.on_packet(5, 100 * kMs, false);  // asks for 4 at 100 ms
  EXPECT_TRUE(tracker.on_packet(6, 159 * kMs, false).request.empty());
  EXPECT_EQ(tracker.on_packet(7, 160 * kMs, false).request, Requests{4});
}

TEST(RetransmissionTracker, AJumpBeyondTheMaximumGapIsARestartNotLoss) {
  RetransmissionSettings settings;
  settings.max_gap = 100;
  RetransmissionTracker tracker(settings);
  tracker.on_packet(1, 0, false);
  auto jump = tracker.on_packet(5000, 1 * kMs, false);
  EXPECT_TRUE(jump.forward);
  EXPECT_TRUE(jump.request.empty());
  EXPECT_TRUE(tracker.on_packet(5001, 2 * kMs, false).request.empty());
  auto back = tracker.on_packet(1000, 3 * kMs, false);  // far behind: a restart too
  EXPECT_TRUE(back.forward);
  EXPECT_TRUE(tracker.on_packet(1001, 4 * kMs, false).request.empty());
}

TEST(RetransmissionTracker, ResetStartsTheStreamAgain) {
  RetransmissionTracker tracker;
  tracker.on_packet(1, 0, false);
  tracker.on_packet(5, 0, false);
  tracker.reset();
  EXPECT_EQ(tracker.missing(), 0u);
  EXPECT_TRUE(tracker.on_packet(2, 1 * kMs, false).forward);
  EXPECT_TRUE(tracker.on_packet(3, 2 * kMs, false).request.empty());
}

// The element, in a harness standing for rtpbin's session upstream and
// ptdemux downstream.
class ForwardingJitterbuffer : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { gst_init(nullptr, nullptr); }

  void SetUp() override {
    harness_ = gst_harness_new_with_element(make_forwarding_jitterbuffer(), "sink", "src");
    gst_harness_set_src_caps_str(
        harness_, "application/x-rtp,media=video,clock-rate=90000,encoding-name=VP8,payload=96");
    g_object_set(harness_->element, "do-retransmission", TRUE, "latency", 100u, nullptr);
    // rtpbin's part: the negotiated caps of a payload type.
    g_signal_connect(harness_->element, "request-pt-map",
                     G_CALLBACK(+[](GstElement *, guint pt, gpointer self) -> GstCaps * {
                       const bool nack = static_cast<ForwardingJitterbuffer *>(self)->nack_;
                       return gst_caps_new_simple("application/x-rtp", "payload", G_TYPE_INT,
                                                  static_cast<gint>(pt), "rtcp-fb-nack",
                                                  G_TYPE_BOOLEAN, nack, nullptr);
                     }),
                     this);
  }
  void TearDown() override { gst_harness_teardown(harness_); }

  void push(guint16 seqnum, bool retransmitted = false) {
    GstBuffer *buffer = gst_rtp_buffer_new_allocate(100, 0, 0);
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    gst_rtp_buffer_map(buffer, GST_MAP_WRITE, &rtp);
    gst_rtp_buffer_set_payload_type(&rtp, 96);
    gst_rtp_buffer_set_ssrc(&rtp, 0xabcd);
    gst_rtp_buffer_set_seq(&rtp, seqnum);
    gst_rtp_buffer_unmap(&rtp);
    if (retransmitted) GST_BUFFER_FLAG_SET(buffer, GST_RTP_BUFFER_FLAG_RETRANSMISSION);
    ASSERT_EQ(gst_harness_push(harness_, buffer), GST_FLOW_OK);
  }

  std::vector<guint16> forwarded() {
    std::vector<guint16> seqnums;
    while (GstBuffer *buffer = gst_harness_try_pull(harness_)) {
      GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
      gst_rtp_buffer_map(buffer, GST_MAP_READ, &rtp);
      seqnums.push_back(gst_rtp_buffer_get_seq(&rtp));
      gst_rtp_buffer_unmap(&rtp);
      EXPECT_TRUE(GST_BUFFER_PTS_IS_VALID(buffer)) << "no arrival time on " << seqnums.back();
      gst_buffer_unref(buffer);
    }
    return seqnums;
  }

  // The retransmission requests that went upstream: "seqnum/ssrc/deadline".
  std::vector<std::string> requests() {
    std::vector<std::string> asked;
    while (GstEvent *event = gst_harness_try_pull_upstream_event(harness_)) {
      const GstStructure *s = gst_event_get_structure(event);
      if (GST_EVENT_TYPE(event) == GST_EVENT_CUSTOM_UPSTREAM &&
          gst_structure_has_name(s, "GstRTPRetransmissionRequest")) {
        guint seqnum = 0, ssrc = 0, deadline = 0, rtt = 99;
        gst_structure_get_uint(s, "seqnum", &seqnum);
        gst_structure_get_uint(s, "ssrc", &ssrc);
        gst_structure_get_uint(s, "deadline", &deadline);
        EXPECT_TRUE(gst_structure_get_uint(s, "avg-rtt", &rtt));  // rtpsession needs it
        char text[64];
        g_snprintf(text, sizeof text, "%u/%x/%u", seqnum, ssrc, deadline);
        asked.push_back(text);
      }
      gst_event_unref(event);
    }
    return asked;
  }

  GstHarness *harness_ = nullptr;
  bool nack_ = true;  // what the answer negotiated for payload type 96
};

TEST_F(ForwardingJitterbuffer, ForwardsInArrivalOrderAndAsksUpstreamForWhatIsMissing) {
  push(10);
  push(11);
  push(14);
  EXPECT_EQ(forwarded(), (std::vector<guint16>{10, 11, 14}));
  EXPECT_EQ(requests(), (std::vector<std::string>{"12/abcd/100", "13/abcd/100"}));
  push(13, true);
  push(13, true);  // duplicate
  push(12, true);
  EXPECT_EQ(forwarded(), (std::vector<guint16>{13, 12}));
  GstStructure *stats = nullptr;
  g_object_get(harness_->element, "stats", &stats, nullptr);
  guint64 value = 0;
  ASSERT_TRUE(gst_structure_get_uint64(stats, "num-pushed", &value));
  EXPECT_EQ(value, 5u);
  ASSERT_TRUE(gst_structure_get_uint64(stats, "num-duplicates", &value));
  EXPECT_EQ(value, 1u);
  ASSERT_TRUE(gst_structure_get_uint64(stats, "rtx-success-count", &value));
  EXPECT_EQ(value, 2u);
  gst_structure_free(stats);
}

TEST_F(ForwardingJitterbuffer, AsksForNothingUnlessRetransmissionIsOn) {
  g_object_set(harness_->element, "do-retransmission", FALSE, nullptr);
  push(1);
  push(5);
  EXPECT_EQ(forwarded(), (std::vector<guint16>{1, 5}));
  EXPECT_TRUE(requests().empty());
}

// Audio answered without NACK (as the server answers Opus): nothing to ask.
TEST_F(ForwardingJitterbuffer, AsksForNothingWhenThePayloadTypeWasNegotiatedWithoutNack) {
  nack_ = false;
  push(1);
  push(5);
  EXPECT_EQ(forwarded(), (std::vector<guint16>{1, 5}));
  EXPECT_TRUE(requests().empty());
}

// rtpbin links the session's RTCP to a "sink_rtcp" request pad of its
// jitterbuffers; sender reports end there.
TEST_F(ForwardingJitterbuffer, TakesAndDropsRtcpOnARequestPad) {
  GstPad *rtcp = gst_element_request_pad_simple(harness_->element, "sink_rtcp");
  ASSERT_NE(rtcp, nullptr);
  gst_pad_send_event(rtcp, gst_event_new_stream_start("rtcp"));
  GstSegment segment;
  gst_segment_init(&segment, GST_FORMAT_TIME);
  gst_pad_send_event(rtcp, gst_event_new_segment(&segment));
  GstBuffer *report = gst_rtcp_buffer_new(1000);
  EXPECT_EQ(gst_pad_chain(rtcp, report), GST_FLOW_OK);
  EXPECT_EQ(forwarded(), std::vector<guint16>{});
  gst_element_release_request_pad(harness_->element, rtcp);
  gst_object_unref(rtcp);
}

}  // namespace
}  // namespace amsrtc::server::media
