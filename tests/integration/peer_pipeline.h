// A test pipeline around amsrtcpeer: test sources into it, each remote
// track into a counting fakesink; errors, EOS, pads, data channel text and
// bus messages recorded for assertions. Used by the amsrtcpeer and
// amsrtcsignaller tests.
#pragma once

#include <gst/gst.h>
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace amsrtc::testing {

// One pipeline: test sources into amsrtcpeer, each remote track into a
// counting fakesink.
class PeerPipeline {
 public:
  PeerPipeline(const std::string &server_url, const std::string &stream_id,
               const std::string &extra_properties = "") {
    const std::string description =
        "amsrtcpeer name=p server=" + server_url + " stream-id=" + stream_id + " " +
        extra_properties +
        " local-addresses=127.0.0.1 "
        "videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1 "
        "! p.video_0 "
        "audiotestsrc is-live=true wave=ticks ! audio/x-raw,rate=48000,channels=2 ! p.audio_0";
    GError *error = nullptr;
    pipeline_ = gst_parse_launch(description.c_str(), &error);
    if (pipeline_ == nullptr) {
      ADD_FAILURE() << error->message;
      g_clear_error(&error);
      return;
    }
    peer_ = gst_bin_get_by_name(GST_BIN(pipeline_), "p");
    g_signal_connect(peer_, "pad-added", G_CALLBACK(on_pad_added), this);
    g_signal_connect(peer_, "pad-removed", G_CALLBACK(on_pad_removed), this);
    GstBus *bus = gst_element_get_bus(pipeline_);
    gst_bus_add_signal_watch(bus);
    g_signal_connect(bus, "message::error", G_CALLBACK(on_error), this);
    g_signal_connect(bus, "message::warning", G_CALLBACK(on_warning), this);
    g_signal_connect(bus, "message::element", G_CALLBACK(on_element_message), this);
    g_signal_connect(peer_, "data-received", G_CALLBACK(on_data), this);
    gst_object_unref(bus);
  }

  ~PeerPipeline() {
    if (pipeline_ == nullptr) return;
    stop();
    GstBus *bus = gst_element_get_bus(pipeline_);
    gst_bus_remove_signal_watch(bus);
    gst_object_unref(bus);
    gst_object_unref(peer_);
    gst_object_unref(pipeline_);
  }

  void play() {
    ASSERT_NE(gst_element_set_state(pipeline_, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  }
  void stop() { gst_element_set_state(pipeline_, GST_STATE_NULL); }
  GstElement *pipeline() const { return pipeline_; }
  GstElement *peer() const { return peer_; }  // the amsrtcpeer

  int buffers(const std::string &pad) {
    std::lock_guard<std::mutex> lock(mutex_);
    return counts_[pad];
  }
  bool saw_eos(const std::string &pad) {
    std::lock_guard<std::mutex> lock(mutex_);
    return eos_.count(pad) != 0;
  }
  bool has_pad(const std::string &pad) {
    std::lock_guard<std::mutex> lock(mutex_);
    return pads_.count(pad) != 0;
  }
  std::string errors() {
    std::lock_guard<std::mutex> lock(mutex_);
    return errors_;
  }
  // Warnings on the bus (a connection not up after 10 s, ...): printed when
  // a wait fails, to say why.
  std::string warnings() {
    std::lock_guard<std::mutex> lock(mutex_);
    return warnings_;
  }
  bool channel_open() {
    std::lock_guard<std::mutex> lock(mutex_);
    return channel_open_;
  }
  std::string received_text() {
    std::lock_guard<std::mutex> lock(mutex_);
    return text_;
  }
  unsigned send_data(const std::string &text) {
    guint sent = 0;
    g_signal_emit_by_name(peer_, "send-data", text.c_str(), &sent);
    return sent;
  }
  // The amsrtc/* element messages of that name, each as its fields' text.
  std::vector<std::string> messages(const std::string &name) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> found;
    for (const auto &[message_name, fields] : messages_) {
      if (message_name == name) found.push_back(fields);
    }
    return found;
  }
  void reset_counts() {
    std::lock_guard<std::mutex> lock(mutex_);
    counts_.clear();
    eos_.clear();
  }

 private:
  static void on_pad_added(GstElement *, GstPad *pad, gpointer self_ptr) {
    auto *self = static_cast<PeerPipeline *>(self_ptr);
    if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC) return;
    const std::string name = GST_PAD_NAME(pad);
    GstElement *sink = gst_element_factory_make("fakesink", nullptr);
    g_object_set(sink, "sync", FALSE, "async", FALSE, nullptr);
    gst_bin_add(GST_BIN(self->pipeline_), sink);
    gst_element_sync_state_with_parent(sink);
    GstPad *sink_pad = gst_element_get_static_pad(sink, "sink");
    gst_pad_link(pad, sink_pad);
    auto *context = new std::pair<PeerPipeline *, std::string>(self, name);
    gst_pad_add_probe(
        sink_pad,
        static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER |
                                     GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
        [](GstPad *, GstPadProbeInfo *info, gpointer data) -> GstPadProbeReturn {
          auto *ctx = static_cast<std::pair<PeerPipeline *, std::string> *>(data);
          std::lock_guard<std::mutex> lock(ctx->first->mutex_);
          if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
            ++ctx->first->counts_[ctx->second];
          } else if (GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) == GST_EVENT_EOS) {
            ctx->first->eos_.insert(ctx->second);
          }
          g_main_context_wakeup(nullptr);
          return GST_PAD_PROBE_OK;
        },
        context,
        [](gpointer data) { delete static_cast<std::pair<PeerPipeline *, std::string> *>(data); });
    gst_object_unref(sink_pad);
    std::lock_guard<std::mutex> lock(self->mutex_);
    self->pads_.insert(name);
  }

  static void on_pad_removed(GstElement *, GstPad *pad, gpointer self_ptr) {
    auto *self = static_cast<PeerPipeline *>(self_ptr);
    std::lock_guard<std::mutex> lock(self->mutex_);
    self->pads_.erase(GST_PAD_NAME(pad));
    g_main_context_wakeup(nullptr);
  }

  static void on_element_message(GstBus *, GstMessage *message, gpointer self_ptr) {
    auto *self = static_cast<PeerPipeline *>(self_ptr);
    const GstStructure *structure = gst_message_get_structure(message);
    if (structure == nullptr || !g_str_has_prefix(gst_structure_get_name(structure), "amsrtc/"))
      return;
    gchar *text = gst_structure_to_string(structure);
    std::lock_guard<std::mutex> lock(self->mutex_);
    self->messages_.emplace_back(gst_structure_get_name(structure), text);
    g_free(text);
    if (gst_structure_has_name(structure, "amsrtc/data-channel-open")) self->channel_open_ = true;
  }

  static void on_data(GstElement *, const gchar *peer, const gchar *text, gpointer self_ptr) {
    auto *self = static_cast<PeerPipeline *>(self_ptr);
    std::lock_guard<std::mutex> lock(self->mutex_);
    self->text_ += std::string(peer) + ":" + text;
    g_main_context_wakeup(nullptr);
  }

  static void on_warning(GstBus *, GstMessage *message, gpointer self_ptr) {
    auto *self = static_cast<PeerPipeline *>(self_ptr);
    GError *error = nullptr;
    gchar *debug = nullptr;
    gst_message_parse_warning(message, &error, &debug);
    std::lock_guard<std::mutex> lock(self->mutex_);
    self->warnings_ +=
        std::string("warning: ") + error->message + " (" + (debug ? debug : "") + ")\n";
    g_clear_error(&error);
    g_free(debug);
  }

  static void on_error(GstBus *, GstMessage *message, gpointer self_ptr) {
    auto *self = static_cast<PeerPipeline *>(self_ptr);
    GError *error = nullptr;
    gchar *debug = nullptr;
    gst_message_parse_error(message, &error, &debug);
    std::lock_guard<std::mutex> lock(self->mutex_);
    self->errors_ += std::string(error->message) + " (" + (debug ? debug : "") + ")\n";
    g_clear_error(&error);
    g_free(debug);
  }

  GstElement *pipeline_ = nullptr;
  GstElement *peer_ = nullptr;
  std::mutex mutex_;
  std::map<std::string, int> counts_;
  std::set<std::string> eos_;
  std::set<std::string> pads_;
  std::string errors_;
  std::string warnings_;
  bool channel_open_ = false;
  std::string text_;
  std::vector<std::pair<std::string, std::string>> messages_;  // name, gst_structure_to_string
};

}  // namespace amsrtc::testing
