// amsrtc-p2p-bench: one measurement of a 720p30 call between two pipelines
// in this process, by one of three paths:
//   --mode floor   two plain webrtcbins wired to each other in memory with
//                  the same encoder and decoder chains;
//   --mode server  P2P through amsrtc-server with amsrtcpeer on both sides;
//   --mode sfu     through amsrtc-server's SFU: each side publishes its
//                  picture with amsrtcsink and plays the other's with
//                  amsrtcsrc (the media crosses the server's forwarding).
//
// Each side stamps a frame number into its pictures before encoding
// (frame_stamp.h) and reads the other side's numbers after decoding, on the
// same monotonic clock. Prints one JSON line: the time from both pipelines
// in PLAYING to the first decoded frame on each side, and the median
// glass-to-glass latency of the frames decoded in the measuring window.
//
// Each process makes --calls calls (2 by default), one after the other with
// new pipelines: the first pays the process's one-time costs (plugin
// loading, the DTLS certificate) as a freshly started application does;
// the next ones are what a running application sees. run-p2p-bench.sh runs
// it many times and computes medians and ratios.
//
//   amsrtc-p2p-bench --mode floor --codec vp8
//   amsrtc-p2p-bench --mode server --codec h264 --server ws://127.0.0.1:5080/WebRTCAppEE/websocket
//   amsrtc-p2p-bench --mode sfu --codec h264 --server ws://127.0.0.1:5080/WebRTCAppEE/websocket
#include <gst/gst.h>
#include <gst/video/video.h>
#include <gst/webrtc/webrtc.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "frame_stamp.h"

namespace {

using amsrtc::bench::read_stamp;
using amsrtc::bench::stamp_frame;

struct Options {
  std::string mode = "server";
  std::string codec = "h264";
  std::string server;
  std::string stream_id = "bench";
  double window_s = 3.0;    // latency measured over this long after the first frame
  double timeout_s = 15.0;  // no first frame by then: the run failed
};

struct Side {
  std::string name;
  GstElement *pipeline = nullptr;
  Side *peer = nullptr;  // whose stamps we read

  std::mutex mutex;
  GstVideoInfo stamp_info{};
  bool stamp_info_set = false;
  uint32_t next_number = 0;
  std::map<uint32_t, gint64> stamped_at;  // frame number -> monotonic µs

