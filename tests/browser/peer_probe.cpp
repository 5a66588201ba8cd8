// amsrtc-peer-probe: one amsrtcpeer pipeline for the browser tests. It joins
// a call (or a room) with test sources and reports, as one JSON object per
// line on stdout, what it receives: decoded video frames and their size,
// audio buffers, and the video RTP bytes and packets its webrtcbins output. The
// Node test reads these lines; nothing here decides pass or fail. SIGUSR1
// makes it emit amsrtcpeer's restart-ice; each amsrtc/ice-restart it posts
// is printed as the event "ice-restart:REASON".
//
//   amsrtc-peer-probe SERVER_URL STREAM_ID [h264|vp8|vp9] [WIDTHxHEIGHT]
#include <glib-unix.h>
#include <gst/gst.h>
#include <gst/webrtc/webrtc.h>

#include <csignal>
#include <cstdio>
#include <mutex>
#include <string>

#include "probe_report.h"

namespace {

struct Probe {
  GstElement *pipeline = nullptr;
  GstElement *peer = nullptr;
  std::mutex mutex;
  long video_frames = 0;
  long audio_buffers = 0;
  int width = 0;
  int height = 0;
  guint64 rtp_bytes = 0;
  guint64 rtp_packets = 0;
  std::string errors;
  gint64 started = 0;
};

void count_buffers(GstPad *pad, Probe *probe, bool video) {
  gst_pad_add_probe(
      pad,
      static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
      video ? +[](GstPad *, GstPadProbeInfo *info, gpointer p) {
        auto *probe = static_cast<Probe *>(p);
        std::lock_guard<std::mutex> lock(probe->mutex);
        if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
          ++probe->video_frames;
        } else if (GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) == GST_EVENT_CAPS) {
          GstCaps *caps = nullptr;
          gst_event_parse_caps(GST_PAD_PROBE_INFO_EVENT(info), &caps);
          const GstStructure *s = gst_caps_get_structure(caps, 0);
          gst_structure_get_int(s, "width", &probe->width);
          gst_structure_get_int(s, "height", &probe->height);
        }
        return GST_PAD_PROBE_OK;
      }
            : +[](GstPad *, GstPadProbeInfo *info, gpointer p) {
                auto *probe = static_cast<Probe *>(p);
                std::lock_guard<std::mutex> lock(probe->mutex);
                if (info->type & GST_PAD_PROBE_TYPE_BUFFER) ++probe->audio_buffers;
                return GST_PAD_PROBE_OK;
              },
      probe, nullptr);
}

void on_pad_added(GstElement *, GstPad *pad, gpointer p) {
  auto *probe = static_cast<Probe *>(p);
  if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC) return;
  GstPad *sink_pad = amsrtc::testing::add_fakesink(probe->pipeline);
  count_buffers(sink_pad, probe, g_str_has_prefix(GST_PAD_NAME(pad), "video_"));
  gst_pad_link(pad, sink_pad);
  gst_object_unref(sink_pad);
}

// Counts the video RTP bytes and packets each webrtcbin of the peer bin
// delivers (after SRTP, before depayloading): a probe on every video src
// pad, added as the pads appear. webrtcbin's own get-stats mixes up audio
// and video inbound streams in 1.22, so it is not used.
void watch_rtp(Probe *probe) {
  amsrtc::testing::for_each_element(probe->peer, "webrtcbin", [probe](GstElement *element) {
    GstIterator *pads = gst_element_iterate_src_pads(element);
    GValue pad_item = G_VALUE_INIT;
    while (gst_iterator_next(pads, &pad_item) == GST_ITERATOR_OK) {
      GstPad *pad = GST_PAD(g_value_get_object(&pad_item));
      GstCaps *caps = gst_pad_get_current_caps(pad);
      const gchar *media = caps != nullptr
                               ? gst_structure_get_string(gst_caps_get_structure(caps, 0), "media")
                               : nullptr;
      if (media != nullptr && g_str_equal(media, "video") &&
          g_object_get_data(G_OBJECT(pad), "amsrtc-probe") == nullptr) {
        g_object_set_data(G_OBJECT(pad), "amsrtc-probe", probe);
        gst_pad_add_probe(
            pad, GST_PAD_PROBE_TYPE_BUFFER,
            [](GstPad *, GstPadProbeInfo *info, gpointer p) {
              auto *probe = static_cast<Probe *>(p);
              std::lock_guard<std::mutex> lock(probe->mutex);
              probe->rtp_bytes += gst_buffer_get_size(GST_PAD_PROBE_INFO_BUFFER(info));
              ++probe->rtp_packets;
              return GST_PAD_PROBE_OK;
            },
            probe, nullptr);
      }
      if (caps != nullptr) gst_caps_unref(caps);
      g_value_reset(&pad_item);
    }
    g_value_unset(&pad_item);
    gst_iterator_free(pads);
  });
}

