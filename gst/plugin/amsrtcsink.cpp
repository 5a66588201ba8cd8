/**
 * SECTION:element-amsrtcsink
 * @title: amsrtcsink
 *
 * Publishes its inputs as the stream `stream-id` to an Ant Media Server
 * compatible server (amsrtc-server, or AMS Enterprise) over WebRTC,
 * following the publish flow of PROTOCOL.md §3.2.
 *
 * Request sink pads `video_%u` / `audio_%u` take raw video/audio (encoded
 * here: H.264 constrained baseline by default, VP8 or VP9 with
 * `video-codec`; Opus) or already-encoded H.264/VP8/VP9/Opus, which is only
 * parsed and payloaded, never transcoded (an RTSP camera, an MP4 file).
 *
 * With `room` set the stream is published as a member of that conference:
 * main-track style (`publish` with `mainTrack`) by default, or
 * `room-style=legacy` (`joinRoom`, then `publish`).
 *
 * Keyframe requests (PLI/FIR) from the server become force-key-unit events
 * upstream: the encoder here, or for encoded input the element upstream,
 * produces a keyframe. The encoder's bitrate follows the loss the server
 * reports, up to `video-bitrate`.
 *
 * Bus messages (element messages): `amsrtc/publish-started` when the server
 * receives media, `amsrtc/publish-finished`, and every `stats-interval` ms
 * `amsrtc/stats` (bitrate-kbps, target-bitrate-kbps, rtt-ms, packets-sent,
 * bytes-sent, packets-lost, fraction-lost, nack-count, pli-count,
 * fir-count); the `stats` property holds the last of them.
 *
 * When every input has reached EOS the stream is stopped on the server and
 * the element posts EOS.
 *
 * When ICE fails (libnice notices a path that stopped answering after about
 * 50 s) the element restarts ICE on the live publish session: a new offer
 * with new ICE credentials, answered by the server without interrupting the
 * stream, and `amsrtc/ice-restart` (stream-id, reason) on the bus. If that
 * does not connect within 10 s it publishes again from
 * scratch (`reconnect`). The `restart-ice` action signal does the same on
 * demand, e.g. after the application saw the network change.
 *
 * |[
 * gst-launch-1.0 videotestsrc is-live=true ! amsrtcsink stream-id=cam1 \
 *     server=ws://127.0.0.1:5080/WebRTCAppEE/websocket
 * gst-launch-1.0 rtspsrc location=rtsp://camera/stream ! rtph264depay ! amsrtcsink.video_0 \
 *     amsrtcsink room=conf1 stream-id=camera
 * ]|
 */
#include "amsrtcsink.h"

#include <memory>
#include <mutex>
#include <vector>

#include "element_common.h"
#include "input_tracks.h"
#include "media_chains.h"
#include "stream_controller.h"
#include "stream_properties.h"

GST_DEBUG_CATEGORY(amsrtc_sink_debug);
#define GST_CAT_DEFAULT amsrtc_sink_debug

namespace {

using amsrtc::plugin::InputTracks;
using amsrtc::plugin::LocalTrack;
using amsrtc::plugin::RoomStyle;
using amsrtc::plugin::SendSettings;
using amsrtc::plugin::StreamController;
using amsrtc::plugin::StreamSettings;
using amsrtc::plugin::VideoCodec;

constexpr guint kDefaultVideoBitrate = 1500;
constexpr guint kDefaultStatsInterval = 1000;

enum {
  PROP_ROOM_STYLE = amsrtc::plugin::kStreamPropertyCount + 1,
  PROP_VIDEO_CODEC,
  PROP_VIDEO_BITRATE,
  PROP_STATS_INTERVAL,
  PROP_STATS,
};

GstStaticPadTemplate video_sink_template =
    GST_STATIC_PAD_TEMPLATE("video_%u", GST_PAD_SINK, GST_PAD_REQUEST,
                            GST_STATIC_CAPS("video/x-raw; video/x-h264; video/x-vp8; video/x-vp9"));
GstStaticPadTemplate audio_sink_template = GST_STATIC_PAD_TEMPLATE(
    "audio_%u", GST_PAD_SINK, GST_PAD_REQUEST, GST_STATIC_CAPS("audio/x-raw; audio/x-opus"));

GType room_style_get_type() {
  static GType type = 0;
  if (g_once_init_enter(&type)) {
    static const GEnumValue values[] = {
        {static_cast<gint>(RoomStyle::kMainTrack), "publish with mainTrack=<room>", "main-track"},
        {static_cast<gint>(RoomStyle::kLegacy), "joinRoom, then publish", "legacy"},
        {0, nullptr, nullptr}};
    g_once_init_leave(&type, g_enum_register_static("GstAmsRtcRoomStyle", values));
  }
  return type;
}

}  // namespace