  GstVideoInfo decoded_info{};
  bool decoded_info_set = false;
  gint64 first_frame_at = 0;
  std::vector<double> latencies_ms;
};

gint64 g_started = 0;  // both pipelines in PLAYING
Options g_options;

// Before encoding: draw the next number and note when.
GstPadProbeReturn on_raw_frame(GstPad *pad, GstPadProbeInfo *info, gpointer side_ptr) {
  auto *side = static_cast<Side *>(side_ptr);
  std::lock_guard<std::mutex> lock(side->mutex);
  if (!side->stamp_info_set) {
    GstCaps *caps = gst_pad_get_current_caps(pad);
    side->stamp_info_set = caps != nullptr && gst_video_info_from_caps(&side->stamp_info, caps);
    if (caps != nullptr) gst_caps_unref(caps);
    if (!side->stamp_info_set) return GST_PAD_PROBE_OK;
  }
  GstBuffer *buffer = gst_buffer_make_writable(GST_PAD_PROBE_INFO_BUFFER(info));
  GST_PAD_PROBE_INFO_DATA(info) = buffer;
  GstVideoFrame frame;
  if (gst_video_frame_map(&frame, &side->stamp_info, buffer, GST_MAP_WRITE)) {
    const uint32_t number = side->next_number++ % (1u << amsrtc::bench::kStampBits);
    stamp_frame(&frame, number);
    gst_video_frame_unmap(&frame);
    side->stamped_at[number] = g_get_monotonic_time();
  }
  return GST_PAD_PROBE_OK;
}

// After decoding: the first frame's time, then the latency of each frame.
GstPadProbeReturn on_decoded_frame(GstPad *pad, GstPadProbeInfo *info, gpointer side_ptr) {
  auto *side = static_cast<Side *>(side_ptr);
  const gint64 now = g_get_monotonic_time();
  // Only this streaming thread touches decoded_info: no lock needed for it.
  if (!side->decoded_info_set) {
    GstCaps *caps = gst_pad_get_current_caps(pad);
    side->decoded_info_set = caps != nullptr && gst_video_info_from_caps(&side->decoded_info, caps);
    if (caps != nullptr) gst_caps_unref(caps);
    if (!side->decoded_info_set) return GST_PAD_PROBE_OK;
  }
  GstVideoFrame frame;
  if (!gst_video_frame_map(&frame, &side->decoded_info, GST_PAD_PROBE_INFO_BUFFER(info),
                           GST_MAP_READ)) {
    return GST_PAD_PROBE_OK;
  }
  const auto number = read_stamp(&frame);
  gst_video_frame_unmap(&frame);
  if (!number) return GST_PAD_PROBE_OK;
  // One lock at a time: the other side's thread does the same the other way.
  gint64 stamped = 0;
  {
    std::lock_guard<std::mutex> peer_lock(side->peer->mutex);
    auto it = side->peer->stamped_at.find(*number);
    if (it != side->peer->stamped_at.end()) stamped = it->second;
  }
  std::lock_guard<std::mutex> lock(side->mutex);
  if (side->first_frame_at == 0) side->first_frame_at = now;
  if (now - side->first_frame_at > g_options.window_s * G_USEC_PER_SEC) return GST_PAD_PROBE_OK;
  if (stamped != 0) side->latencies_ms.push_back((now - stamped) / 1000.0);
  return GST_PAD_PROBE_OK;
}

void watch_decoded(Side *side, GstElement *sink) {
  GstPad *pad = gst_element_get_static_pad(sink, "sink");
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, on_decoded_frame, side, nullptr);
  gst_object_unref(pad);
}

void watch_raw(Side *side) {
  GstElement *stamp = gst_bin_get_by_name(GST_BIN(side->pipeline), "stamp");
  GstPad *pad = gst_element_get_static_pad(stamp, "src");
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, on_raw_frame, side, nullptr);
  gst_object_unref(pad);
  gst_object_unref(stamp);
}

const char *kSource =
    "videotestsrc is-live=true pattern=smpte ! "
    "video/x-raw,format=I420,width=1280,height=720,framerate=30/1 ! capsfilter name=stamp ! ";

// The encoder and decoder chains amsrtcpeer builds (gst/plugin/media_chains.cpp).
std::string send_chain(const std::string &codec) {
  if (codec == "vp8") {
    return "vp8enc deadline=1 end-usage=cbr lag-in-frames=0 cpu-used=8 threads=1 "
           "error-resilient=default keyframe-max-dist=60 target-bitrate=1500000 ! "
           "rtpvp8pay picture-id-mode=15-bit pt=96";
  }
  return "x264enc tune=zerolatency speed-preset=ultrafast threads=1 key-int-max=60 bitrate=1500 ! "
         "video/x-h264,profile=constrained-baseline ! h264parse ! "
         "rtph264pay config-interval=-1 aggregate-mode=zero-latency pt=96";
}

std::string receive_chain(const std::string &codec) {
  if (codec == "vp8") return "rtpvp8depay ! vp8dec ! videoconvert";
  return "rtph264depay ! h264parse ! avdec_h264 ! videoconvert";
}

// ---- floor: two webrtcbins, signaling by direct calls -------------------

GstElement *webrtc_of(Side *side) { return gst_bin_get_by_name(GST_BIN(side->pipeline), "w"); }

