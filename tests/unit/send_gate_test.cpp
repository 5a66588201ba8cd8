// session::hold_media_until_connected (gst/session/send_gate.h) on a funnel,
// whose request sink pads stand in for webrtcbin's: buffers pushed into a
// held pad, one there before and one requested after, are dropped and
// events pass; after the release both carry buffers, and a pad requested
// then is not held.
#include "gst/session/send_gate.h"

#include <gtest/gtest.h>

#include <vector>

namespace amsrtc::session {
namespace {

class SendGateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gst_init(nullptr, nullptr);
    pipeline_ = gst_pipeline_new(nullptr);
    funnel_ = gst_element_factory_make("funnel", nullptr);
    sink_ = gst_element_factory_make("fakesink", nullptr);
    ASSERT_NE(funnel_, nullptr);
    ASSERT_NE(sink_, nullptr);
    g_object_set(sink_, "sync", FALSE, "async", FALSE, "signal-handoffs", TRUE, nullptr);
    g_signal_connect(sink_, "handoff",
                     G_CALLBACK(+[](GstElement *, GstBuffer *, GstPad *, gpointer n) {
                       ++*static_cast<int *>(n);
                     }),
                     &received_);
    gst_bin_add_many(GST_BIN(pipeline_), funnel_, sink_, nullptr);
    ASSERT_TRUE(gst_element_link(funnel_, sink_));
    ASSERT_NE(gst_element_set_state(pipeline_, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  }

  void TearDown() override {
    gst_element_set_state(pipeline_, GST_STATE_NULL);
    for (GstPad *pad : sources_) gst_object_unref(pad);
    gst_object_unref(pipeline_);
  }

  // A source pad of the test's own, linked to a new funnel sink pad, with
  // the stream-start, caps and segment events a stream begins with.
  GstPad *new_input() {
    GstPad *sink = gst_element_request_pad_simple(funnel_, "sink_%u");
    GstPad *source = gst_pad_new(nullptr, GST_PAD_SRC);
    gst_pad_set_active(source, TRUE);
    EXPECT_EQ(gst_pad_link(source, sink), GST_PAD_LINK_OK);
    gst_object_unref(sink);
    gst_pad_push_event(source, gst_event_new_stream_start(GST_PAD_NAME(source)));
    gst_pad_push_event(source, gst_event_new_caps(gst_caps_new_empty_simple("application/x-rtp")));
    GstSegment segment;
    gst_segment_init(&segment, GST_FORMAT_TIME);
    gst_pad_push_event(source, gst_event_new_segment(&segment));
    sources_.push_back(source);
    return source;
  }

  // Pushes one buffer (the push returns once the sink had it, or once it
  // was dropped); returns whether the sink got it.
  bool goes_through(GstPad *source) {
    const int before = received_;
    EXPECT_EQ(gst_pad_push(source, gst_buffer_new_allocate(nullptr, 12, nullptr)), GST_FLOW_OK);
    return received_ == before + 1;
  }

  GstElement *pipeline_ = nullptr;
  GstElement *funnel_ = nullptr;
  GstElement *sink_ = nullptr;
  std::vector<GstPad *> sources_;
  int received_ = 0;  // buffers the sink got (pushed on this thread)
};

TEST_F(SendGateTest, HeldPadsDropBuffersUntilReleased) {
  GstPad *before = new_input();
  hold_media_until_connected(funnel_);
  GstPad *after = new_input();
  EXPECT_FALSE(goes_through(before));
  EXPECT_FALSE(goes_through(after));

  release_held_media(funnel_);
  EXPECT_TRUE(goes_through(before));
  EXPECT_TRUE(goes_through(after));
  GstPad *later = new_input();
  EXPECT_TRUE(goes_through(later));
  release_held_media(funnel_);  // a second release changes nothing
  EXPECT_TRUE(goes_through(later));
}

TEST_F(SendGateTest, WithoutAGateNothingIsHeld) {
  release_held_media(funnel_);  // never held: nothing to release
  EXPECT_TRUE(goes_through(new_input()));
}

}  // namespace
}  // namespace amsrtc::session