struct GstAmsRtcSinkPriv {
  std::mutex settings_mutex;  // the properties
  StreamSettings settings;
  SendSettings send;

  InputTracks inputs;  // inputs.mutex also guards inputs_at_eos
  guint inputs_at_eos = 0;

  std::mutex controller_mutex;                   // guards `controller` for the stats property
  std::unique_ptr<StreamController> controller;  // between PLAYING and READY
};

G_DEFINE_TYPE(GstAmsRtcSink, gst_ams_rtc_sink, GST_TYPE_BIN);
GST_ELEMENT_REGISTER_DEFINE(amsrtcsink, "amsrtcsink", GST_RANK_NONE, GST_TYPE_AMS_RTC_SINK);

namespace {

GstAmsRtcSinkPriv *priv(gpointer self) { return GST_AMS_RTC_SINK(self)->priv; }

// The receiver's feedback sets the encoders' rate (raw inputs only: encoded
// input is passed through at the rate it comes with).
void set_encoder_bitrate(GstAmsRtcSink *self, unsigned kbps) {
  GstIterator *it = gst_bin_iterate_recurse(GST_BIN(self));
  GValue item = G_VALUE_INIT;
  while (gst_iterator_next(it, &item) == GST_ITERATOR_OK) {
    GstElement *element = GST_ELEMENT(g_value_get_object(&item));
    GstElementFactory *factory = gst_element_get_factory(element);
    const gchar *name = factory != nullptr ? GST_OBJECT_NAME(factory) : "";
    if (g_str_equal(name, "x264enc")) {
      g_object_set(element, "bitrate", kbps, nullptr);
    } else if (g_str_equal(name, "vp8enc") || g_str_equal(name, "vp9enc")) {
      g_object_set(element, "target-bitrate", static_cast<gint>(kbps * 1000), nullptr);
    } else if (g_str_equal(name, "openh264enc")) {
      g_object_set(element, "bitrate", kbps * 1000, nullptr);
    }
    g_value_reset(&item);
  }
  g_value_unset(&item);
  gst_iterator_free(it);
}

// Every input ended (a file was fully sent): stop the stream, post EOS.
GstPadProbeReturn on_input_eos(GstPad *, GstPadProbeInfo *info, gpointer self_ptr) {
  if (GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) != GST_EVENT_EOS) return GST_PAD_PROBE_OK;
  auto *self = GST_AMS_RTC_SINK(self_ptr);
  bool all = false;
  {
    std::lock_guard<std::mutex> lock(priv(self)->inputs.mutex);
    all = ++priv(self)->inputs_at_eos >= priv(self)->inputs.tracks.size();
  }
  if (all) {
    GST_INFO_OBJECT(self, "every input reached EOS: stopping the stream");
    gst_element_call_async(
        GST_ELEMENT(self),
        [](GstElement *element, gpointer) {
          std::unique_ptr<StreamController> controller;
          {
            std::lock_guard<std::mutex> lock(priv(element)->controller_mutex);
            controller = std::move(priv(element)->controller);
          }
          controller.reset();  // stop, socket closed
          // GstBin clears the flag when its last sink child (webrtcbin's
          // nicesink) goes; the pipeline counts our EOS only from a sink.
          GST_OBJECT_FLAG_SET(element, GST_ELEMENT_FLAG_SINK);
          gst_element_post_message(element, gst_message_new_eos(GST_OBJECT(element)));
        },
        nullptr, nullptr);
  }
  return GST_PAD_PROBE_OK;
}

}  // namespace

