/**
 * SECTION:element-amsrtcsignaller
 * @title: amsrtcsignaller
 *
 * Drives a webrtcbin that the application built and feeds itself through
 * the Ant Media Server signaling protocol: it connects to `server`, runs
 * the flow of `mode` (publish, play, a P2P call, or a mesh room), moves
 * SDP and ICE candidates between the server and the webrtcbin, and opens
 * the data channel. Media in and out of the webrtcbin stay the
 * application's: link its sink pads before PLAYING, handle its pad-added.
 *
 * Put the signaller in the same pipeline as the webrtcbin (it has no pads):
 * it connects when the pipeline goes to PLAYING and leaves when it goes
 * back to READY.
 *
 * The `webrtcbin` property serves one session. For more (a mesh room, or
 * the next partner of a P2P call after one left), connect to
 * #GstAmsRtcSignaller::request-webrtcbin and return a new webrtcbin for
 * each session.
 *
 * |[
 * GstElement *webrtc = gst_bin_get_by_name (GST_BIN (pipeline), "webrtc");
 * GstElement *signaller = gst_element_factory_make ("amsrtcsignaller", NULL);
 * g_object_set (signaller, "webrtcbin", webrtc, "mode", "peer",
 *     "server", "ws://127.0.0.1:5080/WebRTCAppEE/websocket", "stream-id", "call1", NULL);
 * gst_bin_add (GST_BIN (pipeline), signaller);
 * ]|
 * (examples/embed_signaller.cpp is a complete program.)
 *
 * ICE restart: the `restart-ice` action signal restarts ICE with every
 * session (after a network change, or when a connection failed: the
 * element warns "The WebRTC connection with ... failed"); a remote's
 * restarting offer is answered by itself. Each restart posts the element
 * message `amsrtc/ice-restart` (peer, reason).
 */
#include "amsrtcsignaller.h"

#include <memory>
#include <mutex>

#include "element_common.h"
#include "signaller_controller.h"

GST_DEBUG_CATEGORY(amsrtc_signaller_debug);
#define GST_CAT_DEFAULT amsrtc_signaller_debug

namespace {

using amsrtc::plugin::join_list;
using amsrtc::plugin::SignallerController;
using amsrtc::plugin::SignallerMode;
using amsrtc::plugin::SignallerSettings;
using amsrtc::plugin::split_list;

constexpr const char *kDefaultServer = "ws://127.0.0.1:5080/WebRTCAppEE/websocket";

enum {
  SIGNAL_REQUEST_WEBRTCBIN,
  SIGNAL_SESSION_STARTED,
  SIGNAL_SESSION_ENDED,
  SIGNAL_PEER_JOINED,
  SIGNAL_PEER_LEFT,
  SIGNAL_DATA_RECEIVED,
  SIGNAL_SEND_DATA,
  N_SIGNALS
};
guint signals[N_SIGNALS];

enum {
  PROP_0,
  PROP_SERVER,
  PROP_STREAM_ID,
  PROP_ROOM,
  PROP_MODE,
  PROP_TOKEN,
  PROP_CA_FILE,
  PROP_WEBRTCBIN,
  PROP_DATA_CHANNEL,
  PROP_LOCAL_ADDRESSES,
  PROP_STUN_SERVER,
  PROP_TURN_SERVERS,
  PROP_ICE_TRANSPORT_POLICY,
};

GType mode_get_type() {
  static GType type = 0;
  if (g_once_init_enter(&type)) {
    static const GEnumValue values[] = {
        {static_cast<gint>(SignallerMode::kPublish), "Publish stream-id to the server", "publish"},
        {static_cast<gint>(SignallerMode::kPlay), "Play stream-id from the server", "play"},
        {static_cast<gint>(SignallerMode::kPeer), "P2P call: join stream-id", "peer"},
        {static_cast<gint>(SignallerMode::kMesh), "Mesh room: one session per member", "mesh"},
        {0, nullptr, nullptr}};
    g_once_init_leave(&type, g_enum_register_static("GstAmsRtcSignallerMode", values));
  }
  return type;
}

}  // namespace

struct GstAmsRtcSignallerPriv {
  std::mutex settings_mutex;  // the properties
  SignallerSettings settings;
  GstElement *webrtcbin = nullptr;  // owned ref

