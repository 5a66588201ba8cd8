// amsrtc-publish-cpu-bench: the CPU one amsrtcsink publish costs, for the
// same 720p30 content given either raw (amsrtcsink encodes it with x264) or
// already H.264 (amsrtcsink parses and payloads it, no transcoding).
//
// The content comes from files made beforehand by run-sfu-latency-bench.sh,
// so that neither run pays for producing it: raw I420 frames read by
// rawvideoparse, or the same frames encoded once into an MP4 and read by
// qtdemux. clocksync paces both at 30 fps, as a live source would deliver.
// The process holds only the publishing pipeline; the CPU is this process's
// user+system time (getrusage) over --seconds, starting 1 s after
// amsrtc/publish-started. Prints one JSON line.
//
//   amsrtc-publish-cpu-bench --input raw --file frames.i420 --server ws://...
//   amsrtc-publish-cpu-bench --input h264 --file frames.mp4 --server ws://...
#include <gst/gst.h>
#include <sys/resource.h>

#include <cstdio>
#include <string>

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
  double cpu_percent = -1;
  double last_bitrate_kbps = 0;
  std::string error;
};

gint64 process_cpu_us() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * G_USEC_PER_SEC + usage.ru_utime.tv_usec +
         usage.ru_stime.tv_usec;
}

gboolean end_window(gpointer data) {
  auto *run = static_cast<Run *>(data);
  const double cpu = process_cpu_us() - run->window_start_cpu_us;
  const double wall = g_get_monotonic_time() - run->window_start_wall_us;
  run->cpu_percent = 100.0 * cpu / wall;
  g_main_loop_quit(run->loop);
  return G_SOURCE_REMOVE;
}

gboolean start_window(gpointer data) {
  auto *run = static_cast<Run *>(data);
  run->window_start_cpu_us = process_cpu_us();
  run->window_start_wall_us = g_get_monotonic_time();
  g_timeout_add(static_cast<guint>(run->options.seconds * 1000), end_window, run);
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

std::string pipeline_description(const Options &options) {
  const std::string sink = "amsrtcsink server=" + options.server +
                           " stream-id=" + options.stream_id + " local-addresses=127.0.0.1";
  if (options.input == "raw") {
    return "filesrc location=" + options.file +
           " ! rawvideoparse format=i420 width=1280 height=720 framerate=30/1 ! clocksync ! " +
           sink;
  }
  return "filesrc location=" + options.file + " ! qtdemux ! h264parse ! clocksync ! " + sink;
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
  if ((run.options.input != "raw" && run.options.input != "h264") || run.options.file.empty() ||
      run.options.server.empty()) {
    std::fprintf(stderr, "usage: %s --input raw|h264 --file PATH --server ws://... [--seconds N]\n",
                 argv[0]);
    return 2;
  }
  GError *error = nullptr;
  GstElement *pipeline = gst_parse_launch(pipeline_description(run.options).c_str(), &error);
  if (pipeline == nullptr) {
    std::fprintf(stderr, "%s\n", error->message);
    return 1;
  }
  run.loop = g_main_loop_new(nullptr, FALSE);
  GstBus *bus = gst_element_get_bus(pipeline);
  gst_bus_add_watch(bus, on_bus, &run);
  gst_object_unref(bus);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  g_main_loop_run(run.loop);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
  g_main_loop_unref(run.loop);
  if (!run.error.empty()) std::fprintf(stderr, "%s\n", run.error.c_str());
  std::printf("{\"input\":\"%s\",\"cpu_percent\":%.2f,\"seconds\":%.1f,\"bitrate_kbps\":%.0f}\n",
              run.options.input.c_str(), run.cpu_percent, run.options.seconds,
              run.last_bitrate_kbps);
  return run.cpu_percent >= 0 && run.error.empty() ? 0 : 1;
}
