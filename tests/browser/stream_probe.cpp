// amsrtc-stream-probe: runs one pipeline written in gst-launch syntax (an
// amsrtcsink publishing, an amsrtcsrc playing, or both as a conference
// member) for the browser tests, and reports on stdout, one JSON object per
// line:
//   {"event":"amsrtc/publish-started"}          each amsrtc/* element message
//   {"ms":..,"pads":{"video_alice":{"buffers":..,"width":..,"height":..}},"errors":".."}
//                                               every 250 ms
// Every src pad an amsrtcsrc adds is linked to a counting fakesink, so
// "buffers" on a video pad are decoded frames. The Node tests decide pass or
// fail; nothing here does.
//
//   amsrtc-stream-probe 'amsrtcsrc server=ws://... stream-id=cam1'
#include <gst/gst.h>

#include <cstdio>
#include <map>
#include <mutex>
#include <string>

#include "probe_report.h"

namespace {

struct PadCount {
  long buffers = 0;
  int width = 0;
  int height = 0;
};

struct Probe {
  GstElement *pipeline = nullptr;
  std::mutex mutex;
  std::map<std::string, PadCount> pads;  // by src pad name
  std::string errors;
  gint64 started = 0;
};

struct PadProbeData {
  Probe *probe;
  std::string name;
};

GstPadProbeReturn count(GstPad *, GstPadProbeInfo *info, gpointer p) {
  auto *data = static_cast<PadProbeData *>(p);
  std::lock_guard<std::mutex> lock(data->probe->mutex);
  PadCount &pad = data->probe->pads[data->name];
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    ++pad.buffers;
  } else if (GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) == GST_EVENT_CAPS) {
    GstCaps *caps = nullptr;
    gst_event_parse_caps(GST_PAD_PROBE_INFO_EVENT(info), &caps);
    const GstStructure *s = gst_caps_get_structure(caps, 0);
    gst_structure_get_int(s, "width", &pad.width);
    gst_structure_get_int(s, "height", &pad.height);
  }
  return GST_PAD_PROBE_OK;
}

// An amsrtcsrc pad (one per played track): count what comes out of it.
void on_pad_added(GstElement *, GstPad *pad, gpointer p) {
  auto *probe = static_cast<Probe *>(p);
  if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC) return;
  GstPad *sink_pad = amsrtc::testing::add_fakesink(probe->pipeline);
  {
    std::lock_guard<std::mutex> lock(probe->mutex);
    probe->pads[GST_PAD_NAME(pad)];  // listed from the moment it exists
  }
  gst_pad_add_probe(
      sink_pad,
      static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
      count, new PadProbeData{probe, GST_PAD_NAME(pad)},
      [](gpointer data) { delete static_cast<PadProbeData *>(data); });
  gst_pad_link(pad, sink_pad);
  gst_object_unref(sink_pad);
}

void watch_sources(Probe *probe) {
  amsrtc::testing::for_each_element(probe->pipeline, "amsrtcsrc", [probe](GstElement *element) {
    g_signal_connect(element, "pad-added", G_CALLBACK(on_pad_added), probe);
  });
}

std::string json_string(const std::string &text) {
  gchar *escaped = g_strescape(text.c_str(), nullptr);
  std::string quoted = std::string("\"") + escaped + "\"";
  g_free(escaped);
  return quoted;
}

gboolean report(gpointer p) {
  auto *probe = static_cast<Probe *>(p);
  std::lock_guard<std::mutex> lock(probe->mutex);
  std::string line =
      "{\"ms\":" + std::to_string((g_get_monotonic_time() - probe->started) / 1000) + ",\"pads\":{";
  bool first = true;
  for (const auto &[name, pad] : probe->pads) {
    line += (first ? "" : ",") + json_string(name) +
            ":{\"buffers\":" + std::to_string(pad.buffers) +
            ",\"width\":" + std::to_string(pad.width) +
            ",\"height\":" + std::to_string(pad.height) + "}";
    first = false;
  }
  line += "},\"errors\":" + json_string(probe->errors) + "}";
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
  return G_SOURCE_CONTINUE;
}

gboolean on_bus(GstBus *, GstMessage *message, gpointer p) {
  auto *probe = static_cast<Probe *>(p);
  const GstStructure *s = gst_message_get_structure(message);
  if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ELEMENT && s != nullptr &&
      g_str_has_prefix(gst_structure_get_name(s), "amsrtc/") &&
      !gst_structure_has_name(s, "amsrtc/stats")) {
    std::printf("{\"event\":%s}\n", json_string(gst_structure_get_name(s)).c_str());
    std::fflush(stdout);
  }
  if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
    amsrtc::testing::append_error(message, probe->mutex, probe->errors);
  }
  return TRUE;
}

}  // namespace

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s 'PIPELINE DESCRIPTION'\n", argv[0]);
    return 2;
  }
  Probe probe;
  probe.started = g_get_monotonic_time();
  GError *error = nullptr;
  GstElement *parsed = gst_parse_launch(argv[1], &error);
  if (parsed == nullptr) {
    std::fprintf(stderr, "%s\n", error->message);
    return 1;
  }
  // A description of one element parses to that element; like gst-launch,
  // put it in a pipeline (the counting sinks must not go inside amsrtcsrc).
  if (GST_IS_PIPELINE(parsed)) {
    probe.pipeline = parsed;
  } else {
    probe.pipeline = gst_pipeline_new(nullptr);
    gst_bin_add(GST_BIN(probe.pipeline), parsed);
  }
  watch_sources(&probe);
  GstBus *bus = gst_element_get_bus(probe.pipeline);
  gst_bus_add_watch(bus, on_bus, &probe);
  gst_object_unref(bus);
  amsrtc::testing::run_until_sigterm(probe.pipeline, report, &probe);
  gst_object_unref(probe.pipeline);
  return 0;
}
