// The SFU endpoints' deadline timer (signaling/server/media/one_shot_timer.h)
// on a private GLib main context: it fires once, a cancelled or destroyed
// timer never fires, starting again replaces the pending one, and the work
// may start the timer again.
#include <gtest/gtest.h>

#include "signaling/server/media/one_shot_timer.h"

namespace amsrtc::server::media {
namespace {

// Dispatches `context` (blocking until something is due) until `done`;
// gives up after 2 s.
void run_until(GMainContext *context, const bool &done) {
  const gint64 give_up = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
  while (!done && g_get_monotonic_time() < give_up) g_main_context_iteration(context, TRUE);
}

class OneShotTimerTest : public ::testing::Test {
 protected:
  void SetUp() override { context = g_main_context_new(); }
  void TearDown() override { g_main_context_unref(context); }
  // Dispatches whatever is due on the context within `ms`.
  void drain(guint ms) {
    bool elapsed = false;
    OneShotTimer guard;
    guard.start(context, ms, [&] { elapsed = true; });
    run_until(context, elapsed);
  }
  GMainContext *context = nullptr;
};

TEST_F(OneShotTimerTest, FiresOnceOnItsContext) {
  OneShotTimer timer;
  int fired = 0;
  timer.start(context, 10, [&] { ++fired; });
  EXPECT_TRUE(timer.active());
  drain(50);
  EXPECT_EQ(fired, 1);
  EXPECT_FALSE(timer.active());
  drain(30);
  EXPECT_EQ(fired, 1);
}

TEST_F(OneShotTimerTest, CancelledOrDestroyedNeverFires) {
  int fired = 0;
  OneShotTimer cancelled;
  cancelled.start(context, 10, [&] { ++fired; });
  cancelled.cancel();
  EXPECT_FALSE(cancelled.active());
  {
    OneShotTimer destroyed;
    destroyed.start(context, 10, [&] { ++fired; });
  }
  drain(50);
  EXPECT_EQ(fired, 0);
}

TEST_F(OneShotTimerTest, StartingAgainReplacesThePendingOne) {
  OneShotTimer timer;
  int first = 0, second = 0;
  timer.start(context, 10, [&] { ++first; });
  timer.start(context, 20, [&] { ++second; });
  drain(60);
  EXPECT_EQ(first, 0);
  EXPECT_EQ(second, 1);
}

TEST_F(OneShotTimerTest, TheWorkMayStartItAgain) {
  OneShotTimer timer;
  int fired = 0;
  std::function<void()> again = [&] {
    if (++fired < 3) timer.start(context, 5, again);
  };
  timer.start(context, 5, again);
  drain(100);
  EXPECT_EQ(fired, 3);
  EXPECT_FALSE(timer.active());
}

}  // namespace
}  // namespace amsrtc::server::media