gboolean report(gpointer p) {
  auto *probe = static_cast<Probe *>(p);
  watch_rtp(probe);
  std::lock_guard<std::mutex> lock(probe->mutex);
  gchar *errors = g_strescape(probe->errors.c_str(), nullptr);
  std::printf(
      "{\"ms\":%ld,\"videoFrames\":%ld,\"audioBuffers\":%ld,\"width\":%d,\"height\":%d,"
      "\"rtpBytes\":%lu,\"rtpPackets\":%lu,\"errors\":\"%s\"}\n",
      static_cast<long>((g_get_monotonic_time() - probe->started) / 1000), probe->video_frames,
      probe->audio_buffers, probe->width, probe->height,
      static_cast<unsigned long>(probe->rtp_bytes), static_cast<unsigned long>(probe->rtp_packets),
      errors);
  std::fflush(stdout);
  g_free(errors);
  return G_SOURCE_CONTINUE;
}

gboolean on_bus(GstBus *, GstMessage *message, gpointer p) {
  auto *probe = static_cast<Probe *>(p);
  if (gst_message_has_name(message, "amsrtc/joined")) {
    std::printf("{\"event\":\"joined\"}\n");
    std::fflush(stdout);
  }
  if (gst_message_has_name(message, "amsrtc/ice-restart")) {
    const gchar *reason = gst_structure_get_string(gst_message_get_structure(message), "reason");
    std::printf("{\"event\":\"ice-restart:%s\"}\n", reason != nullptr ? reason : "");
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
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s SERVER_URL STREAM_ID [h264|vp8|vp9] [WxH]\n", argv[0]);
    return 2;
  }
  const std::string codec = argc > 3 ? argv[3] : "h264";
  std::string size = argc > 4 ? argv[4] : "640x360";
  const std::string width = size.substr(0, size.find('x'));
  const std::string height = size.substr(size.find('x') + 1);
  Probe probe;
  probe.started = g_get_monotonic_time();
  const std::string description =
      "amsrtcpeer name=p server=" + std::string(argv[1]) + " stream-id=" + argv[2] +
      " video-codec=" + codec +
      " local-addresses=127.0.0.1 "
      "videotestsrc is-live=true pattern=ball ! video/x-raw,width=" +
      width + ",height=" + height +
      ",framerate=30/1 ! p.video_0 "
      "audiotestsrc is-live=true wave=ticks ! audio/x-raw,rate=48000,channels=2 ! p.audio_0";
  GError *error = nullptr;
  probe.pipeline = gst_parse_launch(description.c_str(), &error);
  if (probe.pipeline == nullptr) {
    std::fprintf(stderr, "%s\n", error->message);
    return 1;
  }
  probe.peer = gst_bin_get_by_name(GST_BIN(probe.pipeline), "p");
  g_signal_connect(probe.peer, "pad-added", G_CALLBACK(on_pad_added), &probe);
  GstBus *bus = gst_element_get_bus(probe.pipeline);
  gst_bus_add_watch(bus, on_bus, &probe);
  gst_object_unref(bus);
  g_unix_signal_add(
      SIGUSR1,
      [](gpointer peer) -> gboolean {
        g_signal_emit_by_name(peer, "restart-ice");
        return G_SOURCE_CONTINUE;
      },
      probe.peer);
  amsrtc::testing::run_until_sigterm(probe.pipeline, report, &probe);
  gst_object_unref(probe.peer);
  gst_object_unref(probe.pipeline);
  return 0;
}