void on_floor_pad(GstElement *, GstPad *pad, gpointer side_ptr) {
  auto *side = static_cast<Side *>(side_ptr);
  if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC) return;
  GError *error = nullptr;
  GstElement *chain = gst_parse_bin_from_description(
      (receive_chain(g_options.codec) + " ! fakesink name=out sync=false").c_str(), TRUE, &error);
  if (chain == nullptr) {
    std::fprintf(stderr, "receive chain: %s\n", error->message);
    return;
  }
  gst_bin_add(GST_BIN(side->pipeline), chain);
  GstElement *sink = gst_bin_get_by_name(GST_BIN(chain), "out");
  watch_decoded(side, sink);
  gst_object_unref(sink);
  gst_element_sync_state_with_parent(chain);
  GstPad *chain_sink = gst_element_get_static_pad(chain, "sink");
  gst_pad_link(pad, chain_sink);
  gst_object_unref(chain_sink);
}

void on_floor_candidate(GstElement *, guint mline, gchar *candidate, gpointer side_ptr) {
  auto *side = static_cast<Side *>(side_ptr);
  GstElement *other = webrtc_of(side->peer);
  g_signal_emit_by_name(other, "add-ice-candidate", mline, candidate);
  gst_object_unref(other);
}

struct Exchange {
  Side *offerer;
  Side *answerer;
};

GstWebRTCSessionDescription *take_description(GstPromise *promise, const char *field) {
  GstWebRTCSessionDescription *description = nullptr;
  gst_promise_wait(promise);
  const GstStructure *reply = gst_promise_get_reply(promise);
  if (reply != nullptr)
    gst_structure_get(reply, field, GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &description, nullptr);
  return description;
}

void on_answer(GstPromise *promise, gpointer data) {
  auto *exchange = static_cast<Exchange *>(data);
  GstWebRTCSessionDescription *answer = take_description(promise, "answer");
  gst_promise_unref(promise);
  if (answer == nullptr) return;
  GstElement *a = webrtc_of(exchange->offerer);
  GstElement *b = webrtc_of(exchange->answerer);
  g_signal_emit_by_name(b, "set-local-description", answer, nullptr);
  g_signal_emit_by_name(a, "set-remote-description", answer, nullptr);
  gst_webrtc_session_description_free(answer);
  gst_object_unref(a);
  gst_object_unref(b);
}

void on_offer(GstPromise *promise, gpointer data) {
  auto *exchange = static_cast<Exchange *>(data);
  GstWebRTCSessionDescription *offer = take_description(promise, "offer");
  gst_promise_unref(promise);
  if (offer == nullptr) return;
  GstElement *a = webrtc_of(exchange->offerer);
  GstElement *b = webrtc_of(exchange->answerer);
  g_signal_emit_by_name(a, "set-local-description", offer, nullptr);
  g_signal_emit_by_name(b, "set-remote-description", offer, nullptr);
  g_signal_emit_by_name(b, "create-answer", nullptr,
                        gst_promise_new_with_change_func(on_answer, exchange, nullptr));
  gst_webrtc_session_description_free(offer);
  gst_object_unref(a);
  gst_object_unref(b);
}

void on_negotiation_needed(GstElement *webrtc, gpointer data) {
  g_signal_emit_by_name(webrtc, "create-offer", nullptr,
                        gst_promise_new_with_change_func(on_offer, data, nullptr));
}

bool build_floor_side(Side *side) {
  GError *error = nullptr;
  const std::string description = std::string(kSource) + send_chain(g_options.codec) +
                                  " ! webrtcbin name=w bundle-policy=max-bundle";
  side->pipeline = gst_parse_launch(description.c_str(), &error);
  if (side->pipeline == nullptr) {
    std::fprintf(stderr, "%s\n", error->message);
    return false;
  }
  GstElement *webrtc = webrtc_of(side);
  GstObject *agent = nullptr;
  g_object_get(webrtc, "ice-agent", &agent, nullptr);
  gboolean added = FALSE;
  g_signal_emit_by_name(agent, "add-local-ip-address", "127.0.0.1", &added);
  gst_object_unref(agent);
  g_signal_connect(webrtc, "pad-added", G_CALLBACK(on_floor_pad), side);
  g_signal_connect(webrtc, "on-ice-candidate", G_CALLBACK(on_floor_candidate), side);
  gst_object_unref(webrtc);
  watch_raw(side);
  return true;
}

// ---- through the server: amsrtcpeer ---------------------------------------

