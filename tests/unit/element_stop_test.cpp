// session::stop_element_and_children (gst/session/element_stop.h): a child
// in locked state that was started on its own (as webrtcbin starts its SCTP
// elements once DTLS connects) is still running after its bin goes to NULL;
// the helper stops it too. And an sctpenc that is sent RECONFIGURE events
// while it stops does not restart its streaming task (which hung the
// stop, or the finalization after it), and one restarted by an event that
// was under way when the stop began is stopped a moment later.
#include "gst/session/element_stop.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace amsrtc::session {
namespace {

class ElementStopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gst_init(nullptr, nullptr);
    pipeline_ = gst_pipeline_new("outer");
    GstElement *inner = gst_bin_new("inner");  // the helper walks nested bins
    GstElement *source = gst_element_factory_make("videotestsrc", nullptr);
    GstElement *sink = gst_element_factory_make("fakesink", nullptr);
    ASSERT_NE(source, nullptr);
    ASSERT_NE(sink, nullptr);
    g_object_set(source, "is-live", TRUE, nullptr);
    gst_bin_add_many(GST_BIN(inner), source, sink, nullptr);
    ASSERT_TRUE(gst_element_link(source, sink));
    gst_bin_add(GST_BIN(pipeline_), inner);
    // Locked: the bins' state changes skip these two.
    gst_element_set_locked_state(source, TRUE);
    gst_element_set_locked_state(sink, TRUE);
    source_ = source;
    sink_ = sink;
  }

  void TearDown() override {
    if (pipeline_ != nullptr) {
      gst_element_set_state(source_, GST_STATE_NULL);
      gst_element_set_state(sink_, GST_STATE_NULL);
      gst_element_set_state(pipeline_, GST_STATE_NULL);
      gst_object_unref(pipeline_);
    }
  }

  // The pipeline runs, and the locked pair was started on its own.
  void start_all() {
    ASSERT_NE(gst_element_set_state(pipeline_, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    ASSERT_NE(gst_element_set_state(sink_, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    ASSERT_NE(gst_element_set_state(source_, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    GstState state = GST_STATE_VOID_PENDING;
    gst_element_get_state(source_, &state, nullptr, GST_CLOCK_TIME_NONE);
    ASSERT_EQ(state, GST_STATE_PLAYING);
  }

  GstElement *pipeline_ = nullptr;
  GstElement *source_ = nullptr;
  GstElement *sink_ = nullptr;
};

TEST_F(ElementStopTest, PlainNullLeavesALockedStartedChildRunning) {
  start_all();
  gst_element_set_state(pipeline_, GST_STATE_NULL);
  EXPECT_EQ(GST_STATE(pipeline_), GST_STATE_NULL);
  EXPECT_EQ(GST_STATE(source_), GST_STATE_PLAYING);  // the hazard the helper exists for
}

TEST_F(ElementStopTest, StopsEveryChildStillAboveNull) {
  start_all();
  stop_element_and_children(pipeline_);
  EXPECT_EQ(GST_STATE(pipeline_), GST_STATE_NULL);
  EXPECT_EQ(GST_STATE(source_), GST_STATE_NULL);
  EXPECT_EQ(GST_STATE(sink_), GST_STATE_NULL);
  // Nothing runs any more: the last reference can go without waiting.
  gst_object_unref(pipeline_);
  pipeline_ = nullptr;
}

TEST_F(ElementStopTest, AcceptsAnElementThatIsNotABin) {
  start_all();
  stop_element_and_children(source_);
  EXPECT_EQ(GST_STATE(source_), GST_STATE_NULL);
}

// sctpenc 1.22 restarts its source pad's task on RECONFIGURE, whatever its
// state. Here another thread sends RECONFIGURE without pause while the
// helper stops the pipeline (as elements downstream do when they stop),
// 100 times. Without the helper's probe the first stop hangs: the restarted
// task waits for data forever, and the state change (or, later, finalizing
// the pad) waits for the task.
TEST(ElementStopSctpTest, ReconfigureDuringTheStopDoesNotRestartSctpencsTask) {
  gst_init(nullptr, nullptr);
  for (int i = 0; i < 100; ++i) {
    GstElement *pipeline = gst_pipeline_new(nullptr);
    GstElement *sctpenc = gst_element_factory_make("sctpenc", nullptr);
    GstElement *sink = gst_element_factory_make("fakesink", nullptr);
    ASSERT_NE(sctpenc, nullptr) << "sctpenc is in gstreamer1.0-plugins-bad";
    // Each run its own association (ids are process-wide).
    g_object_set(sctpenc, "sctp-association-id", 40000 + i, nullptr);
    g_object_set(sink, "async", FALSE, nullptr);
    gst_bin_add_many(GST_BIN(pipeline), sctpenc, sink, nullptr);
    ASSERT_TRUE(gst_element_link(sctpenc, sink));
    ASSERT_NE(gst_element_set_state(pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    GstPad *src = gst_element_get_static_pad(sctpenc, "src");

    // Downstream reacting to the stop: RECONFIGURE from the moment the
    // pipeline is headed for NULL until the stop returns.
    std::atomic<bool> stopped{false};
    std::thread downstream([&] {
      while (!stopped && GST_STATE_TARGET(pipeline) != GST_STATE_NULL) g_thread_yield();
      while (!stopped) gst_pad_send_event(src, gst_event_new_reconfigure());
    });
    stop_element_and_children(pipeline);
    stopped = true;
    downstream.join();

    GstTask *task = GST_PAD_TASK(src);
    ASSERT_TRUE(task == nullptr || gst_task_get_state(task) != GST_TASK_STARTED)
        << "run " << i << ": sctpenc's task runs again after the stop";
    gst_object_unref(src);
    gst_object_unref(pipeline);  // finalizes the pads: would wait for a task
  }
}

// The case the probe cannot catch: a RECONFIGURE whose handling had begun
// before the stop (past the probe) and ends after it. Its handler is called
// here directly, after the stop, and restarts the task. The helper holds a
// reference to each stopped sctpenc and looks again a second later: it
// stops such a task, so that dropping the last reference does not wait for
// it forever (amsrtc-server's main thread did, from a bus message).
TEST(ElementStopSctpTest, ATaskRestartedByAnEventUnderWayIsStoppedBeforeTheLastReferenceGoes) {
  gst_init(nullptr, nullptr);
  GstElement *pipeline = gst_pipeline_new(nullptr);
  GstElement *sctpenc = gst_element_factory_make("sctpenc", nullptr);
  GstElement *sink = gst_element_factory_make("fakesink", nullptr);
  ASSERT_NE(sctpenc, nullptr) << "sctpenc is in gstreamer1.0-plugins-bad";
  g_object_set(sctpenc, "sctp-association-id", 40999, nullptr);
  g_object_set(sink, "async", FALSE, nullptr);
  gst_bin_add_many(GST_BIN(pipeline), sctpenc, sink, nullptr);
  ASSERT_TRUE(gst_element_link(sctpenc, sink));
  ASSERT_NE(gst_element_set_state(pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  stop_element_and_children(pipeline);

  GstPad *src = gst_element_get_static_pad(sctpenc, "src");
  GST_PAD_EVENTFUNC(src)(src, GST_OBJECT(sctpenc), gst_event_new_reconfigure());
  ASSERT_EQ(gst_task_get_state(GST_PAD_TASK(src)), GST_TASK_STARTED)
      << "the late event did not restart the task: this test shows nothing";
  gst_object_unref(src);

  struct Finalized {
    std::mutex mutex;
    std::condition_variable done;
    bool finalized = false;
  };
  // Not on the stack: if the check fails, a late notification must not
  // write into a returned frame.
  auto *finalized = new Finalized;
  g_object_weak_ref(
      G_OBJECT(sctpenc),
      [](gpointer data, GObject *) {
        auto *f = static_cast<Finalized *>(data);
        std::lock_guard<std::mutex> lock(f->mutex);
        f->finalized = true;
        f->done.notify_all();
      },
      finalized);
  gst_object_unref(pipeline);  // our last reference to everything: returns at once
  bool done = false;
  {
    std::unique_lock<std::mutex> lock(finalized->mutex);
    done = finalized->done.wait_for(lock, std::chrono::seconds(10),
                                    [&] { return finalized->finalized; });
  }
  EXPECT_TRUE(done) << "sctpenc was not finalized: its restarted task still runs";
  if (done) delete finalized;
}

}  // namespace
}  // namespace amsrtc::session
