// A thread for an element controller's jobs that must not run on the
// signaling client's or GStreamer's threads (tearing down a webrtcbin cannot
// happen on one of its own threads), and for delayed ones: retries and
// deadlines. Jobs run one at a time, in the order they fall due.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace amsrtc::plugin {

class JobWorker {
 public:
  JobWorker();
  ~JobWorker();  // drops what has not run, waits for a running job, joins
  JobWorker(const JobWorker &) = delete;
  JobWorker &operator=(const JobWorker &) = delete;

  // Runs `job` on the worker's thread once `delay` has passed.
  void post(std::function<void()> job, std::chrono::milliseconds delay = {});
  // Drops the jobs that have not run (a retry that is no longer wanted).
  void cancel_all();

 private:
  struct Job {
    std::chrono::steady_clock::time_point due;
    std::function<void()> run;
  };
  void run();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> jobs_;
  bool done_ = false;
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace amsrtc::plugin