void on_peer_pad(GstElement *, GstPad *pad, gpointer side_ptr) {
  auto *side = static_cast<Side *>(side_ptr);
  if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC || !g_str_has_prefix(GST_PAD_NAME(pad), "video_"))
    return;
  GstElement *sink = gst_element_factory_make("fakesink", nullptr);
  g_object_set(sink, "sync", FALSE, "async", FALSE, nullptr);
  gst_bin_add(GST_BIN(side->pipeline), sink);
  watch_decoded(side, sink);
  gst_element_sync_state_with_parent(sink);
  GstPad *sink_pad = gst_element_get_static_pad(sink, "sink");
  gst_pad_link(pad, sink_pad);
  gst_object_unref(sink_pad);
}

bool build_server_side(Side *side, const std::string &stream_id) {
  GError *error = nullptr;
  const std::string description = std::string(kSource) +
                                  "amsrtcpeer name=p server=" + g_options.server +
                                  " stream-id=" + stream_id + " video-codec=" + g_options.codec +
                                  " local-addresses=127.0.0.1 data-channel=false";
  side->pipeline = gst_parse_launch(description.c_str(), &error);
  if (side->pipeline == nullptr) {
    std::fprintf(stderr, "%s\n", error->message);
    return false;
  }
  GstElement *peer = gst_bin_get_by_name(GST_BIN(side->pipeline), "p");
  g_signal_connect(peer, "pad-added", G_CALLBACK(on_peer_pad), side);
  gst_object_unref(peer);
  watch_raw(side);
  return true;
}

// ---- through the SFU: amsrtcsink + amsrtcsrc ------------------------------

// Publishes `own_id` and plays `other_id`. Both sides start together, so a
// player may ask before the other side's stream exists: it then waits for the
// server's streaming_started, as an application would.
bool build_sfu_side(Side *side, const std::string &own_id, const std::string &other_id) {
  GError *error = nullptr;
  const std::string common = " server=" + g_options.server + " local-addresses=127.0.0.1";
  const std::string description = std::string(kSource) + "amsrtcsink" + common +
                                  " stream-id=" + own_id + " video-codec=" + g_options.codec +
                                  " amsrtcsrc name=p" + common + " stream-id=" + other_id;
  side->pipeline = gst_parse_launch(description.c_str(), &error);
  if (side->pipeline == nullptr) {
    std::fprintf(stderr, "%s\n", error->message);
    return false;
  }
  GstElement *player = gst_bin_get_by_name(GST_BIN(side->pipeline), "p");
  g_signal_connect(player, "pad-added", G_CALLBACK(on_peer_pad), side);
  gst_object_unref(player);
  watch_raw(side);
  return true;
}

double median(std::vector<double> values) {
  if (values.empty()) return -1;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

gboolean on_error(GstBus *, GstMessage *message, gpointer) {
  if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
    GError *error = nullptr;
    gst_message_parse_error(message, &error, nullptr);
    std::fprintf(stderr, "error from %s: %s\n", GST_OBJECT_NAME(message->src), error->message);
    g_clear_error(&error);
  }
  return TRUE;
}