static GstPad *gst_ams_rtc_sink_request_new_pad(GstElement *element, GstPadTemplate *templ,
                                                const gchar *, const GstCaps *) {
  auto *self = GST_AMS_RTC_SINK(element);
  LocalTrack track;
  GstPad *pad = amsrtc::plugin::request_input_track(
      element, templ, priv(self)->inputs,
      [self] {
        std::lock_guard<std::mutex> lock(priv(self)->settings_mutex);
        return priv(self)->send;
      },
      track);
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_input_eos, self, nullptr);
  return pad;
}

static void gst_ams_rtc_sink_release_pad(GstElement *element, GstPad *pad) {
  gst_pad_set_active(pad, FALSE);
  gst_element_remove_pad(element, pad);
}

static GstStateChangeReturn gst_ams_rtc_sink_change_state(GstElement *element,
                                                          GstStateChange transition) {
  auto *self = GST_AMS_RTC_SINK(element);
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
    std::lock_guard<std::mutex> lock(priv(self)->inputs.mutex);
    priv(self)->inputs_at_eos = 0;
  }
  GstStateChangeReturn ret =
      GST_ELEMENT_CLASS(gst_ams_rtc_sink_parent_class)->change_state(element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE) return ret;
  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:
    case GST_STATE_CHANGE_PLAYING_TO_PAUSED:
      ret = GST_STATE_CHANGE_NO_PREROLL;  // live: no preroll
      break;
    case GST_STATE_CHANGE_PAUSED_TO_PLAYING: {
      std::lock_guard<std::mutex> lock(priv(self)->controller_mutex);
      if (priv(self)->controller) break;
      StreamSettings settings;
      {
        std::lock_guard<std::mutex> settings_lock(priv(self)->settings_mutex);
        settings = priv(self)->settings;
        settings.max_video_bitrate_kbps = priv(self)->send.video_bitrate_kbps;
      }
      auto controller = std::make_unique<StreamController>(
          GST_BIN(self), amsrtc::plugin::StreamMode::kPublish, settings,
          amsrtc::plugin::StreamEvents{
              [self](const std::string &text, const std::string &debug,
                     const std::string &definition) {
                amsrtc::plugin::post_error_with_definition(GST_ELEMENT(self), text, debug,
                                                           definition);
              },
              [self](const std::string &text, const std::string &debug) {
                GST_ELEMENT_WARNING(self, RESOURCE, FAILED, ("%s", text.c_str()),
                                    ("%s", debug.c_str()));
              },
              [self](GstStructure *fields) {
                gst_element_post_message(GST_ELEMENT(self),
                                         gst_message_new_element(GST_OBJECT(self), fields));
                if (gst_structure_has_name(fields, "amsrtc/stats")) {
                  g_object_notify(G_OBJECT(self), "stats");
                }
              },
              [self](unsigned kbps) { set_encoder_bitrate(self, kbps); }});
      {
        std::lock_guard<std::mutex> tracks_lock(priv(self)->inputs.mutex);
        if (priv(self)->inputs.tracks.empty()) {
          GST_ELEMENT_ERROR(self, CORE, PAD, ("Nothing to publish."),
                            ("link something to a video_%%u or audio_%%u pad"));
          return GST_STATE_CHANGE_FAILURE;
        }
        for (const LocalTrack &track : priv(self)->inputs.tracks) controller->add_track(track);
      }
      if (!controller->start()) return GST_STATE_CHANGE_FAILURE;
      priv(self)->controller = std::move(controller);
      break;
    }
    case GST_STATE_CHANGE_PAUSED_TO_READY: {
      std::unique_ptr<StreamController> controller;
      {
        std::lock_guard<std::mutex> lock(priv(self)->controller_mutex);
        controller = std::move(priv(self)->controller);
      }
      controller.reset();  // stops the stream, closes, removes its elements
      break;
    }
    default:
      break;
  }
  return ret;
}

