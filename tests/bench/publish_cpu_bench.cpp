// amsrtc-publish-cpu-bench: the CPU one amsrtcsink publish costs, for the
// same 720p30 content given either raw (amsrtcsink encodes it with x264) or
// already H.264 (amsrtcsink parses and payloads it, no transcoding).
//
// Two floors for the second, the same file passed through with no amsrtcsink:
// - `--input h264-webrtcbin`: to a bare webrtcbin (qtdemux ! h264parse !
//   clocksync ! rtph264pay ! webrtcbin, the fan-out benchmark's publisher
//   driven by the protocol client), publishing to the server as amsrtcsink
//   does;
// - `--input h264-udp`: plain RTP over UDP to a loopback socket nobody reads
//   (no ICE, no DTLS-SRTP, no RTCP, no server): what demuxing, parsing,
//   pacing, payloading and sending alone cost.
//
// The content comes from files made beforehand by run-sfu-latency-bench.sh,
// so that neither run pays for producing it: raw I420 frames read by
// rawvideoparse, or the same frames encoded once into an MP4 and read by
// qtdemux. clocksync paces both at 30 fps, as a live source would deliver.
// The process holds only the publishing pipeline; the CPU is this process's
// user+system time (getrusage) over --seconds, starting 1 s after
// amsrtc/publish-started (after publish_started for the bare webrtcbin, after
// PLAYING for plain UDP). Prints one JSON line.
//
//   amsrtc-publish-cpu-bench --input raw --file frames.i420 --server ws://...
//   amsrtc-publish-cpu-bench --input h264 --file frames.mp4 --server ws://...
//   amsrtc-publish-cpu-bench --input h264-webrtcbin --file frames.mp4 --server ws://...
//   amsrtc-publish-cpu-bench --input h264-udp --file frames.mp4 --server ws://... (unused)
#include <gio/gio.h>
#include <gst/gst.h>
#include <sys/resource.h>

#include <cstdio>
#include <memory>
#include <string>

#include "ams_participants.h"

namespace {

struct Options {
  std::string input = "raw";
  std::string file;
  std::string server;
  std::string stream_id = "cpu-bench";
  double seconds = 8.0;
};

struct Run {
  Options options;
  GMainLoop *loop = nullptr;
  gint64 window_start_cpu_us = -1;
  gint64 window_start_wall_us = 0;
  uint64_t window_start_sent_bytes = 0;
  double cpu_percent = -1;
  double last_bitrate_kbps = 0;
  std::string error;
  std::unique_ptr<amsrtc::bench::AmsPublisher> bare_publisher;  // h264-webrtcbin only
  const uint64_t *sent_bytes = nullptr;                         // h264-udp only
};

gint64 process_cpu_us() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * G_USEC_PER_SEC + usage.ru_utime.tv_usec +
         usage.ru_stime.tv_usec;
}

// RTP bytes sent so far by the floors, which post no amsrtc/stats.
uint64_t sent_so_far(const Run &run) {
  if (run.bare_publisher) return run.bare_publisher->publisher().sent_bytes();
  return run.sent_bytes != nullptr ? *run.sent_bytes : 0;
}

gboolean end_window(gpointer data) {
  auto *run = static_cast<Run *>(data);
  const double cpu = process_cpu_us() - run->window_start_cpu_us;
  const double wall = g_get_monotonic_time() - run->window_start_wall_us;
  run->cpu_percent = 100.0 * cpu / wall;
  if (run->bare_publisher || run->sent_bytes != nullptr) {
    const double sent = sent_so_far(*run) - run->window_start_sent_bytes;
    run->last_bitrate_kbps = sent * 8 / 1000 / (wall / G_USEC_PER_SEC);
  }
  g_main_loop_quit(run->loop);
  return G_SOURCE_REMOVE;
}

gboolean start_window(gpointer data) {
  auto *run = static_cast<Run *>(data);
  run->window_start_cpu_us = process_cpu_us();
  run->window_start_wall_us = g_get_monotonic_time();
  run->window_start_sent_bytes = sent_so_far(*run);
  g_timeout_add(static_cast<guint>(run->options.seconds * 1000), end_window, run);
  return G_SOURCE_REMOVE;
}

// The bare publisher has no bus messages of ours: look at its state.
gboolean poll_bare_publisher(gpointer data) {
  auto *run = static_cast<Run *>(data);
  if (run->bare_publisher->failed()) {
    run->error = "the bare webrtcbin publisher failed";
    g_main_loop_quit(run->loop);
    return G_SOURCE_REMOVE;
  }
  if (!run->bare_publisher->started()) return G_SOURCE_CONTINUE;
  g_timeout_add(1000, start_window, run);
  return G_SOURCE_REMOVE;
}

gboolean on_bus(GstBus *, GstMessage *message, gpointer data) {
  auto *run = static_cast<Run *>(data);
  if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
    GError *error = nullptr;
    gst_message_parse_error(message, &error, nullptr);
    run->error = error->message;
    g_clear_error(&error);
    g_main_loop_quit(run->loop);
  } else if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_EOS) {
    run->error = "the input ended before the measuring window did (make the file longer)";
    g_main_loop_quit(run->loop);
  } else if (gst_message_has_name(message, "amsrtc/publish-started")) {
    g_timeout_add(1000, start_window, run);  // past the connection's own work
  } else if (gst_message_has_name(message, "amsrtc/stats")) {
    gst_structure_get_double(gst_message_get_structure(message), "bitrate-kbps",
                             &run->last_bitrate_kbps);
  }
  return TRUE;
}