// One call: both pipelines built, PLAYING, measured, torn down. Prints its
// JSON line; false when a side decoded nothing before the timeout.
bool measure_call(int call) {
  Side a, b;
  a.name = "a";
  b.name = "b";
  a.peer = &b;
  b.peer = &a;
  Exchange exchange{&a, &b};
  const std::string stream_id = g_options.stream_id + "-" + std::to_string(call);
  if (g_options.mode == "floor") {
    if (!build_floor_side(&a) || !build_floor_side(&b)) return false;
    GstElement *offerer = webrtc_of(&a);
    g_signal_connect(offerer, "on-negotiation-needed", G_CALLBACK(on_negotiation_needed),
                     &exchange);
    gst_object_unref(offerer);
  } else if (g_options.mode == "sfu") {
    if (!build_sfu_side(&a, stream_id + "a", stream_id + "b") ||
        !build_sfu_side(&b, stream_id + "b", stream_id + "a"))
      return false;
  } else {
    if (!build_server_side(&a, stream_id) || !build_server_side(&b, stream_id)) return false;
  }
  std::vector<guint> watches;
  for (Side *side : {&a, &b}) {
    GstBus *bus = gst_element_get_bus(side->pipeline);
    watches.push_back(gst_bus_add_watch(bus, on_error, nullptr));
    gst_object_unref(bus);
  }
  GMainLoop *loop = g_main_loop_new(nullptr, FALSE);
  gst_element_set_state(a.pipeline, GST_STATE_PLAYING);
  gst_element_set_state(b.pipeline, GST_STATE_PLAYING);
  g_started = g_get_monotonic_time();

  // Done when both sides have decoded for the whole window, or at the timeout.
  struct Check {
    Side *a, *b;
    GMainLoop *loop;
  } check{&a, &b, loop};
  g_timeout_add(
      50,
      [](gpointer data) -> gboolean {
        auto *c = static_cast<Check *>(data);
        const gint64 now = g_get_monotonic_time();
        bool done = true;
        for (Side *side : {c->a, c->b}) {
          std::lock_guard<std::mutex> lock(side->mutex);
          if (side->first_frame_at == 0 ||
              now - side->first_frame_at < g_options.window_s * G_USEC_PER_SEC)
            done = false;
        }
        if (done || now - g_started > g_options.timeout_s * G_USEC_PER_SEC) {
          g_main_loop_quit(c->loop);
          return G_SOURCE_REMOVE;
        }
        return G_SOURCE_CONTINUE;
      },
      &check);
  g_main_loop_run(loop);

  auto ttff = [](Side &side) {
    std::lock_guard<std::mutex> lock(side.mutex);
    return side.first_frame_at == 0 ? -1.0 : (side.first_frame_at - g_started) / 1000.0;
  };
  std::vector<double> latencies;
  for (Side *side : {&a, &b}) {
    std::lock_guard<std::mutex> lock(side->mutex);
    latencies.insert(latencies.end(), side->latencies_ms.begin(), side->latencies_ms.end());
  }
  const double ttff_a = ttff(a);
  const double ttff_b = ttff(b);
  std::printf(
      "{\"mode\":\"%s\",\"codec\":\"%s\",\"call\":%d,\"ttff_a_ms\":%.1f,"
      "\"ttff_b_ms\":%.1f,\"latency_median_ms\":%.1f,\"latency_frames\":%zu}\n",
      g_options.mode.c_str(), g_options.codec.c_str(), call, ttff_a, ttff_b, median(latencies),
      latencies.size());
  std::fflush(stdout);
  gst_element_set_state(a.pipeline, GST_STATE_NULL);
  gst_element_set_state(b.pipeline, GST_STATE_NULL);
  for (guint watch : watches) g_source_remove(watch);
  gst_object_unref(a.pipeline);
  gst_object_unref(b.pipeline);
  g_main_loop_unref(loop);
  return ttff_a >= 0 && ttff_b >= 0;
}

}  // namespace

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  int calls = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    const std::string value = argv[i + 1];
    if (key == "--mode")
      g_options.mode = value;
    else if (key == "--codec")
      g_options.codec = value;
    else if (key == "--server")
      g_options.server = value;
    else if (key == "--stream-id")
      g_options.stream_id = value;
    else if (key == "--window")
      g_options.window_s = std::stod(value);
    else if (key == "--calls")
      calls = std::stoi(value);
  }
  if (g_options.mode != "floor" && g_options.mode != "server" && g_options.mode != "sfu") {
    std::fprintf(stderr, "--mode is floor, server or sfu\n");
    return 2;
  }
  if (g_options.mode != "floor" && g_options.server.empty()) {
    std::fprintf(stderr, "--server ws://... is required in server and sfu modes\n");
    return 2;
  }
  // Call 1 pays the process's one-time costs (the DTLS certificate above
  // all); later calls are what a running application sees.
  bool ok = true;
  for (int call = 1; call <= calls; ++call) ok = measure_call(call) && ok;
  return ok ? 0 : 1;
}
