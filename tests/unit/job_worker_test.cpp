// JobWorker (gst/plugin/job_worker.h): the thread the element controllers
// run restarts and deadlines on. Jobs run in the order they fall due, a
// cancelled delayed job never runs, stopping drops what is pending, and
// what is posted while stopped is dropped.
#include "gst/plugin/job_worker.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace amsrtc::plugin {
namespace {

using namespace std::chrono_literals;

// What the jobs did, and a way to wait for them.
struct Trace {
  std::mutex mutex;
  std::condition_variable changed;
  std::string text;
  void add(const std::string &what) {
    std::lock_guard<std::mutex> lock(mutex);
    text += what;
    changed.notify_all();
  }
  bool wait_for_length(std::size_t length, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex);
    return changed.wait_for(lock, timeout, [&] { return text.size() >= length; });
  }
  std::string get() {
    std::lock_guard<std::mutex> lock(mutex);
    return text;
  }
};

TEST(JobWorker, JobsRunInTheOrderTheyFallDueOnTheWorkersThread) {
  Trace trace;
  std::thread::id ran_on;
  JobWorker worker;
  worker.start();
  worker.post([&] { trace.add("c"); }, 60ms);
  worker.post([&] { trace.add("b"); }, 20ms);
  worker.post([&] {
    ran_on = std::this_thread::get_id();
    trace.add("a");
  });
  ASSERT_TRUE(trace.wait_for_length(3, 5s));
  EXPECT_EQ(trace.get(), "abc");
  EXPECT_NE(ran_on, std::this_thread::get_id());
}

TEST(JobWorker, ADelayedJobDoesNotRunEarly) {
  Trace trace;
  JobWorker worker;
  worker.start();
  const auto posted = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point ran;
  worker.post(
      [&] {
        ran = std::chrono::steady_clock::now();
        trace.add("x");
      },
      50ms);
  ASSERT_TRUE(trace.wait_for_length(1, 5s));
  EXPECT_GE(ran - posted, 50ms);
}

TEST(JobWorker, CancelledJobsNeverRunAndLaterOnesDo) {
  Trace trace;
  JobWorker worker;
  worker.start();
  worker.post([&] { trace.add("cancelled"); }, 100ms);
  worker.cancel_all();
  worker.post([&] { trace.add("kept"); }, 150ms);
  ASSERT_TRUE(trace.wait_for_length(4, 5s));
  EXPECT_EQ(trace.get(), "kept");
}

TEST(JobWorker, DestructionDropsJobsNotYetDue) {
  Trace trace;
  {
    JobWorker worker;
    worker.start();
  worker.start();
    worker.post([&] { trace.add("r"); });
    worker.post([&] { trace.add("never"); }, 10s);
    ASSERT_TRUE(trace.wait_for_length(1, 5s));
  }  // joins at once: the delayed job is dropped, not waited for
  EXPECT_EQ(trace.get(), "r");
}

TEST(JobWorker, WhatIsPostedWhileStoppedIsDroppedAndItCanStartAgain) {
  Trace trace;
  JobWorker worker;
  worker.post([&] { trace.add("before start"); });
  worker.start();
  worker.post([&] { trace.add("a"); });
  ASSERT_TRUE(trace.wait_for_length(1, 5s));
  worker.stop();
  worker.post([&] { trace.add("after stop"); });
  worker.start();
  worker.post([&] { trace.add("b"); });
  ASSERT_TRUE(trace.wait_for_length(2, 5s));
  worker.stop();
  EXPECT_EQ(trace.get(), "ab");
}

}  // namespace
}  // namespace amsrtc::plugin
