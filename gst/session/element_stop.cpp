#include "element_stop.h"

namespace amsrtc::session {

void stop_element_and_children(GstElement *element) {
  gst_element_set_state(element, GST_STATE_NULL);
  if (!GST_IS_BIN(element)) return;
  GstIterator *children = gst_bin_iterate_recurse(GST_BIN(element));
  GValue item = G_VALUE_INIT;
  bool done = false;
  while (!done) {
    switch (gst_iterator_next(children, &item)) {
      case GST_ITERATOR_OK: {
        auto *child = GST_ELEMENT(g_value_get_object(&item));
        if (GST_STATE(child) != GST_STATE_NULL) {
          GST_INFO_OBJECT(child, "still %s inside a stopped %s: stopping it",
                          gst_element_state_get_name(GST_STATE(child)),
                          GST_OBJECT_NAME(element));
          gst_element_set_state(child, GST_STATE_NULL);
        }
        g_value_reset(&item);
        break;
      }
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

}  // namespace amsrtc::session
