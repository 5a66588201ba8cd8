// Keeps the last GStreamer log lines (amsrtc categories at INFO, everything
// else at WARNING) and prints them when a test fails, so a failure seen
// only on CI comes with the story of the call: who joined, who offered,
// what ICE and webrtcbin complained about. A message repeated by the same
// object (rtpsession warns for every packet) is kept once and counted.
// The test's own failure messages are printed again after the log, so the
// end of the output (all that a CI summary may keep) says what failed.
#pragma once

#include <gst/gst.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <string>

namespace amsrtc::testing {

class GstLogTail : public ::testing::EmptyTestEventListener {
 public:
  // Installs the log function and the gtest listener; call once from main
  // or a SetUpTestSuite (idempotent).
  static void install() {
    static GstLogTail *instance = nullptr;
    if (instance != nullptr) return;
    instance = new GstLogTail();
    // GST_DEBUG set by hand wins: then everything also goes to stderr.
    if (g_getenv("GST_DEBUG") == nullptr) {
      gst_debug_remove_log_function(gst_debug_log_default);
      gst_debug_set_default_threshold(GST_LEVEL_WARNING);
      gst_debug_set_threshold_for_name("amsrtc*", GST_LEVEL_INFO);
    }
    gst_debug_add_log_function(on_log, instance, nullptr);
    ::testing::UnitTest::GetInstance()->listeners().Append(instance);
  }

 private:
  static void on_log(GstDebugCategory *category, GstDebugLevel level, const gchar *file,
                     const gchar *function, gint line, GObject *object, GstDebugMessage *message,
                     gpointer self_ptr) {
    auto *self = static_cast<GstLogTail *>(self_ptr);
    if (level > gst_debug_category_get_threshold(category)) return;
    const std::string key =
        std::string(gst_debug_category_get_name(category)) + ":" +
        (object != nullptr && GST_IS_OBJECT(object) ? GST_OBJECT_NAME(object) : "") + ":" +
        gst_debug_message_get(message);
    {
      std::lock_guard<std::mutex> lock(self->mutex_);
      if (++self->repeats_[key] > 1) return;
    }
    gchar *text = g_strdup_printf(
        "%.3f %s %s %s:%d:%s:<%s> %s", static_cast<double>(g_get_monotonic_time()) / G_USEC_PER_SEC,
        gst_debug_level_get_name(level), gst_debug_category_get_name(category), file, line,
        function, object != nullptr && GST_IS_OBJECT(object) ? GST_OBJECT_NAME(object) : "",
        gst_debug_message_get(message));
    std::lock_guard<std::mutex> lock(self->mutex_);
    self->lines_.emplace_back(text);
    g_free(text);
    if (self->lines_.size() > 300) self->lines_.pop_front();
  }

  void OnTestStart(const ::testing::TestInfo &) override {
    std::lock_guard<std::mutex> lock(mutex_);
    lines_.clear();
    repeats_.clear();
  }

  void OnTestEnd(const ::testing::TestInfo &info) override {
    if (!info.result()->Failed()) return;
    std::lock_guard<std::mutex> lock(mutex_);
    std::fprintf(stderr, "--- last %zu GStreamer log lines of %s.%s ---\n", lines_.size(),
                 info.test_suite_name(), info.name());
    for (const std::string &line : lines_) std::fprintf(stderr, "%s\n", line.c_str());
    for (const auto &[key, count] : repeats_) {
      if (count > 1) std::fprintf(stderr, "(%zu times) %s\n", count, key.c_str());
    }
    std::fprintf(stderr, "--- %s.%s failed: ---\n", info.test_suite_name(), info.name());
    const ::testing::TestResult &result = *info.result();
    for (int i = 0; i < result.total_part_count(); ++i) {
      const ::testing::TestPartResult &part = result.GetTestPartResult(i);
      if (!part.failed()) continue;
      std::fprintf(stderr, "%s:%d: %s\n", part.file_name() != nullptr ? part.file_name() : "?",
                   part.line_number(), part.message());
    }
  }

  std::mutex mutex_;
  std::deque<std::string> lines_;
  std::map<std::string, std::size_t> repeats_;  // message -> how often it came
};

}  // namespace amsrtc::testing
