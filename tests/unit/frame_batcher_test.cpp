// The SFU's frame batcher (signaling/server/media/frame_batcher.h): a video
// track's packets leave as one list per frame, in order, none lost or held
// past the frame's end.
#include "signaling/server/media/frame_batcher.h"

#include <gst/check/gstharness.h>
#include <gst/rtp/rtp.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace amsrtc::server::media {
namespace {

GstBuffer *rtp_packet(guint16 seqnum, guint32 timestamp, bool marker) {
  GstBuffer *buffer = gst_rtp_buffer_new_allocate(100, 0, 0);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  gst_rtp_buffer_map(buffer, GST_MAP_WRITE, &rtp);
  gst_rtp_buffer_set_payload_type(&rtp, 96);
  gst_rtp_buffer_set_ssrc(&rtp, 0x1234);
  gst_rtp_buffer_set_seq(&rtp, seqnum);
  gst_rtp_buffer_set_timestamp(&rtp, timestamp);
  gst_rtp_buffer_set_marker(&rtp, marker);
  gst_rtp_buffer_unmap(&rtp);
  return buffer;
}

guint16 seqnum_of(GstBuffer *buffer) {
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  gst_rtp_buffer_map(buffer, GST_MAP_READ, &rtp);
  const guint16 seqnum = gst_rtp_buffer_get_seq(&rtp);
  gst_rtp_buffer_unmap(&rtp);
  return seqnum;
}

class FrameBatcher : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { gst_init(nullptr, nullptr); }

  void SetUp() override {
    harness_ = gst_harness_new_with_element(make_frame_batcher(), "sink", "src");
    gst_harness_set_src_caps_str(
        harness_, "application/x-rtp,media=video,clock-rate=90000,encoding-name=VP8,payload=96");
    // What leaves the batcher, push by push: "list of N" or "buffer".
    GstPad *src = gst_element_get_static_pad(harness_->element, "src");
    gst_pad_add_probe(
        src,
        static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
        [](GstPad *, GstPadProbeInfo *info, gpointer data) {
          auto *pushes = static_cast<std::vector<std::string> *>(data);
          if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
            pushes->push_back("list of " + std::to_string(gst_buffer_list_length(
                                               GST_PAD_PROBE_INFO_BUFFER_LIST(info))));
          } else {
            pushes->push_back("buffer");
          }
          return GST_PAD_PROBE_OK;
        },
        &pushes_, nullptr);
    gst_object_unref(src);
  }

  void TearDown() override { gst_harness_teardown(harness_); }

  void push(guint16 seqnum, guint32 timestamp, bool marker) {
    ASSERT_EQ(gst_harness_push(harness_, rtp_packet(seqnum, timestamp, marker)), GST_FLOW_OK);
  }

  // The seqnums the downstream side received, in order.
  std::vector<guint16> received() {
    std::vector<guint16> seqnums;
    while (GstBuffer *buffer = gst_harness_try_pull(harness_)) {
      seqnums.push_back(seqnum_of(buffer));
      gst_buffer_unref(buffer);
    }
    return seqnums;
  }

  GstHarness *harness_ = nullptr;
  std::vector<std::string> pushes_;
};

TEST_F(FrameBatcher, AFramesPacketsLeaveAsOneListWhenItsLastPacketArrives) {
  push(1, 3000, false);
  push(2, 3000, false);
  EXPECT_TRUE(received().empty()) << "packets left before their frame's last one";
  push(3, 3000, true);
  EXPECT_EQ(pushes_, (std::vector<std::string>{"list of 3"}));
  EXPECT_EQ(received(), (std::vector<guint16>{1, 2, 3}));
}

TEST_F(FrameBatcher, AOnePacketFrameLeavesAsAPlainBuffer) {
  push(7, 3000, true);
  EXPECT_EQ(pushes_, (std::vector<std::string>{"buffer"}));
  EXPECT_EQ(received(), (std::vector<guint16>{7}));
}

TEST_F(FrameBatcher, ThePacketOfTheNextFrameReleasesAFrameWhoseLastPacketWasLost) {
  push(1, 3000, false);
  push(2, 3000, false);  // seqnum 3, the marker, never arrives
  push(4, 6000, false);
  EXPECT_EQ(pushes_, (std::vector<std::string>{"list of 2"}));
  EXPECT_EQ(received(), (std::vector<guint16>{1, 2}));
  push(5, 6000, true);
  EXPECT_EQ(received(), (std::vector<guint16>{4, 5}));
}

TEST_F(FrameBatcher, AFrameLongerThanTheListLimitLeavesInParts) {
  for (guint16 i = 0; i < kMaxPacketsPerList + 3; ++i) {
    push(i, 3000, i == kMaxPacketsPerList + 2);
  }
  EXPECT_EQ(pushes_, (std::vector<std::string>{"list of " + std::to_string(kMaxPacketsPerList),
                                               "list of 3"}));
  std::vector<guint16> expected;
  for (guint16 i = 0; i < kMaxPacketsPerList + 3; ++i) expected.push_back(i);
  EXPECT_EQ(received(), expected);
}

TEST_F(FrameBatcher, EndOfStreamReleasesAHeldFrameFirst) {
  push(1, 3000, false);
  push(2, 3000, false);
  ASSERT_TRUE(gst_harness_push_event(harness_, gst_event_new_eos()));
  EXPECT_EQ(received(), (std::vector<guint16>{1, 2}));
  // The EOS came after them.
  bool saw_eos = false;
  while (GstEvent *event = gst_harness_try_pull_event(harness_)) {
    if (GST_EVENT_TYPE(event) == GST_EVENT_EOS) saw_eos = true;
    gst_event_unref(event);
  }
  EXPECT_TRUE(saw_eos);
}

TEST_F(FrameBatcher, AFlushDropsAHeldFrame) {
  push(1, 3000, false);
  ASSERT_TRUE(gst_harness_push_event(harness_, gst_event_new_flush_start()));
  ASSERT_TRUE(gst_harness_push_event(harness_, gst_event_new_flush_stop(TRUE)));
  // A new segment after the flush, as any source sends.
  GstSegment segment;
  gst_segment_init(&segment, GST_FORMAT_TIME);
  ASSERT_TRUE(gst_harness_push_event(harness_, gst_event_new_segment(&segment)));
  push(2, 6000, true);
  EXPECT_EQ(received(), (std::vector<guint16>{2}));
}

TEST_F(FrameBatcher, UpstreamEventsReachThePublisher) {
  // A player's keyframe request travels up through the batcher.
  ASSERT_TRUE(gst_harness_push_upstream_event(
      harness_,
      gst_event_new_custom(GST_EVENT_CUSTOM_UPSTREAM, gst_structure_new_empty("GstForceKeyUnit"))));
  bool seen = false;
  while (GstEvent *event = gst_harness_try_pull_upstream_event(harness_)) {
    if (gst_event_has_name(event, "GstForceKeyUnit")) seen = true;
    gst_event_unref(event);
  }
  EXPECT_TRUE(seen);
}

}  // namespace
}  // namespace amsrtc::server::media
