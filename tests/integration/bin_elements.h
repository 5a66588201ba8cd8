// Finding elements by factory inside a bin the test does not own (an amsrtc
// element, a webrtcbin), at any depth, to probe or read them.
#pragma once

#include <gst/gst.h>

#include <functional>

namespace amsrtc::testing {

// Calls `fn` on every element made by `factory` inside `bin`, at any depth.
// Returns how many there were.
inline int for_each_element(GstElement *bin, const char *factory,
                            const std::function<void(GstElement *)> &fn) {
  int called = 0;
  GstIterator *it = gst_bin_iterate_recurse(GST_BIN(bin));
  GValue item = G_VALUE_INIT;
  while (gst_iterator_next(it, &item) == GST_ITERATOR_OK) {
    auto *element = GST_ELEMENT(g_value_get_object(&item));
    GstElementFactory *made_by = gst_element_get_factory(element);
    if (made_by != nullptr &&
        g_str_equal(gst_plugin_feature_get_name(GST_PLUGIN_FEATURE(made_by)), factory)) {
      ++called;
      fn(element);
    }
    g_value_reset(&item);
  }
  g_value_unset(&item);
  gst_iterator_free(it);
  return called;
}

// The first element made by `factory` inside `bin` (a new reference), or
// nullptr.
inline GstElement *first_element(GstElement *bin, const char *factory) {
  GstElement *found = nullptr;
  for_each_element(bin, factory, [&found](GstElement *element) {
    if (found == nullptr) found = GST_ELEMENT(gst_object_ref(element));
  });
  return found;
}

}  // namespace amsrtc::testing