  std::mutex controller_mutex;                      // guards `controller` for send-data
  std::unique_ptr<SignallerController> controller;  // between PLAYING and READY
};

G_DEFINE_TYPE(GstAmsRtcSignaller, gst_ams_rtc_signaller, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE(amsrtcsignaller, "amsrtcsignaller", GST_RANK_NONE,
                            GST_TYPE_AMS_RTC_SIGNALLER);

namespace {

GstAmsRtcSignallerPriv *priv(gpointer self) { return GST_AMS_RTC_SIGNALLER(self)->priv; }

void emit_peer_signal(GstAmsRtcSignaller *self, guint signal, const std::string &peer) {
  g_signal_emit(self, signals[signal], 0, peer.c_str());
}

std::unique_ptr<SignallerController> make_controller(GstAmsRtcSignaller *self) {
  SignallerSettings settings;
  GstElement *webrtcbin = nullptr;
  {
    std::lock_guard<std::mutex> lock(priv(self)->settings_mutex);
    settings = priv(self)->settings;
    if (priv(self)->webrtcbin != nullptr)
      webrtcbin = GST_ELEMENT(gst_object_ref(priv(self)->webrtcbin));
  }
  amsrtc::plugin::SignallerEvents events;
  events.error = [self](const std::string &text, const std::string &debug,
                        const std::string &definition) {
    amsrtc::plugin::post_error_with_definition(GST_ELEMENT(self), text, debug, definition);
  };
  events.warning = [self](const std::string &text, const std::string &debug) {
    GST_ELEMENT_WARNING(self, RESOURCE, FAILED, ("%s", text.c_str()), ("%s", debug.c_str()));
  };
  events.request_webrtcbin = [self](const std::string &peer) -> GstElement * {
    GstElement *webrtc = nullptr;
    g_signal_emit(self, signals[SIGNAL_REQUEST_WEBRTCBIN], 0, peer.c_str(), &webrtc);
    return webrtc;
  };
  events.session_started = [self](const std::string &peer) {
    emit_peer_signal(self, SIGNAL_SESSION_STARTED, peer);
  };
  events.session_ended = [self](const std::string &peer) {
    emit_peer_signal(self, SIGNAL_SESSION_ENDED, peer);
  };
  events.peer_joined = [self](const std::string &peer) {
    emit_peer_signal(self, SIGNAL_PEER_JOINED, peer);
  };
  events.peer_left = [self](const std::string &peer) {
    emit_peer_signal(self, SIGNAL_PEER_LEFT, peer);
  };
  events.data_received = [self](const std::string &peer, const std::string &text) {
    g_signal_emit(self, signals[SIGNAL_DATA_RECEIVED], 0, peer.c_str(), text.c_str());
  };
  events.ice_restart = [self](const std::string &peer, const std::string &reason) {
    amsrtc::plugin::post_peer_ice_restart(GST_ELEMENT(self), peer, reason);
  };
  auto controller =
      std::make_unique<SignallerController>(GST_OBJECT(self), webrtcbin, settings, events);
  if (webrtcbin != nullptr) gst_object_unref(webrtcbin);
  return controller;
}

}  // namespace

static GstStateChangeReturn gst_ams_rtc_signaller_change_state(GstElement *element,
                                                               GstStateChange transition) {
  auto *self = GST_AMS_RTC_SIGNALLER(element);
  GstStateChangeReturn ret =
      GST_ELEMENT_CLASS(gst_ams_rtc_signaller_parent_class)->change_state(element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE) return ret;
  switch (transition) {
    case GST_STATE_CHANGE_PAUSED_TO_PLAYING: {
      if (priv(self)->controller) break;
      auto controller = make_controller(self);
      if (!controller->start()) return GST_STATE_CHANGE_FAILURE;
      std::lock_guard<std::mutex> lock(priv(self)->controller_mutex);
      priv(self)->controller = std::move(controller);
      break;
    }
    case GST_STATE_CHANGE_PAUSED_TO_READY: {
      std::unique_ptr<SignallerController> controller;
      {
        std::lock_guard<std::mutex> lock(priv(self)->controller_mutex);
        controller = std::move(priv(self)->controller);
      }
      controller.reset();  // leaves, ends the sessions, closes
      break;
    }
    default:
      break;
  }
  return ret;
}

static void gst_ams_rtc_signaller_set_property(GObject *object, guint id, const GValue *value,
                                               GParamSpec *pspec) {
  auto *p = priv(object);
  std::lock_guard<std::mutex> lock(p->settings_mutex);
  auto string_of = [value] {
    return std::string(g_value_get_string(value) ? g_value_get_string(value) : "");
  };
  switch (id) {
    case PROP_SERVER:
      p->settings.server = string_of();
      break;
    case PROP_STREAM_ID:
      p->settings.stream_id = string_of();
      break;
    case PROP_ROOM:
      p->settings.room = string_of();
      break;
    case PROP_MODE:
      p->settings.mode = static_cast<SignallerMode>(g_value_get_enum(value));
      break;
    case PROP_TOKEN:
      p->settings.token = string_of();
      break;
    case PROP_CA_FILE:
      p->settings.ca_file = string_of();
      break;
    case PROP_WEBRTCBIN:
      if (p->webrtcbin != nullptr) gst_object_unref(p->webrtcbin);
      p->webrtcbin = static_cast<GstElement *>(g_value_dup_object(value));
      break;
    case PROP_DATA_CHANNEL:
      p->settings.data_channel = g_value_get_boolean(value);
      break;
    case PROP_LOCAL_ADDRESSES:
      p->settings.ice.local_addresses = split_list(string_of());
      break;
    case PROP_STUN_SERVER:
      p->settings.ice.stun_server = string_of();
      break;
    case PROP_TURN_SERVERS:
      p->settings.ice.turn_servers = split_list(string_of());
      break;
    case PROP_ICE_TRANSPORT_POLICY:
      p->settings.ice.relay_only = g_value_get_enum(value) == 1;
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
}

static void gst_ams_rtc_signaller_get_property(GObject *object, guint id, GValue *value,
                                               GParamSpec *pspec) {
  auto *p = priv(object);
  std::lock_guard<std::mutex> lock(p->settings_mutex);
  switch (id) {
    case PROP_SERVER:
      g_value_set_string(value, p->settings.server.c_str());
      break;
    case PROP_STREAM_ID:
      g_value_set_string(value, p->settings.stream_id.c_str());
      break;
    case PROP_ROOM:
      g_value_set_string(value, p->settings.room.c_str());
      break;
    case PROP_MODE:
      g_value_set_enum(value, static_cast<gint>(p->settings.mode));
      break;
    case PROP_TOKEN:
      g_value_set_string(value, p->settings.token.c_str());
      break;
    case PROP_CA_FILE:
      g_value_set_string(value, p->settings.ca_file.c_str());
      break;
    case PROP_WEBRTCBIN:
      g_value_set_object(value, p->webrtcbin);
      break;
    case PROP_DATA_CHANNEL:
      g_value_set_boolean(value, p->settings.data_channel);
      break;
    case PROP_LOCAL_ADDRESSES:
      g_value_set_string(value, join_list(p->settings.ice.local_addresses).c_str());
      break;
    case PROP_STUN_SERVER:
      g_value_set_string(value, p->settings.ice.stun_server.c_str());
      break;
    case PROP_TURN_SERVERS:
      g_value_set_string(value, join_list(p->settings.ice.turn_servers).c_str());
      break;
    case PROP_ICE_TRANSPORT_POLICY:
      g_value_set_enum(value, p->settings.ice.relay_only ? 1 : 0);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
}

// Action signal "send-data": text to every session's open data channel.
static guint gst_ams_rtc_signaller_send_data(GstAmsRtcSignaller *self, const gchar *text) {
  std::lock_guard<std::mutex> lock(priv(self)->controller_mutex);
  if (!priv(self)->controller || text == nullptr) return 0;
  return priv(self)->controller->send_text(text);
}

// Action signal "restart-ice": an ICE restart with every session.
static guint gst_ams_rtc_signaller_restart_ice(GstAmsRtcSignaller *self) {
  std::lock_guard<std::mutex> lock(priv(self)->controller_mutex);
  if (!priv(self)->controller) return 0;
  return priv(self)->controller->restart_ice();
}

static void gst_ams_rtc_signaller_finalize(GObject *object) {
  auto *p = priv(object);
  if (p->webrtcbin != nullptr) gst_object_unref(p->webrtcbin);
  delete p;
  G_OBJECT_CLASS(gst_ams_rtc_signaller_parent_class)->finalize(object);
}

static void gst_ams_rtc_signaller_init(GstAmsRtcSignaller *self) {
  self->priv = new GstAmsRtcSignallerPriv();
  self->priv->settings.server = kDefaultServer;
  amsrtc::plugin::prepare_dtls_certificate();
}

static void install_properties(GObjectClass *object_class) {
  constexpr auto flags = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                                  GST_PARAM_MUTABLE_READY);
  g_object_class_install_property(
      object_class, PROP_SERVER,
      g_param_spec_string("server", "Server",
                          "Signaling server: ws://host:port/app/websocket or wss://...",
                          kDefaultServer, flags));
  g_object_class_install_property(
      object_class, PROP_STREAM_ID,
      g_param_spec_string("stream-id", "Stream id",
                          "The stream to publish or play, the P2P call to join, or our own id in "
                          "a mesh room. [A-Za-z0-9_.-]",
                          nullptr, flags));
  g_object_class_install_property(
      object_class, PROP_ROOM,
      g_param_spec_string("room", "Room",
                          "mesh: the room to join (required). play: a conference room whose "
                          "members are reported with peer-joined/peer-left",
                          nullptr, flags));
  g_object_class_install_property(
      object_class, PROP_MODE,
      g_param_spec_enum("mode", "Mode", "The protocol flow to run", mode_get_type(),
                        static_cast<gint>(SignallerMode::kPeer), flags));
  g_object_class_install_property(
      object_class, PROP_TOKEN,
      g_param_spec_string("token", "Token", "Access token (JWT) when the server requires one",
                          nullptr, flags));
  g_object_class_install_property(
      object_class, PROP_CA_FILE,
      g_param_spec_string("ca-file", "CA file",
                          "PEM file of extra CAs trusted for wss:// (system CAs always are)",
                          nullptr, flags));
  g_object_class_install_property(
      object_class, PROP_WEBRTCBIN,
      g_param_spec_object("webrtcbin", "webrtcbin",
                          "The webrtcbin of the first session (the application builds, feeds "
                          "and links it). More sessions: see request-webrtcbin",
                          GST_TYPE_ELEMENT, flags));
  g_object_class_install_property(
      object_class, PROP_DATA_CHANNEL,
      g_param_spec_boolean("data-channel", "Data channel",
                           "As offerer, open the ordered data channel labelled with the stream id",
                           TRUE, flags));
  g_object_class_install_property(
      object_class, PROP_LOCAL_ADDRESSES,
      g_param_spec_string("local-addresses", "Local addresses",
                          "Comma-separated addresses ICE may use besides its own choice "
                          "(libnice skips loopback: set 127.0.0.1 for same-machine calls)",
                          nullptr, flags));
  g_object_class_install_property(
      object_class, PROP_STUN_SERVER,
      g_param_spec_string("stun-server", "STUN server", "stun:host:port", nullptr, flags));
  g_object_class_install_property(
      object_class, PROP_TURN_SERVERS,
      g_param_spec_string("turn-servers", "TURN servers",
                          "Comma-separated turn://user:password@host:port URIs", nullptr, flags));
  g_object_class_install_property(
      object_class, PROP_ICE_TRANSPORT_POLICY,
      g_param_spec_enum("ice-transport-policy", "ICE transport policy",
                        "all, or relay to use TURN only", amsrtc::plugin::ice_policy_get_type(), 0,
                        flags));
}

static void install_signals(GstAmsRtcSignallerClass *klass) {
  const GType type = G_TYPE_FROM_CLASS(klass);
  /**
   * GstAmsRtcSignaller::request-webrtcbin:
   * @peer: who the session is with: the stream id (publish, play), the
   *   call id (peer) or the member's stream id (mesh)
   *
   * A session needs a webrtcbin. Return one (a new reference) that is in
   * your pipeline with its inputs linked, or NULL to use the `webrtcbin`
   * property (once). Emitted from the signaling thread.
   */
  signals[SIGNAL_REQUEST_WEBRTCBIN] =
      g_signal_new("request-webrtcbin", type, G_SIGNAL_RUN_LAST, 0, g_signal_accumulator_first_wins,
                   nullptr, nullptr, GST_TYPE_ELEMENT, 1, G_TYPE_STRING);
  /**
   * GstAmsRtcSignaller::session-started:
   * @peer: who the session is with (see request-webrtcbin)
   *
   * A session got its webrtcbin and negotiation begins.
   */
  signals[SIGNAL_SESSION_STARTED] =
      g_signal_new("session-started", type, G_SIGNAL_RUN_LAST, 0, nullptr, nullptr, nullptr,
                   G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * GstAmsRtcSignaller::session-ended:
   * @peer: who the session was with
   *
   * The remote left, the server ended the stream, the signaling socket
   * was re-opened, or the element stopped. The signaller no longer uses
   * the session's webrtcbin: stop or remove it.
   */
  signals[SIGNAL_SESSION_ENDED] = g_signal_new("session-ended", type, G_SIGNAL_RUN_LAST, 0, nullptr,
                                               nullptr, nullptr, G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * GstAmsRtcSignaller::peer-joined:
   * @peer: the member's stream id
   *
   * Rooms: a member is there (mesh: each one found on joining, then each
   * newcomer; play with a room: a stream joined it).
   */
  signals[SIGNAL_PEER_JOINED] = g_signal_new("peer-joined", type, G_SIGNAL_RUN_LAST, 0, nullptr,
                                             nullptr, nullptr, G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * GstAmsRtcSignaller::peer-left:
   * @peer: the member's stream id
   *
   * Rooms: a member left.
   */
  signals[SIGNAL_PEER_LEFT] = g_signal_new("peer-left", type, G_SIGNAL_RUN_LAST, 0, nullptr,
                                           nullptr, nullptr, G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * GstAmsRtcSignaller::data-received:
   * @peer: the session's peer
   * @text: the text message
   *
   * A text message arrived on a session's data channel (from a streaming
   * thread: do not block).
   */
  signals[SIGNAL_DATA_RECEIVED] =
      g_signal_new("data-received", type, G_SIGNAL_RUN_LAST, 0, nullptr, nullptr, nullptr,
                   G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  /**
   * GstAmsRtcSignaller::send-data:
   * @text: the text to send
   *
   * Sends @text on the data channel of every session whose channel is
   * open. Returns how many sessions it was sent to.
   */
  signals[SIGNAL_SEND_DATA] = g_signal_new_class_handler(
      "send-data", type, static_cast<GSignalFlags>(G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION),
      G_CALLBACK(gst_ams_rtc_signaller_send_data), nullptr, nullptr, nullptr, G_TYPE_UINT, 1,
      G_TYPE_STRING);
  /**
   * GstAmsRtcSignaller::restart-ice:
   *
   * Restarts ICE with every session, as RTCPeerConnection's restartIce()
   * does: a new offer with new credentials, candidate checks from scratch,
   * media kept on the old path while it still works. For a network change
   * or a connection that failed ("The WebRTC connection with ... failed"
   * warning). Posts `amsrtc/ice-restart` (peer, reason "requested") for each
   * session it restarts and returns how many: none whose first offer/answer
   * exchange is not complete, and none in play mode, where the server
   * offers and restarts ICE itself.
   */
  g_signal_new_class_handler("restart-ice", type,
                             static_cast<GSignalFlags>(G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION),
                             G_CALLBACK(gst_ams_rtc_signaller_restart_ice), nullptr, nullptr,
                             nullptr, G_TYPE_UINT, 0);
}

static void gst_ams_rtc_signaller_class_init(GstAmsRtcSignallerClass *klass) {
  GST_DEBUG_CATEGORY_INIT(amsrtc_signaller_debug, "amsrtcsignaller", 0,
                          "amsrtc signaling for application webrtcbins");
  auto *object_class = G_OBJECT_CLASS(klass);
  auto *element_class = GST_ELEMENT_CLASS(klass);
  object_class->set_property = gst_ams_rtc_signaller_set_property;
  object_class->get_property = gst_ams_rtc_signaller_get_property;
  object_class->finalize = gst_ams_rtc_signaller_finalize;
  element_class->change_state = gst_ams_rtc_signaller_change_state;
  install_properties(object_class);
  install_signals(klass);
  gst_element_class_set_static_metadata(
      element_class, "Ant Media WebRTC signaller", "Network/WebRTC",
      "Runs the Ant Media Server signaling protocol for an application's webrtcbin",
      "amsrtc developers");
  gst_type_mark_as_plugin_api(mode_get_type(), static_cast<GstPluginAPIFlags>(0));
}
