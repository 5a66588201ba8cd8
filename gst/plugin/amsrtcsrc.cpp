/**
 * SECTION:element-amsrtcsrc
 * @title: amsrtcsrc
 *
 * Plays the stream `stream-id` from an Ant Media Server compatible server
 * (amsrtc-server, or AMS Enterprise) over WebRTC, following the play flow
 * of PROTOCOL.md §3.3: the server offers, the element answers.
 *
 * Each track comes out on a sometimes src pad `video_<stream id>` /
 * `audio_<stream id>`, decoded by default (raw video/audio) or, with
 * `decode=false`, depayloaded and parsed only (H.264, VP8, VP9, Opus), to
 * record without transcoding.
 *
 * With `room` set the element plays that conference (main-track style:
 * one `play` of the room) and `stream-id` is our own member id, which the
 * server leaves out. Every other member's tracks come out on pads named
 * after that member (`video_alice`), added as members join; a member that
 * leaves gets EOS on its pads, which are then removed.
 *
 * A stream that is not published yet is waited for (a warning says so);
 * when its publisher stops the pads get EOS. If the signaling connection
 * drops the element plays again (`reconnect`) and the media resumes on the
 * same pads. If the WebRTC connection fails, the element waits 10 s for the
 * server to restart ICE (amsrtc-server does: a new offer with new ICE
 * credentials, answered here with a restart of our own, and
 * `amsrtc/ice-restart` on the bus); if it is not up by then it plays again.
 *
 * The element is a URI handler for `amsrtc://host:port/app/streamId` and
 * `amsrtcs://` (TLS), so playbin and gst-play-1.0 play such URIs. Query
 * parameters set properties: `?room=conf1&token=...`.
 *
 * Bus messages (element messages): `amsrtc/play-started`,
 * `amsrtc/play-finished`, `amsrtc/ice-restart` (stream-id, reason).
 *
 * |[
 * gst-launch-1.0 amsrtcsrc stream-id=cam1 server=ws://127.0.0.1:5080/WebRTCAppEE/websocket \
 *     ! videoconvert ! autovideosink
 * gst-play-1.0 amsrtc://127.0.0.1:5080/WebRTCAppEE/cam1
 * ]|
 */
#include "amsrtcsrc.h"

#include <memory>
#include <mutex>

#include "element_common.h"
#include "stream_controller.h"
#include "stream_properties.h"
#include "stream_uri.h"

GST_DEBUG_CATEGORY(amsrtc_src_debug);
#define GST_CAT_DEFAULT amsrtc_src_debug

namespace {

using amsrtc::plugin::StreamController;
using amsrtc::plugin::StreamSettings;

constexpr guint kDefaultLatency = 50;

enum {
  PROP_LATENCY = amsrtc::plugin::kStreamPropertyCount + 1,
  PROP_DECODE,
};

GstStaticPadTemplate video_src_template =
    GST_STATIC_PAD_TEMPLATE("video_%s", GST_PAD_SRC, GST_PAD_SOMETIMES, GST_STATIC_CAPS_ANY);
GstStaticPadTemplate audio_src_template =
    GST_STATIC_PAD_TEMPLATE("audio_%s", GST_PAD_SRC, GST_PAD_SOMETIMES, GST_STATIC_CAPS_ANY);

void uri_handler_init(gpointer iface, gpointer);

}  // namespace

struct GstAmsRtcSrcPriv {
  std::mutex settings_mutex;  // the properties
  StreamSettings settings;
  std::unique_ptr<StreamController> controller;  // between PLAYING and READY
};

G_DEFINE_TYPE_WITH_CODE(GstAmsRtcSrc, gst_ams_rtc_src, GST_TYPE_BIN,
                        G_IMPLEMENT_INTERFACE(GST_TYPE_URI_HANDLER, uri_handler_init))
GST_ELEMENT_REGISTER_DEFINE(amsrtcsrc, "amsrtcsrc", GST_RANK_PRIMARY, GST_TYPE_AMS_RTC_SRC);

namespace {

GstAmsRtcSrcPriv *priv(gpointer self) { return GST_AMS_RTC_SRC(self)->priv; }

GstURIType uri_type(GType) { return GST_URI_SRC; }

const gchar *const *uri_protocols(GType) {
  static const gchar *const protocols[] = {"amsrtc", "amsrtcs", nullptr};
  return protocols;
}

gchar *uri_get(GstURIHandler *handler) {
  std::lock_guard<std::mutex> lock(priv(handler)->settings_mutex);
  const std::string uri = amsrtc::plugin::stream_uri(priv(handler)->settings);
  return uri.empty() ? nullptr : g_strdup(uri.c_str());
}

gboolean uri_set(GstURIHandler *handler, const gchar *uri, GError **error) {
  if (GST_STATE(handler) >= GST_STATE_PAUSED) {
    g_set_error(error, GST_URI_ERROR, GST_URI_ERROR_BAD_STATE,
                "Cannot change the URI of amsrtcsrc while it plays");
    return FALSE;
  }
  std::lock_guard<std::mutex> lock(priv(handler)->settings_mutex);
  std::string why;
  if (!amsrtc::plugin::apply_stream_uri(uri != nullptr ? uri : "", priv(handler)->settings, why)) {
    g_set_error(error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI, "%s", why.c_str());
    return FALSE;
  }
  return TRUE;
}

void uri_handler_init(gpointer iface, gpointer) {
  auto *handler = static_cast<GstURIHandlerInterface *>(iface);
  handler->get_type = uri_type;
  handler->get_protocols = uri_protocols;
  handler->get_uri = uri_get;
  handler->set_uri = uri_set;
}

}  // namespace

