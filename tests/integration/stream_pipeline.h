// A test pipeline from a gst-launch description, for amsrtcsink/amsrtcsrc:
// every src pad an element named "src" adds is linked to a fakesink and its
// buffers counted (decoded frames, since amsrtcsrc decodes); EOS per pad,
// errors (with the server's definition), warnings and element messages on
// the bus are recorded for assertions.
#pragma once

#include <gst/gst.h>
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace amsrtc::testing {

class StreamPipeline {
 public:
  explicit StreamPipeline(const std::string &description) {
    GError *error = nullptr;
    pipeline_ = gst_parse_launch(description.c_str(), &error);
    if (pipeline_ == nullptr || error != nullptr) {
      ADD_FAILURE() << (error != nullptr ? error->message : "no pipeline") << ": " << description;
      g_clear_error(&error);
      return;
    }
    if (!GST_IS_PIPELINE(pipeline_)) {
      // A description of one element parses to that element alone.
      GstElement *pipeline = gst_pipeline_new(nullptr);
      gst_bin_add(GST_BIN(pipeline), pipeline_);
      pipeline_ = pipeline;
    }
    if (GstElement *src = gst_bin_get_by_name(GST_BIN(pipeline_), "src")) {
      g_signal_connect(src, "pad-added", G_CALLBACK(on_pad_added), this);
      g_signal_connect(src, "pad-removed", G_CALLBACK(on_pad_removed), this);
      gst_object_unref(src);
    }
    GstBus *bus = gst_element_get_bus(pipeline_);
    gst_bus_add_signal_watch(bus);
    g_signal_connect(bus, "message", G_CALLBACK(on_message), this);
    gst_object_unref(bus);
  }

  ~StreamPipeline() {
    if (pipeline_ == nullptr) return;
    stop();
    GstBus *bus = gst_element_get_bus(pipeline_);
    gst_bus_remove_signal_watch(bus);
    gst_object_unref(bus);
    gst_object_unref(pipeline_);
    for (GstStructure *s : messages_) gst_structure_free(s);
  }
  StreamPipeline(const StreamPipeline &) = delete;
  StreamPipeline &operator=(const StreamPipeline &) = delete;

  GstElement *pipeline() const { return pipeline_; }
  void play() {
    ASSERT_NE(gst_element_set_state(pipeline_, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  }
  void stop() { gst_element_set_state(pipeline_, GST_STATE_NULL); }

  int buffers(const std::string &pad) {
    std::lock_guard<std::mutex> lock(mutex_);
    return counts_[pad];
  }
  void reset_counts() {
    std::lock_guard<std::mutex> lock(mutex_);
    counts_.clear();
  }
  bool has_pad(const std::string &pad) {
    std::lock_guard<std::mutex> lock(mutex_);
    return pads_.count(pad) != 0;
  }
  bool saw_eos(const std::string &pad) {
    std::lock_guard<std::mutex> lock(mutex_);
    return eos_.count(pad) != 0;
  }
  std::string pads() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string text;
    for (const auto &pad : pads_) text += pad + "(" + std::to_string(counts_[pad]) + ") ";
    return text;
  }
  std::string errors() {
    std::lock_guard<std::mutex> lock(mutex_);
    return errors_;
  }
  std::string error_definitions() {
    std::lock_guard<std::mutex> lock(mutex_);
    return definitions_;
  }
  std::string warnings() {
    std::lock_guard<std::mutex> lock(mutex_);
    return warnings_;
  }
  bool pipeline_eos() {
    std::lock_guard<std::mutex> lock(mutex_);
    return pipeline_eos_;
  }
  // Element messages of that name, in order (copies).
  std::vector<GstStructure *> messages(const std::string &name) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<GstStructure *> result;
    for (const GstStructure *s : messages_) {
      if (gst_structure_has_name(s, name.c_str())) result.push_back(gst_structure_copy(s));
    }
    return result;
  }
  int count_messages(const std::string &name) {
    auto found = messages(name);
    for (auto *s : found) gst_structure_free(s);
    return static_cast<int>(found.size());
  }

 private:
  static void on_pad_added(GstElement *src, GstPad *pad, gpointer self_ptr) {
    auto *self = static_cast<StreamPipeline *>(self_ptr);
    const std::string name = GST_PAD_NAME(pad);
    {
      std::lock_guard<std::mutex> lock(self->mutex_);
      self->pads_.insert(name);
    }
    g_main_context_wakeup(nullptr);
    gst_pad_add_probe(
        pad,
        static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER |
                                     GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
        [](GstPad *pad, GstPadProbeInfo *info, gpointer self_ptr) {
          auto *self = static_cast<StreamPipeline *>(self_ptr);
          std::lock_guard<std::mutex> lock(self->mutex_);
          if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
            ++self->counts_[GST_PAD_NAME(pad)];
          } else if (GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) == GST_EVENT_EOS) {
            self->eos_.insert(GST_PAD_NAME(pad));
          }
          // A test waiting in wait_until() looks again now, not at its
          // next bus message.
          g_main_context_wakeup(nullptr);
          return GST_PAD_PROBE_OK;
        },
        self, nullptr);
    GstElement *sink = gst_element_factory_make("fakesink", nullptr);
    g_object_set(sink, "sync", FALSE, "async", FALSE, nullptr);
    GstBin *parent = GST_BIN(GST_ELEMENT_PARENT(src));
    gst_bin_add(parent, sink);
    gst_element_sync_state_with_parent(sink);
    GstPad *sink_pad = gst_element_get_static_pad(sink, "sink");
    gst_pad_link(pad, sink_pad);
    gst_object_unref(sink_pad);
  }

  static void on_pad_removed(GstElement *, GstPad *pad, gpointer self_ptr) {
    auto *self = static_cast<StreamPipeline *>(self_ptr);
    std::lock_guard<std::mutex> lock(self->mutex_);
    self->pads_.erase(GST_PAD_NAME(pad));
    g_main_context_wakeup(nullptr);
  }

  static void on_message(GstBus *, GstMessage *message, gpointer self_ptr) {
    auto *self = static_cast<StreamPipeline *>(self_ptr);
    std::lock_guard<std::mutex> lock(self->mutex_);
    switch (GST_MESSAGE_TYPE(message)) {
      case GST_MESSAGE_ERROR:
      case GST_MESSAGE_WARNING: {
        GError *error = nullptr;
        gchar *debug = nullptr;
        const bool is_error = GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR;
        if (is_error) {
          gst_message_parse_error(message, &error, &debug);
          const GstStructure *details = nullptr;
          gst_message_parse_error_details(message, &details);
          if (details != nullptr && gst_structure_has_field(details, "definition")) {
            self->definitions_ += std::string(gst_structure_get_string(details, "definition")) + " ";
          }
        } else {
          gst_message_parse_warning(message, &error, &debug);
        }
        (is_error ? self->errors_ : self->warnings_) +=
            std::string(GST_OBJECT_NAME(GST_MESSAGE_SRC(message))) + ": " + error->message + " (" +
            (debug != nullptr ? debug : "") + ")\n";
        g_clear_error(&error);
        g_free(debug);
        break;
      }
      case GST_MESSAGE_ELEMENT:
        if (const GstStructure *s = gst_message_get_structure(message)) {
          if (g_str_has_prefix(gst_structure_get_name(s), "amsrtc/")) {
            self->messages_.push_back(gst_structure_copy(s));
          }
        }
        break;
      case GST_MESSAGE_EOS:
        self->pipeline_eos_ = true;
        break;
      default:
        break;
    }
  }

  GstElement *pipeline_ = nullptr;
  std::mutex mutex_;
  std::map<std::string, int> counts_;
  std::set<std::string> pads_;
  std::set<std::string> eos_;
  std::string errors_;
  std::string definitions_;
  std::string warnings_;
  bool pipeline_eos_ = false;
  std::vector<GstStructure *> messages_;  // owned
};

}  // namespace amsrtc::testing
