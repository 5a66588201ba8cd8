// A thread for an element controller's jobs that must not run on the
// signaling client's or GStreamer's threads (tearing down a webrtcbin cannot
// happen on one of its own threads), and for delayed ones: retries and
// deadlines. Jobs run one at a time, in the order they fall due. Any thread
// may post; what is posted while the worker is stopped is dropped, so a
// callback that fires during or after stop() needs no check of its own.
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
  JobWorker() = default;
  ~JobWorker();  // stop()s
  JobWorker(const JobWorker &) = delete;
  JobWorker &operator=(const JobWorker &) = delete;

  // Starts the thread (nothing if it runs).
  void start();
  // Drops the jobs that have not run, waits for a running one, joins the
  // thread (nothing if stopped). Not from a job: it would wait for itself.
  void stop();
  // Runs `job` on the worker's thread once `delay` has passed; dropped when
  // the worker is not running.
  void post(std::function<void()> job, std::chrono::milliseconds delay = {});
  // Drops the jobs that have not run (a retry that is no longer wanted).
  void cancel_all();

 private:
  struct Job {
    std::chrono::steady_clock::time_point due;
    std::function<void()> run;
  };
  void run();

  std::mutex lifecycle_mutex_;  // serialises start() and stop(); guards thread_
  std::thread thread_;
  std::mutex mutex_;  // guards the rest
  std::condition_variable wake_;
  std::deque<Job> jobs_;
  bool running_ = false;
};

}  // namespace amsrtc::plugin
