// The SFU's latency redistribution (signaling/server/media/
// latency_redistribution.h) on a private GLib main context: a burst of asks
// costs one recalculation, an ask after it gets its own, and the gap after a
// costly recalculation grows with its cost. Then with a real pipeline: the
// LATENCY messages on a playing pipeline's bus end in one
// gst_bin_recalculate_latency().
#include <gst/gst.h>
#include <gtest/gtest.h>

#include "signaling/server/media/latency_redistribution.h"

namespace amsrtc::server::media {
namespace {

// Dispatches `context` until `done` or 2 s have passed.
template <typename Done>
void run_until(GMainContext *context, Done done) {
  const gint64 give_up = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
  while (!done() && g_get_monotonic_time() < give_up) g_main_context_iteration(context, TRUE);
}

class LatencyRedistributionTest : public ::testing::Test {
 protected:
  void SetUp() override { context = g_main_context_new(); }
  void TearDown() override { g_main_context_unref(context); }
  GMainContext *context = nullptr;
};

TEST_F(LatencyRedistributionTest, ABurstOfAsksCostsOneRecalculation) {
  int runs = 0;
  LatencyRedistribution redistribution(context, [&] { ++runs; });
  for (int i = 0; i < 100; ++i) redistribution.request();
  run_until(context, [&] { return runs > 0; });
  EXPECT_EQ(runs, 1);

  // An ask after the run is not lost: it gets a run of its own.
  redistribution.request();
  run_until(context, [&] { return runs > 1; });
  EXPECT_EQ(runs, 2);
}

TEST_F(LatencyRedistributionTest, WaitsAtLeastTheMinimumGap) {
  gint64 ran_at = 0;
  LatencyRedistribution redistribution(context, [&] { ran_at = g_get_monotonic_time(); });
  const gint64 asked_at = g_get_monotonic_time();
  redistribution.request();
  run_until(context, [&] { return ran_at != 0; });
  ASSERT_NE(ran_at, 0);
  EXPECT_GE(ran_at - asked_at, LatencyRedistribution::kMinimumGapMs * 1000);
}

TEST_F(LatencyRedistributionTest, TheGapIsNineTimesWhatTheLastRunCost) {
  EXPECT_EQ(LatencyRedistribution::gap_ms(0), LatencyRedistribution::kMinimumGapMs);
  EXPECT_EQ(LatencyRedistribution::gap_ms(5'000), LatencyRedistribution::kMinimumGapMs);
  EXPECT_EQ(LatencyRedistribution::gap_ms(40'000), 360u);

  // A run that costs 20 ms puts the next one at least 180 ms after it.
  gint64 first_ended = 0, second_started = 0;
  int runs = 0;
  LatencyRedistribution redistribution(context, [&] {
    if (++runs == 1) {
      g_usleep(20'000);
      first_ended = g_get_monotonic_time();
    } else {
      second_started = g_get_monotonic_time();
    }
  });
  redistribution.request();
  run_until(context, [&] { return runs == 1; });
  redistribution.request();
  run_until(context, [&] { return runs == 2; });
  ASSERT_EQ(runs, 2);
  EXPECT_GE(second_started - first_ended, 180'000);
}

// Counts the LATENCY messages of a real pipeline's bus and redistributes
// through LatencyRedistribution, as the media plane does.
TEST_F(LatencyRedistributionTest, TenLatencyMessagesOfAPlayingPipelineGetOneRecalculation) {
  gst_init(nullptr, nullptr);
  g_main_context_push_thread_default(context);
  GstElement *pipeline =
      gst_parse_launch("audiotestsrc is-live=true ! fakesink name=sink sync=true", nullptr);
  ASSERT_NE(pipeline, nullptr);
  int recalculations = 0;
  LatencyRedistribution redistribution(context, [&] {
    ++recalculations;
    gst_bin_recalculate_latency(GST_BIN(pipeline));
  });
  struct Watch {
    LatencyRedistribution *redistribution;
    int latency_messages = 0;
  } watch{&redistribution};
  GstBus *bus = gst_pipeline_get_bus(GST_PIPELINE(pipeline));
  gst_bus_add_watch(
      bus,
      [](GstBus *, GstMessage *message, gpointer data) -> gboolean {
        auto *watch = static_cast<Watch *>(data);
        if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_LATENCY) {
          ++watch->latency_messages;
          watch->redistribution->request();
        }
        return G_SOURCE_CONTINUE;
      },
      &watch);
  ASSERT_NE(gst_element_set_state(pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);

  // Ten asks in a row, as endpoints joining post them (an element whose
  // latency changed posts LATENCY).
  GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  for (int i = 0; i < 10; ++i) {
    gst_element_post_message(sink, gst_message_new_latency(GST_OBJECT(sink)));
  }
  gst_object_unref(sink);
  run_until(context, [&] { return watch.latency_messages >= 10 && recalculations > 0; });
  EXPECT_GE(watch.latency_messages, 10);
  EXPECT_EQ(recalculations, 1);

  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_bus_remove_watch(bus);
  gst_object_unref(bus);
  gst_object_unref(pipeline);
  g_main_context_pop_thread_default(context);
}

}  // namespace
}  // namespace amsrtc::server::media
