#include "encoded_clip.h"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>

#include <mutex>

namespace amsrtc::bench {

namespace {

constexpr int kClipFrames = 300;
constexpr int kFramesPerSecond = 30;

// The same content and x264 settings the publisher used to encode live.
constexpr const char *kEncodePipeline =
    "videotestsrc num-buffers=300 pattern=smpte horizontal-speed=8 "
    "! video/x-raw,width=1280,height=720,framerate=30/1 "
    "! x264enc tune=zerolatency speed-preset=ultrafast bitrate=2000 vbv-buf-capacity=500 "
    "key-int-max=60 threads=1 "
    "! video/x-h264,profile=constrained-baseline,stream-format=byte-stream,alignment=au "
    "! appsink name=out sync=false";

std::vector<GstBuffer *> encode(std::string *error) {
  std::vector<GstBuffer *> frames;
  GError *parse_error = nullptr;
  GstElement *pipeline = gst_parse_launch(kEncodePipeline, &parse_error);
  if (pipeline == nullptr) {
    *error = std::string("cannot encode the clip: ") + parse_error->message;
    g_clear_error(&parse_error);
    return frames;
  }
  GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "out");
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  while (GstSample *sample = gst_app_sink_pull_sample(GST_APP_SINK(sink))) {
    frames.push_back(gst_buffer_ref(gst_sample_get_buffer(sample)));
    gst_sample_unref(sample);
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(sink);
  gst_object_unref(pipeline);
  if (frames.size() != kClipFrames) {
    *error = "the clip encoder gave " + std::to_string(frames.size()) + " frames, not " +
             std::to_string(kClipFrames);
    for (GstBuffer *frame : frames) gst_buffer_unref(frame);
    frames.clear();
  }
  return frames;
}

struct LoopState {
  const std::vector<GstBuffer *> *clip;
  uint64_t next_frame = 0;  // counts on across loops
};

// On appsrc's streaming thread, whenever its queue runs low.
void push_next_frame(GstAppSrc *appsrc, guint, gpointer data) {
  auto *state = static_cast<LoopState *>(data);
  const auto &clip = *state->clip;
  GstBuffer *frame = gst_buffer_copy(clip[state->next_frame % clip.size()]);  // shares the memory
  const GstClockTime duration = GST_SECOND / kFramesPerSecond;
  GST_BUFFER_PTS(frame) = GST_BUFFER_DTS(frame) =
      gst_util_uint64_scale(state->next_frame, GST_SECOND, kFramesPerSecond);
  GST_BUFFER_DURATION(frame) = duration;
  ++state->next_frame;
  gst_app_src_push_buffer(appsrc, frame);
}

}  // namespace

const std::vector<GstBuffer *> &encoded_clip(std::string *error) {
  static std::once_flag once;
  static std::vector<GstBuffer *> clip;
  static std::string encode_error;
  std::call_once(once, [] { clip = encode(&encode_error); });
  if (clip.empty() && error != nullptr) *error = encode_error;
  return clip;
}

void play_clip_in_loop(GstElement *appsrc, const std::vector<GstBuffer *> &clip) {
  GstAppSrcCallbacks callbacks{};
  callbacks.need_data = push_next_frame;
  auto *state = new LoopState{&clip};
  gst_app_src_set_callbacks(GST_APP_SRC(appsrc), &callbacks, state,
                            [](gpointer data) { delete static_cast<LoopState *>(data); });
}

}  // namespace amsrtc::bench