std::string pipeline_description(const Options &options, guint16 udp_port) {
  if (options.input == "h264-udp") {
    return "filesrc location=" + options.file +
           " ! qtdemux ! h264parse ! clocksync"
           " ! rtph264pay config-interval=-1 aggregate-mode=zero-latency pt=96"
           " ! udpsink name=out host=127.0.0.1 sync=false port=" +
           std::to_string(udp_port);
  }
  const std::string sink = "amsrtcsink server=" + options.server +
                           " stream-id=" + options.stream_id + " local-addresses=127.0.0.1";
  if (options.input == "raw") {
    return "filesrc location=" + options.file +
           " ! rawvideoparse format=i420 width=1280 height=720 framerate=30/1 ! clocksync ! " +
           sink;
  }
  return "filesrc location=" + options.file + " ! qtdemux ! h264parse ! clocksync ! " + sink;
}

// Counts the RTP bytes the plain-UDP floor sends (the payloader pushes a
// buffer list when it fragments a frame).
GstPadProbeReturn count_sent(GstPad *, GstPadProbeInfo *info, gpointer data) {
  auto *sent = static_cast<uint64_t *>(data);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList *list = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
    for (guint i = 0; i < gst_buffer_list_length(list); ++i)
      *sent += gst_buffer_get_size(gst_buffer_list_get(list, i));
  } else {
    *sent += gst_buffer_get_size(GST_PAD_PROBE_INFO_BUFFER(info));
  }
  return GST_PAD_PROBE_OK;
}

// A UDP socket on loopback that nobody reads: the plain-UDP floor's packets
// go there (the kernel drops them once its buffer is full) instead of to a
// closed port.
GSocket *bind_unread_udp_socket(guint16 *port) {
  GSocket *socket =
      g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, nullptr);
  GInetAddress *loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  GSocketAddress *address = g_inet_socket_address_new(loopback, 0);
  g_socket_bind(socket, address, FALSE, nullptr);
  g_object_unref(address);
  g_object_unref(loopback);
  GSocketAddress *bound = g_socket_get_local_address(socket, nullptr);
  *port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
  g_object_unref(bound);
  return socket;
}

void run_element_publish(Run &run) {
  guint16 udp_port = 0;
  GSocket *udp_socket =
      run.options.input == "h264-udp" ? bind_unread_udp_socket(&udp_port) : nullptr;
  GError *error = nullptr;
  GstElement *pipeline =
      gst_parse_launch(pipeline_description(run.options, udp_port).c_str(), &error);
  if (pipeline == nullptr) {
    run.error = error->message;
    g_clear_error(&error);
    return;
  }
  GstBus *bus = gst_element_get_bus(pipeline);
  gst_bus_add_watch(bus, on_bus, &run);
  gst_object_unref(bus);
  uint64_t udp_sent = 0;
  if (udp_socket != nullptr) {
    GstElement *out = gst_bin_get_by_name(GST_BIN(pipeline), "out");
    GstPad *pad = gst_element_get_static_pad(out, "sink");
    gst_pad_add_probe(
        pad,
        static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
        count_sent, &udp_sent, nullptr);
    gst_object_unref(pad);
    gst_object_unref(out);
    run.sent_bytes = &udp_sent;
    g_timeout_add(1000, start_window, &run);  // no connection: measure from 1 s in
  }
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  g_main_loop_run(run.loop);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
  if (udp_socket != nullptr) g_object_unref(udp_socket);
}

}  // namespace

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  Run run;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    const std::string value = argv[i + 1];
    if (key == "--input")
      run.options.input = value;
    else if (key == "--file")
      run.options.file = value;
    else if (key == "--server")
      run.options.server = value;
    else if (key == "--stream-id")
      run.options.stream_id = value;
    else if (key == "--seconds")
      run.options.seconds = std::stod(value);
  }
  if ((run.options.input != "raw" && run.options.input != "h264" &&
       run.options.input != "h264-webrtcbin" && run.options.input != "h264-udp") ||
      run.options.file.empty() || run.options.server.empty()) {
    std::fprintf(stderr,
                 "usage: %s --input raw|h264|h264-webrtcbin|h264-udp --file PATH --server ws://... "
                 "[--seconds N]\n",
                 argv[0]);
    return 2;
  }
  run.loop = g_main_loop_new(nullptr, FALSE);
  if (run.options.input == "h264-webrtcbin") {
    run.bare_publisher = std::make_unique<amsrtc::bench::AmsPublisher>(
        run.options.server, run.options.stream_id, "127.0.0.1",
        "filesrc location=" + run.options.file + " ! qtdemux ! h264parse ! clocksync");
    if (!run.bare_publisher->start()) run.error = "the bare webrtcbin publisher did not start";
    g_timeout_add(20, poll_bare_publisher, &run);
    if (run.error.empty()) g_main_loop_run(run.loop);
    run.bare_publisher->stop();
    run.bare_publisher.reset();
  } else {
    run_element_publish(run);
  }
  g_main_loop_unref(run.loop);
  if (!run.error.empty()) std::fprintf(stderr, "%s\n", run.error.c_str());
  std::printf("{\"input\":\"%s\",\"cpu_percent\":%.2f,\"seconds\":%.1f,\"bitrate_kbps\":%.0f}\n",
              run.options.input.c_str(), run.cpu_percent, run.options.seconds,
              run.last_bitrate_kbps);
  return run.cpu_percent >= 0 && run.error.empty() ? 0 : 1;
}
