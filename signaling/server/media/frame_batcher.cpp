#include "frame_batcher.h"

#include <gst/rtp/rtp.h>

// A GObject type private to the server: created with g_object_new, never
// through a factory, so it needs no plugin or registry entry.
struct AmsrtcFrameBatcher {
  GstElement parent;
  GstPad *sinkpad;
  GstPad *srcpad;
  // The frame being gathered and its RTP timestamp. Touched only under the
  // sink pad's stream lock (chain, serialized events, pad deactivation).
  GstBufferList *pending;
  guint32 pending_timestamp;
};

struct AmsrtcFrameBatcherClass {
  GstElementClass parent_class;
};

G_DEFINE_TYPE(AmsrtcFrameBatcher, amsrtc_frame_batcher, GST_TYPE_ELEMENT)

namespace {

GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
                                                             GST_STATIC_CAPS("application/x-rtp"));
GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS,
                                                            GST_STATIC_CAPS("application/x-rtp"));

AmsrtcFrameBatcher *batcher_of(GstObject *parent) {
  return reinterpret_cast<AmsrtcFrameBatcher *>(parent);
}

void drop_pending(AmsrtcFrameBatcher *self) {
  if (self->pending != nullptr) gst_buffer_list_unref(self->pending);
  self->pending = nullptr;
}

// Pushes the gathered frame: a single packet as a plain buffer (a list of one
// would only add work downstream).
GstFlowReturn push_pending(AmsrtcFrameBatcher *self) {
  GstBufferList *list = self->pending;
  self->pending = nullptr;
  if (list == nullptr) return GST_FLOW_OK;
  if (gst_buffer_list_length(list) == 1) {
    GstBuffer *buffer = gst_buffer_ref(gst_buffer_list_get(list, 0));
    gst_buffer_list_unref(list);
    return gst_pad_push(self->srcpad, buffer);
  }
  return gst_pad_push_list(self->srcpad, list);
}

GstFlowReturn chain(GstPad *, GstObject *parent, GstBuffer *buffer) {
  AmsrtcFrameBatcher *self = batcher_of(parent);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (!gst_rtp_buffer_map(buffer, GST_MAP_READ, &rtp)) {
    // Not RTP (cannot happen after webrtcbin): keep order, pass it alone.
    GstFlowReturn ret = push_pending(self);
    if (ret != GST_FLOW_OK) {
      gst_buffer_unref(buffer);
      return ret;
    }
    return gst_pad_push(self->srcpad, buffer);
  }
  const guint32 timestamp = gst_rtp_buffer_get_timestamp(&rtp);
  const bool marker = gst_rtp_buffer_get_marker(&rtp);
  gst_rtp_buffer_unmap(&rtp);

  GstFlowReturn ret = GST_FLOW_OK;
  if (self->pending != nullptr && timestamp != self->pending_timestamp) {
    ret = push_pending(self);  // the previous frame's last packet was lost
  }
  if (self->pending == nullptr) self->pending = gst_buffer_list_new_sized(16);
  gst_buffer_list_add(self->pending, buffer);
  self->pending_timestamp = timestamp;
  if (marker ||
      gst_buffer_list_length(self->pending) >= amsrtc::server::media::kMaxPacketsPerList) {
    GstFlowReturn pushed = push_pending(self);
    if (ret == GST_FLOW_OK) ret = pushed;
  }
  return ret;
}

gboolean sink_event(GstPad *pad, GstObject *parent, GstEvent *event) {
  AmsrtcFrameBatcher *self = batcher_of(parent);
  switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_FLUSH_STOP:
      drop_pending(self);
      break;
    case GST_EVENT_FLUSH_START:
      break;  // not serialized: the stream lock may be held by chain
    default:
      // Whatever follows the gathered packets (EOS, a caps change, a
      // segment) must not overtake them.
      if (GST_EVENT_IS_SERIALIZED(event)) push_pending(self);
      break;
  }
  return gst_pad_event_default(pad, parent, event);
}

}  // namespace

static void amsrtc_frame_batcher_finalize(GObject *object) {
  drop_pending(reinterpret_cast<AmsrtcFrameBatcher *>(object));
  G_OBJECT_CLASS(amsrtc_frame_batcher_parent_class)->finalize(object);
}

static GstStateChangeReturn amsrtc_frame_batcher_change_state(GstElement *element,
                                                              GstStateChange transition) {
  GstStateChangeReturn ret =
      GST_ELEMENT_CLASS(amsrtc_frame_batcher_parent_class)->change_state(element, transition);
  // The pads are inactive now: no chain can be running.
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    drop_pending(reinterpret_cast<AmsrtcFrameBatcher *>(element));
  }
  return ret;
}

static void amsrtc_frame_batcher_class_init(AmsrtcFrameBatcherClass *klass) {
  G_OBJECT_CLASS(klass)->finalize = amsrtc_frame_batcher_finalize;
  GstElementClass *element_class = GST_ELEMENT_CLASS(klass);
  element_class->change_state = amsrtc_frame_batcher_change_state;
  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(
      element_class, "amsrtc frame batcher", "Filter/Network/RTP",
      "Groups a video track's RTP packets into one list per frame", "amsrtc");
}

static void amsrtc_frame_batcher_init(AmsrtcFrameBatcher *self) {
  self->sinkpad = gst_pad_new_from_static_template(&sink_template, "sink");
  gst_pad_set_chain_function(self->sinkpad, chain);
  gst_pad_set_event_function(self->sinkpad, sink_event);
  // Caps, allocation and upstream events (keyframe requests) pass through.
  GST_PAD_SET_PROXY_CAPS(self->sinkpad);
  GST_PAD_SET_PROXY_ALLOCATION(self->sinkpad);
  gst_element_add_pad(GST_ELEMENT(self), self->sinkpad);
  self->srcpad = gst_pad_new_from_static_template(&src_template, "src");
  GST_PAD_SET_PROXY_CAPS(self->srcpad);
  gst_element_add_pad(GST_ELEMENT(self), self->srcpad);
  self->pending = nullptr;
  self->pending_timestamp = 0;
}

namespace amsrtc::server::media {

GstElement *make_frame_batcher() {
  return GST_ELEMENT(g_object_new(amsrtc_frame_batcher_get_type(), nullptr));
}

}  // namespace amsrtc::server::media
