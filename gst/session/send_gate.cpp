#include "send_gate.h"

#include <mutex>

namespace amsrtc::session {
namespace {

// Kept on the webrtcbin. The mutex orders a sink pad being added against the
// release, so that no pad is held after it.
struct Gate {
  std::mutex mutex;
  bool released = false;
};

constexpr char kGateKey[] = "amsrtc-send-gate";
constexpr char kProbeKey[] = "amsrtc-send-gate-probe";

Gate *gate_of(GstElement *webrtcbin) {
  return static_cast<Gate *>(g_object_get_data(G_OBJECT(webrtcbin), kGateKey));
}

GstPadProbeReturn drop_data(GstPad *, GstPadProbeInfo *, gpointer) { return GST_PAD_PROBE_DROP; }

// Call with the gate's mutex held.
void hold(GstPad *sink) {
  const gulong id = gst_pad_add_probe(
      sink,
      static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
      drop_data, nullptr, nullptr);
  g_object_set_data(G_OBJECT(sink), kProbeKey, GSIZE_TO_POINTER(id));
}

void on_pad_added(GstElement *webrtcbin, GstPad *pad, gpointer) {
  if (GST_PAD_DIRECTION(pad) != GST_PAD_SINK) return;
  Gate *gate = gate_of(webrtcbin);
  std::lock_guard<std::mutex> lock(gate->mutex);
  if (!gate->released) hold(pad);
}

template <typename Fn>
void for_each_sink_pad(GstElement *element, Fn fn) {
  GstIterator *pads = gst_element_iterate_sink_pads(element);
  GValue item = G_VALUE_INIT;
  while (gst_iterator_next(pads, &item) == GST_ITERATOR_OK) {
    fn(GST_PAD(g_value_get_object(&item)));
    g_value_reset(&item);
  }
  g_value_unset(&item);
  gst_iterator_free(pads);
}

}  // namespace

void hold_media_until_connected(GstElement *webrtcbin) {
  auto *gate = new Gate;
  g_object_set_data_full(G_OBJECT(webrtcbin), kGateKey, gate,
                         [](gpointer data) { delete static_cast<Gate *>(data); });
  g_signal_connect(webrtcbin, "pad-added", G_CALLBACK(on_pad_added), nullptr);
  std::lock_guard<std::mutex> lock(gate->mutex);
  for_each_sink_pad(webrtcbin, hold);
}

void release_held_media(GstElement *webrtcbin) {
  Gate *gate = gate_of(webrtcbin);
  if (gate == nullptr) return;
  std::lock_guard<std::mutex> lock(gate->mutex);
  if (gate->released) return;
  gate->released = true;
  for_each_sink_pad(webrtcbin, [](GstPad *sink) {
    const gulong id = GPOINTER_TO_SIZE(g_object_steal_data(G_OBJECT(sink), kProbeKey));
    if (id != 0) gst_pad_remove_probe(sink, id);
  });
}

}  // namespace amsrtc::session
