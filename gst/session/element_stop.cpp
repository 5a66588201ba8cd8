#include "element_stop.h"

#include <functional>

namespace amsrtc::session {

namespace {

// Calls `visit` for every element inside `bin`, nested bins included.
void for_each_child(GstBin *bin, const std::function<void(GstElement *)> &visit) {
  GstIterator *children = gst_bin_iterate_recurse(bin);
  GValue item = G_VALUE_INIT;
  bool done = false;
  while (!done) {
    switch (gst_iterator_next(children, &item)) {
      case GST_ITERATOR_OK:
        visit(GST_ELEMENT(g_value_get_object(&item)));
        g_value_reset(&item);
        break;
      case GST_ITERATOR_RESYNC:
        gst_iterator_resync(children);
        break;
      default:
        done = true;
        break;
    }
  }
  g_value_unset(&item);
  gst_iterator_free(children);
}

bool is_made_by(GstElement *element, const char *factory_name) {
  GstElementFactory *factory = gst_element_get_factory(element);
  return factory != nullptr && g_str_equal(GST_OBJECT_NAME(factory), factory_name);
}

// On sctpenc's source pad: the events that would restart its task.
GstPadProbeReturn drop_task_restarts(GstPad *, GstPadProbeInfo *info, gpointer) {
  const GstEventType type = GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info));
  return type == GST_EVENT_RECONFIGURE || type == GST_EVENT_FLUSH_STOP ? GST_PAD_PROBE_DROP
                                                                        : GST_PAD_PROBE_OK;
}

void keep_sctpenc_from_restarting(GstElement *element) {
  if (!is_made_by(element, "sctpenc")) return;
  GstPad *src = gst_element_get_static_pad(element, "src");
  if (src == nullptr) return;
  gst_pad_add_probe(src,
                    static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_EVENT_UPSTREAM |
                                                 GST_PAD_PROBE_TYPE_EVENT_FLUSH),
                    drop_task_restarts, nullptr, nullptr);
  gst_object_unref(src);
}

}  // namespace

void stop_element_and_children(GstElement *element) {
  if (GST_IS_BIN(element)) {
    for_each_child(GST_BIN(element), keep_sctpenc_from_restarting);
  } else {
    keep_sctpenc_from_restarting(element);
  }
  gst_element_set_state(element, GST_STATE_NULL);
  if (!GST_IS_BIN(element)) return;
  for_each_child(GST_BIN(element), [element](GstElement *child) {
    if (GST_STATE(child) == GST_STATE_NULL) return;
    GST_INFO_OBJECT(child, "still %s inside a stopped %s: stopping it",
                    gst_element_state_get_name(GST_STATE(child)), GST_OBJECT_NAME(element));
    gst_element_set_state(child, GST_STATE_NULL);
  });
}

}  // namespace amsrtc::session
