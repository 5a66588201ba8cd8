#include "job_worker.h"

#include <utility>

namespace amsrtc::plugin {

JobWorker::~JobWorker() { stop(); }

void JobWorker::start() {
  std::lock_guard<std::mutex> lifecycle(lifecycle_mutex_);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (running_) return;
    running_ = true;
  }
  thread_ = std::thread([this] { run(); });
}

void JobWorker::stop() {
  std::lock_guard<std::mutex> lifecycle(lifecycle_mutex_);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!running_) return;
    running_ = false;
    jobs_.clear();
  }
  wake_.notify_all();
  thread_.join();
}

void JobWorker::post(std::function<void()> job, std::chrono::milliseconds delay) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!running_) return;
    jobs_.push_back({std::chrono::steady_clock::now() + delay, std::move(job)});
  }
  wake_.notify_all();
}

void JobWorker::cancel_all() {
  std::lock_guard<std::mutex> lock(mutex_);
  jobs_.clear();
}

void JobWorker::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (running_) {
    auto next = jobs_.end();
    for (auto it = jobs_.begin(); it != jobs_.end(); ++it) {
      if (next == jobs_.end() || it->due < next->due) next = it;
    }
    if (next == jobs_.end()) {
      wake_.wait(lock);
      continue;
    }
    if (next->due > std::chrono::steady_clock::now()) {
      wake_.wait_until(lock, next->due);
      continue;
    }
    auto job = std::move(next->run);
    jobs_.erase(next);
    lock.unlock();
    job();
    lock.lock();
  }
}

}  // namespace amsrtc::plugin