static GstStateChangeReturn gst_ams_rtc_src_change_state(GstElement *element,
                                                         GstStateChange transition) {
  auto *self = GST_AMS_RTC_SRC(element);
  GstStateChangeReturn ret =
      GST_ELEMENT_CLASS(gst_ams_rtc_src_parent_class)->change_state(element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE) return ret;
  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED: {
      ret = GST_STATE_CHANGE_NO_PREROLL;  // live: no preroll
      // Playing starts here, not in PLAYING: playbin brings its source to
      // PAUSED and waits for its pads before it goes on.
      if (priv(self)->controller) break;
      StreamSettings settings;
      {
        std::lock_guard<std::mutex> lock(priv(self)->settings_mutex);
        settings = priv(self)->settings;
      }
      settings.stats_interval_ms = 0;
      auto controller = std::make_unique<StreamController>(
          GST_BIN(self), amsrtc::plugin::StreamMode::kPlay, settings,
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
              },
              nullptr});
      if (!controller->start()) return GST_STATE_CHANGE_FAILURE;
      priv(self)->controller = std::move(controller);
      break;
    }
    case GST_STATE_CHANGE_PLAYING_TO_PAUSED:
      ret = GST_STATE_CHANGE_NO_PREROLL;
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      priv(self)->controller.reset();  // stops playing, closes, removes pads
      break;
    default:
      break;
  }
  return ret;
}

// EOS sent to the element (gst-launch-1.0 -e on Ctrl-C, an application
// ending a recording) goes out on every pad, so muxers can finish files.
static gboolean gst_ams_rtc_src_send_event(GstElement *element, GstEvent *event) {
  if (GST_EVENT_TYPE(event) == GST_EVENT_EOS) {
    auto *self = GST_AMS_RTC_SRC(element);
    const bool sent = priv(self)->controller && priv(self)->controller->send_eos();
    gst_event_unref(event);
    return sent;
  }
  return GST_ELEMENT_CLASS(gst_ams_rtc_src_parent_class)->send_event(element, event);
}

static void gst_ams_rtc_src_set_property(GObject *object, guint id, const GValue *value,
                                         GParamSpec *pspec) {
  auto *p = priv(object);
  std::lock_guard<std::mutex> lock(p->settings_mutex);
  if (amsrtc::plugin::set_stream_property(p->settings, id, value)) return;
  switch (id) {
    case PROP_LATENCY:
      p->settings.latency_ms = g_value_get_uint(value);
      break;
    case PROP_DECODE:
      p->settings.decode = g_value_get_boolean(value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
}

static void gst_ams_rtc_src_get_property(GObject *object, guint id, GValue *value,
                                         GParamSpec *pspec) {
  auto *p = priv(object);
  std::lock_guard<std::mutex> lock(p->settings_mutex);
  if (amsrtc::plugin::get_stream_property(p->settings, id, value)) return;
  switch (id) {
    case PROP_LATENCY:
      g_value_set_uint(value, p->settings.latency_ms);
      break;
    case PROP_DECODE:
      g_value_set_boolean(value, p->settings.decode);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
}

static void gst_ams_rtc_src_finalize(GObject *object) {
  delete GST_AMS_RTC_SRC(object)->priv;
  G_OBJECT_CLASS(gst_ams_rtc_src_parent_class)->finalize(object);
}

static void gst_ams_rtc_src_init(GstAmsRtcSrc *self) {
  self->priv = new GstAmsRtcSrcPriv();
  self->priv->settings.server = amsrtc::plugin::kDefaultServer;
  self->priv->settings.latency_ms = kDefaultLatency;
  GST_OBJECT_FLAG_SET(self, GST_ELEMENT_FLAG_SOURCE);
  amsrtc::plugin::prepare_dtls_certificate();
}

static void gst_ams_rtc_src_class_init(GstAmsRtcSrcClass *klass) {
  GST_DEBUG_CATEGORY_INIT(amsrtc_src_debug, "amsrtcsrc", 0, "amsrtc play bin");
  auto *object_class = G_OBJECT_CLASS(klass);
  auto *element_class = GST_ELEMENT_CLASS(klass);
  object_class->set_property = gst_ams_rtc_src_set_property;
  object_class->get_property = gst_ams_rtc_src_get_property;
  object_class->finalize = gst_ams_rtc_src_finalize;
  element_class->change_state = gst_ams_rtc_src_change_state;
  element_class->send_event = gst_ams_rtc_src_send_event;

  amsrtc::plugin::install_stream_properties(
      object_class,
      "The stream to play; with room set, our own member id (not played back to us)",
      "Play this conference room: a pad per track of every other member");
  constexpr auto flags = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                                  GST_PARAM_MUTABLE_READY);
  g_object_class_install_property(
      object_class, PROP_LATENCY,
      g_param_spec_uint("latency", "Latency", "Receive jitterbuffer latency (ms)", 0, 10000,
                        kDefaultLatency, flags));
  g_object_class_install_property(
      object_class, PROP_DECODE,
      g_param_spec_boolean("decode", "Decode",
                           "Decode the tracks; FALSE gives depayloaded, parsed encoded output "
                           "(to record without transcoding)",
                           TRUE, flags));

  gst_element_class_add_static_pad_template(element_class, &video_src_template);
  gst_element_class_add_static_pad_template(element_class, &audio_src_template);
  gst_element_class_set_static_metadata(
      element_class, "Ant Media WebRTC player", "Source/Network/WebRTC",
      "Plays a stream or a conference room from an Ant Media Server compatible server over "
      "WebRTC",
      "amsrtc developers");
  gst_type_mark_as_plugin_api(amsrtc::plugin::ice_policy_get_type(),
                              static_cast<GstPluginAPIFlags>(0));
}
