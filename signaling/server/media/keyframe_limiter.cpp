#include "keyframe_limiter.h"

#include <gst/video/video.h>

#include <memory>
#include <mutex>

GST_DEBUG_CATEGORY_EXTERN(amsrtc_sfu_debug);
#define GST_CAT_DEFAULT amsrtc_sfu_debug

namespace amsrtc::server::media {

namespace {

struct Limiter {
  explicit Limiter(GstClockTime interval) : interval_us(static_cast<gint64>(interval / 1000)) {}
  const gint64 interval_us;
  std::mutex mutex;  // guards what follows (players' threads and the streaming thread)
  gint64 last_sent_us = 0;
  bool deferred = false;

  // True if a request may go now; otherwise it is remembered.
  bool admit() {
    std::lock_guard<std::mutex> lock(mutex);
    const gint64 now = g_get_monotonic_time();
    if (last_sent_us != 0 && now - last_sent_us < interval_us) {
      deferred = true;
      return false;
    }
    last_sent_us = now;
    deferred = false;
    return true;
  }

  // True if a remembered request is due now.
  bool deferred_due() {
    std::lock_guard<std::mutex> lock(mutex);
    if (!deferred || g_get_monotonic_time() - last_sent_us < interval_us) return false;
    deferred = false;
    last_sent_us = g_get_monotonic_time();
    return true;
  }
};

using Shared = std::shared_ptr<Limiter>;

void free_shared(gpointer data) { delete static_cast<Shared *>(data); }

// Players' requests, travelling upstream through the tee.
GstPadProbeReturn on_upstream_event(GstPad *, GstPadProbeInfo *info, gpointer data) {
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT(info);
  if (!gst_video_event_is_force_key_unit(event)) return GST_PAD_PROBE_OK;
  if ((*static_cast<Shared *>(data))->admit()) return GST_PAD_PROBE_OK;
  GST_LOG("keyframe request deferred (one was sent less than the interval ago)");
  return GST_PAD_PROBE_DROP;
}

// The publisher's packets (a video frame's as one list), on its streaming
// thread: the clock for a deferred request.
GstPadProbeReturn on_buffer(GstPad *pad, GstPadProbeInfo *, gpointer data) {
  if (!(*static_cast<Shared *>(data))->deferred_due()) return GST_PAD_PROBE_OK;
  GstPad *publisher = gst_pad_get_peer(pad);
  if (publisher != nullptr) {
    GST_DEBUG("sending a deferred keyframe request");
    gst_pad_send_event(publisher,
                       gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
    gst_object_unref(publisher);
  }
  return GST_PAD_PROBE_OK;
}

}  // namespace

void limit_keyframe_requests(GstPad *tee_sink, GstClockTime interval) {
  auto limiter = std::make_shared<Limiter>(interval);
  gst_pad_add_probe(tee_sink, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, on_upstream_event,
                    new Shared(limiter), free_shared);
  gst_pad_add_probe(tee_sink,
                    static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER |
                                                 GST_PAD_PROBE_TYPE_BUFFER_LIST),
                    on_buffer, new Shared(limiter), free_shared);
}

}  // namespace amsrtc::server::media