static void gst_ams_rtc_sink_set_property(GObject *object, guint id, const GValue *value,
                                          GParamSpec *pspec) {
  auto *p = priv(object);
  std::lock_guard<std::mutex> lock(p->settings_mutex);
  if (amsrtc::plugin::set_stream_property(p->settings, id, value)) return;
  switch (id) {
    case PROP_ROOM_STYLE:
      p->settings.room_style = static_cast<RoomStyle>(g_value_get_enum(value));
      break;
    case PROP_VIDEO_CODEC:
      p->send.video_codec = static_cast<VideoCodec>(g_value_get_enum(value));
      break;
    case PROP_VIDEO_BITRATE:
      p->send.video_bitrate_kbps = g_value_get_uint(value);
      break;
    case PROP_STATS_INTERVAL:
      p->settings.stats_interval_ms = g_value_get_uint(value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
}

static void gst_ams_rtc_sink_get_property(GObject *object, guint id, GValue *value,
                                          GParamSpec *pspec) {
  auto *p = priv(object);
  if (id == PROP_STATS) {
    std::lock_guard<std::mutex> lock(p->controller_mutex);
    GstStructure *stats = p->controller ? p->controller->last_stats() : nullptr;
    g_value_take_boxed(value, stats != nullptr ? stats : gst_structure_new_empty("amsrtc/stats"));
    return;
  }
  std::lock_guard<std::mutex> lock(p->settings_mutex);
  if (amsrtc::plugin::get_stream_property(p->settings, id, value)) return;
  switch (id) {
    case PROP_ROOM_STYLE:
      g_value_set_enum(value, static_cast<gint>(p->settings.room_style));
      break;
    case PROP_VIDEO_CODEC:
      g_value_set_enum(value, static_cast<gint>(p->send.video_codec));
      break;
    case PROP_VIDEO_BITRATE:
      g_value_set_uint(value, p->send.video_bitrate_kbps);
      break;
    case PROP_STATS_INTERVAL:
      g_value_set_uint(value, p->settings.stats_interval_ms);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
}

static void gst_ams_rtc_sink_finalize(GObject *object) {
  delete GST_AMS_RTC_SINK(object)->priv;
  G_OBJECT_CLASS(gst_ams_rtc_sink_parent_class)->finalize(object);
}

static void gst_ams_rtc_sink_init(GstAmsRtcSink *self) {
  self->priv = new GstAmsRtcSinkPriv();
  self->priv->settings.server = amsrtc::plugin::kDefaultServer;
  self->priv->settings.stats_interval_ms = kDefaultStatsInterval;
  self->priv->send.video_bitrate_kbps = kDefaultVideoBitrate;
  // The pipeline waits for our EOS (posted when every input ended).
  GST_OBJECT_FLAG_SET(self, GST_ELEMENT_FLAG_SINK);
  amsrtc::plugin::prepare_dtls_certificate();
}

static void gst_ams_rtc_sink_restart_ice(GstAmsRtcSink *self) {
  std::lock_guard<std::mutex> lock(priv(self)->controller_mutex);
  if (priv(self)->controller) priv(self)->controller->restart_ice();
}

static void gst_ams_rtc_sink_class_init(GstAmsRtcSinkClass *klass) {
  GST_DEBUG_CATEGORY_INIT(amsrtc_sink_debug, "amsrtcsink", 0, "amsrtc publish bin");
  auto *object_class = G_OBJECT_CLASS(klass);
  auto *element_class = GST_ELEMENT_CLASS(klass);
  object_class->set_property = gst_ams_rtc_sink_set_property;
  object_class->get_property = gst_ams_rtc_sink_get_property;
  object_class->finalize = gst_ams_rtc_sink_finalize;
  element_class->request_new_pad = gst_ams_rtc_sink_request_new_pad;
  element_class->release_pad = gst_ams_rtc_sink_release_pad;
  element_class->change_state = gst_ams_rtc_sink_change_state;

  amsrtc::plugin::install_stream_properties(
      object_class, "The stream to publish ([A-Za-z0-9_.-]); in a room, this member's id",
      "Publish as a member of this conference room (see room-style)");
  constexpr auto flags = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                                  GST_PARAM_MUTABLE_READY);
  g_object_class_install_property(
      object_class, PROP_ROOM_STYLE,
      g_param_spec_enum("room-style", "Room style",
                        "How to join the room: main-track (publish with mainTrack, what the AMS "
                        "conference sample does) or legacy (joinRoom, then publish)",
                        room_style_get_type(), static_cast<gint>(RoomStyle::kMainTrack), flags));
  g_object_class_install_property(
      object_class, PROP_VIDEO_CODEC,
      g_param_spec_enum("video-codec", "Video codec", "Codec for raw video input",
                        amsrtc::plugin::video_codec_get_type(),
                        static_cast<gint>(VideoCodec::kH264), flags));
  g_object_class_install_property(
      object_class, PROP_VIDEO_BITRATE,
      g_param_spec_uint("video-bitrate", "Video bitrate",
                        "Encoder bitrate for raw video (kbit/s); the ceiling of the adaptation to "
                        "the receiver's loss",
                        50, 50000, kDefaultVideoBitrate, flags));
  g_object_class_install_property(
      object_class, PROP_STATS_INTERVAL,
      g_param_spec_uint("stats-interval", "Stats interval",
                        "Period of the amsrtc/stats bus message and of the bitrate adaptation "
                        "(ms; 0: none)",
                        0, 60000, kDefaultStatsInterval, flags));
  g_object_class_install_property(
      object_class, PROP_STATS,
      g_param_spec_boxed("stats", "Stats",
                         "The last amsrtc/stats: bitrate-kbps, target-bitrate-kbps, rtt-ms, "
                         "packets-sent, bytes-sent, packets-lost, fraction-lost, nack-count, "
                         "pli-count, fir-count",
                         GST_TYPE_STRUCTURE,
                         static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));

  /**
   * GstAmsRtcSink::restart-ice:
   * @sink: the amsrtcsink
   *
   * Restarts ICE on the live publish session, as RTCPeerConnection's
   * restartIce() does: new credentials, candidate checks from scratch, media
   * kept on the old path while it still works. For a network change the
   * application noticed. Posts amsrtc/ice-restart when it begins; nothing
   * happens before the first connection is up.
   */
  g_signal_new_class_handler("restart-ice", G_TYPE_FROM_CLASS(klass),
                             static_cast<GSignalFlags>(G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION),
                             G_CALLBACK(gst_ams_rtc_sink_restart_ice), nullptr, nullptr, nullptr,
                             G_TYPE_NONE, 0);

  gst_element_class_add_static_pad_template(element_class, &video_sink_template);
  gst_element_class_add_static_pad_template(element_class, &audio_sink_template);
  gst_element_class_set_static_metadata(
      element_class, "Ant Media WebRTC publisher", "Sink/Network/WebRTC",
      "Publishes a stream to an Ant Media Server compatible server over WebRTC",
      "amsrtc developers");
  gst_type_mark_as_plugin_api(room_style_get_type(), static_cast<GstPluginAPIFlags>(0));
  gst_type_mark_as_plugin_api(amsrtc::plugin::video_codec_get_type(),
                              static_cast<GstPluginAPIFlags>(0));
  gst_type_mark_as_plugin_api(amsrtc::plugin::ice_policy_get_type(),
                              static_cast<GstPluginAPIFlags>(0));
}
