/**
 * SECTION:element-amsrtcpeer
 * @title: amsrtcpeer
 *
 * A one-to-one WebRTC call through an Ant Media Server compatible signaling
 * server (amsrtc-server, or AMS Enterprise): the bin joins `stream-id`
 * (PROTOCOL.md §3.4), and whichever peer joined first offers once the other
 * arrives. Media goes peer to peer; the server relays only signaling.
 *
 * With `room` set the bin joins a mesh room instead (PROTOCOL.md §12.5):
 * `stream-id` is its own id there, it connects to every other member with
 * a WebRTC connection of its own, and each member's tracks come out on
 * pads named after that member's stream id. Each input is encoded once for
 * all members.
 *
 * Request sink pads `video_%u` / `audio_%u` take raw video/audio (encoded
 * here: H.264 constrained baseline by default, VP8 or VP9 with
 * `video-codec`; Opus) or already-encoded H.264/VP8/VP9/Opus (parsed and
 * payloaded, never transcoded). Request them before going to PLAYING.
 * Remote tracks appear as sometimes src pads `video_<stream id>` /
 * `audio_<stream id>`, decoded unless `decode=false`; when the other peer
 * leaves they get EOS and are removed, and the bin waits for the next peer.
 *
 * When a connection fails (its path died: libnice gives up after about 50 s
 * without answers to its consent checks), the bin restarts ICE on the same
 * call, as RTCPeerConnection.restartIce() does: new credentials, candidate
 * checks from scratch, DTLS and media kept. The peer that offered first
 * restarts; the other waits 3 s for that and then restarts itself (a
 * browser never does). `amsrtc/ice-restart` (peer, reason) is posted when
 * one begins. A connection not up again 10 s later is lost: an error in a
 * call, a warning in a mesh room. The `restart-ice` action signal does the
 * same on demand, after a network change the application noticed.
 *
 * |[
 * gst-launch-1.0 amsrtcpeer name=p server=ws://127.0.0.1:5080/WebRTCAppEE/websocket stream-id=call1
 * \
 *     videotestsrc is-live=true ! p.video_0  audiotestsrc is-live=true ! p.audio_0 \
 *     p. ! videoconvert ! autovideosink
 * ]|
 */
#include "amsrtcpeer.h"

#include <memory>
#include <mutex>

#include "element_common.h"
#include "input_tracks.h"
#include "media_chains.h"
#include "peer_controller.h"

GST_DEBUG_CATEGORY(amsrtc_peer_debug);
#define GST_CAT_DEFAULT amsrtc_peer_debug

namespace {

using amsrtc::plugin::ice_policy_get_type;
using amsrtc::plugin::InputTracks;
using amsrtc::plugin::join_list;
using amsrtc::plugin::LocalTrack;
using amsrtc::plugin::PeerController;
using amsrtc::plugin::PeerSettings;
using amsrtc::plugin::SendSettings;
using amsrtc::plugin::split_list;
using amsrtc::plugin::video_codec_get_type;
using amsrtc::plugin::VideoCodec;

constexpr const char *kDefaultServer = "ws://127.0.0.1:5080/WebRTCAppEE/websocket";
constexpr guint kDefaultVideoBitrate = 1500;
constexpr guint kDefaultLatency = 50;

enum { SIGNAL_DATA_RECEIVED, SIGNAL_SEND_DATA, N_SIGNALS };
guint signals[N_SIGNALS];

enum {
  PROP_0,
  PROP_SERVER,
  PROP_STREAM_ID,
  PROP_ROOM,
  PROP_TOKEN,
  PROP_CA_FILE,
  PROP_VIDEO_CODEC,
  PROP_VIDEO_BITRATE,
  PROP_LATENCY,
  PROP_DATA_CHANNEL,
  PROP_DECODE,
  PROP_LOCAL_ADDRESSES,
  PROP_STUN_SERVER,
  PROP_TURN_SERVERS,
  PROP_ICE_TRANSPORT_POLICY,
};

GstStaticPadTemplate video_sink_template =
    GST_STATIC_PAD_TEMPLATE("video_%u", GST_PAD_SINK, GST_PAD_REQUEST,
                            GST_STATIC_CAPS("video/x-raw; video/x-h264; video/x-vp8; video/x-vp9"));
GstStaticPadTemplate audio_sink_template = GST_STATIC_PAD_TEMPLATE(
    "audio_%u", GST_PAD_SINK, GST_PAD_REQUEST, GST_STATIC_CAPS("audio/x-raw; audio/x-opus"));
GstStaticPadTemplate video_src_template =
    GST_STATIC_PAD_TEMPLATE("video_%s", GST_PAD_SRC, GST_PAD_SOMETIMES, GST_STATIC_CAPS_ANY);
GstStaticPadTemplate audio_src_template =
    GST_STATIC_PAD_TEMPLATE("audio_%s", GST_PAD_SRC, GST_PAD_SOMETIMES, GST_STATIC_CAPS_ANY);

}  // namespace

struct GstAmsRtcPeerPriv {
  std::mutex settings_mutex;  // the properties
  PeerSettings settings;
  SendSettings send;

  InputTracks inputs;

  std::mutex controller_mutex;                 // guards `controller` for send-data
  std::unique_ptr<PeerController> controller;  // between PLAYING and READY
};

G_DEFINE_TYPE(GstAmsRtcPeer, gst_ams_rtc_peer, GST_TYPE_BIN);
GST_ELEMENT_REGISTER_DEFINE(amsrtcpeer, "amsrtcpeer", GST_RANK_NONE, GST_TYPE_AMS_RTC_PEER);

namespace {

GstAmsRtcPeerPriv *priv(gpointer self) { return GST_AMS_RTC_PEER(self)->priv; }

void post_error(GstAmsRtcPeer *self, const std::string &text, const std::string &debug,
                const std::string &definition) {
  amsrtc::plugin::post_error_with_definition(GST_ELEMENT(self), text, debug, definition);
}

void post_peer_message(GstAmsRtcPeer *self, const char *name, const std::string &peer) {
  gst_element_post_message(
      GST_ELEMENT(self),
      gst_message_new_element(
          GST_OBJECT(self), gst_structure_new(name, "peer", G_TYPE_STRING, peer.c_str(), nullptr)));
}

}  // namespace

static GstPad *gst_ams_rtc_peer_request_new_pad(GstElement *element, GstPadTemplate *templ,
                                                const gchar *, const GstCaps *) {
  auto *self = GST_AMS_RTC_PEER(element);
  LocalTrack track;
  GstPad *pad = amsrtc::plugin::request_input_track(
      element, templ, priv(self)->inputs,
      [self] {
        std::lock_guard<std::mutex> lock(priv(self)->settings_mutex);
        return priv(self)->send;
      },
      track);
  if (priv(self)->controller) priv(self)->controller->add_track(track);
  return pad;
}

static void gst_ams_rtc_peer_release_pad(GstElement *element, GstPad *pad) {
  gst_pad_set_active(pad, FALSE);
  gst_element_remove_pad(element, pad);
}

static GstStateChangeReturn gst_ams_rtc_peer_change_state(GstElement *element,
                                                          GstStateChange transition) {
  auto *self = GST_AMS_RTC_PEER(element);
  GstStateChangeReturn ret =
      GST_ELEMENT_CLASS(gst_ams_rtc_peer_parent_class)->change_state(element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE) return ret;
  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:
    case GST_STATE_CHANGE_PLAYING_TO_PAUSED:
      ret = GST_STATE_CHANGE_NO_PREROLL;  // live: no preroll
      break;
    case GST_STATE_CHANGE_PAUSED_TO_PLAYING: {
      if (priv(self)->controller) break;
      PeerSettings settings;
      {
        std::lock_guard<std::mutex> lock(priv(self)->settings_mutex);
        settings = priv(self)->settings;
      }
      auto controller = std::make_unique<PeerController>(
          GST_BIN(self), settings,
          amsrtc::plugin::PeerEvents{
              [self](const std::string &text, const std::string &debug,
                     const std::string &definition) { post_error(self, text, debug, definition); },
              [self](const std::string &text, const std::string &debug) {
                GST_ELEMENT_WARNING(self, RESOURCE, FAILED, ("%s", text.c_str()),
                                    ("%s", debug.c_str()));
              },
              [self] {
                std::string stream_id;
                {
                  std::lock_guard<std::mutex> lock(priv(self)->settings_mutex);
                  stream_id = priv(self)->settings.stream_id;
                }
                gst_element_post_message(
                    GST_ELEMENT(self),
                    gst_message_new_element(
                        GST_OBJECT(self),
                        gst_structure_new("amsrtc/joined", "stream-id", G_TYPE_STRING,
                                          stream_id.c_str(), nullptr)));
              },
              [self](const std::string &peer) {
                post_peer_message(self, "amsrtc/peer-joined", peer);
              },
              [self](const std::string &peer) {
                post_peer_message(self, "amsrtc/peer-left", peer);
              },
              [self](const std::string &peer) {
                post_peer_message(self, "amsrtc/data-channel-open", peer);
              },
              [self](const std::string &peer, const std::string &text) {
                g_signal_emit(self, signals[SIGNAL_DATA_RECEIVED], 0, peer.c_str(), text.c_str());
              },
              [self](const std::string &peer, const std::string &reason) {
                amsrtc::plugin::post_peer_ice_restart(GST_ELEMENT(self), peer, reason);
              }});
      {
        std::lock_guard<std::mutex> lock(priv(self)->inputs.mutex);
        for (const LocalTrack &track : priv(self)->inputs.tracks) controller->add_track(track);
      }
      if (!controller->start()) return GST_STATE_CHANGE_FAILURE;
      std::lock_guard<std::mutex> lock(priv(self)->controller_mutex);
      priv(self)->controller = std::move(controller);
      break;
    }
    case GST_STATE_CHANGE_PAUSED_TO_READY: {
      std::unique_ptr<PeerController> controller;
      {
        std::lock_guard<std::mutex> lock(priv(self)->controller_mutex);
        controller = std::move(priv(self)->controller);
      }
      controller.reset();  // leaves, closes, removes the remotes
      break;
    }
    default:
      break;
  }
  return ret;
}

static void gst_ams_rtc_peer_set_property(GObject *object, guint id, const GValue *value,
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
    case PROP_TOKEN:
      p->settings.token = string_of();
      break;
    case PROP_CA_FILE:
      p->settings.ca_file = string_of();
      break;
    case PROP_VIDEO_CODEC:
      p->send.video_codec = static_cast<VideoCodec>(g_value_get_enum(value));
      break;
    case PROP_VIDEO_BITRATE:
      p->send.video_bitrate_kbps = g_value_get_uint(value);
      break;
    case PROP_LATENCY:
      p->settings.latency_ms = g_value_get_uint(value);
      break;
    case PROP_DATA_CHANNEL:
      p->settings.data_channel = g_value_get_boolean(value);
      break;
    case PROP_DECODE:
      p->settings.decode = g_value_get_boolean(value);
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

static void gst_ams_rtc_peer_get_property(GObject *object, guint id, GValue *value,
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
    case PROP_TOKEN:
      g_value_set_string(value, p->settings.token.c_str());
      break;
    case PROP_CA_FILE:
      g_value_set_string(value, p->settings.ca_file.c_str());
      break;
    case PROP_VIDEO_CODEC:
      g_value_set_enum(value, static_cast<gint>(p->send.video_codec));
      break;
    case PROP_VIDEO_BITRATE:
      g_value_set_uint(value, p->send.video_bitrate_kbps);
      break;
    case PROP_LATENCY:
      g_value_set_uint(value, p->settings.latency_ms);
      break;
    case PROP_DATA_CHANNEL:
      g_value_set_boolean(value, p->settings.data_channel);
      break;
    case PROP_DECODE:
      g_value_set_boolean(value, p->settings.decode);
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

// Action signal "send-data": text to every connected peer's data channel.
static guint gst_ams_rtc_peer_send_data(GstAmsRtcPeer *self, const gchar *text) {
  std::lock_guard<std::mutex> lock(priv(self)->controller_mutex);
  if (!priv(self)->controller || text == nullptr) return 0;
  return priv(self)->controller->send_text(text);
}

// Action signal "restart-ice": an ICE restart with every peer.
static void gst_ams_rtc_peer_restart_ice(GstAmsRtcPeer *self) {
  std::lock_guard<std::mutex> lock(priv(self)->controller_mutex);
  if (priv(self)->controller) priv(self)->controller->restart_ice();
}

static void gst_ams_rtc_peer_finalize(GObject *object) {
  delete GST_AMS_RTC_PEER(object)->priv;
  G_OBJECT_CLASS(gst_ams_rtc_peer_parent_class)->finalize(object);
}

static void gst_ams_rtc_peer_init(GstAmsRtcPeer *self) {
  self->priv = new GstAmsRtcPeerPriv();
  self->priv->settings.server = kDefaultServer;
  GST_OBJECT_FLAG_SET(self, GST_ELEMENT_FLAG_SOURCE);
  amsrtc::plugin::prepare_dtls_certificate();
}

static void gst_ams_rtc_peer_class_init(GstAmsRtcPeerClass *klass) {
  GST_DEBUG_CATEGORY_INIT(amsrtc_peer_debug, "amsrtcpeer", 0, "amsrtc P2P call bin");
  auto *object_class = G_OBJECT_CLASS(klass);
  auto *element_class = GST_ELEMENT_CLASS(klass);
  object_class->set_property = gst_ams_rtc_peer_set_property;
  object_class->get_property = gst_ams_rtc_peer_get_property;
  object_class->finalize = gst_ams_rtc_peer_finalize;
  element_class->request_new_pad = gst_ams_rtc_peer_request_new_pad;
  element_class->release_pad = gst_ams_rtc_peer_release_pad;
  element_class->change_state = gst_ams_rtc_peer_change_state;

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
                          "P2P: the call to join (both peers use the same id). Mesh room: our own "
                          "id in the room. [A-Za-z0-9_.-]",
                          nullptr, flags));
  g_object_class_install_property(
      object_class, PROP_ROOM,
      g_param_spec_string("room", "Room",
                          "Join this mesh room instead of a P2P call: one WebRTC connection per "
                          "other member, src pads named after their stream ids",
                          nullptr, flags));
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
      object_class, PROP_VIDEO_CODEC,
      g_param_spec_enum("video-codec", "Video codec", "Codec for raw video input",
                        video_codec_get_type(), static_cast<gint>(VideoCodec::kH264), flags));
  g_object_class_install_property(
      object_class, PROP_VIDEO_BITRATE,
      g_param_spec_uint("video-bitrate", "Video bitrate", "Encoder bitrate for raw video (kbit/s)",
                        50, 50000, kDefaultVideoBitrate, flags));
  g_object_class_install_property(
      object_class, PROP_LATENCY,
      g_param_spec_uint("latency", "Latency", "Receive jitterbuffer latency (ms)", 0, 10000,
                        kDefaultLatency, flags));
  g_object_class_install_property(
      object_class, PROP_DATA_CHANNEL,
      g_param_spec_boolean("data-channel", "Data channel",
                           "Open the ordered data channel labelled with the stream id", TRUE,
                           flags));
  g_object_class_install_property(
      object_class, PROP_DECODE,
      g_param_spec_boolean("decode", "Decode",
                           "Decode remote tracks; FALSE gives depayloaded encoded output", TRUE,
                           flags));
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
                        "all, or relay to use TURN only", ice_policy_get_type(), 0, flags));

  /**
   * GstAmsRtcPeer::data-received:
   * @peer: the stream id of the peer that sent it
   * @text: the text message
   *
   * A text message arrived on a peer's data channel (from a streaming
   * thread: do not block).
   */
  signals[SIGNAL_DATA_RECEIVED] =
      g_signal_new("data-received", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, nullptr,
                   nullptr, nullptr, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  /**
   * GstAmsRtcPeer::send-data:
   * @text: the text to send
   *
   * Sends @text on the data channel of every peer whose channel is open
   * (the bus message amsrtc/data-channel-open says when). Returns how many
   * peers it was sent to.
   */
  signals[SIGNAL_SEND_DATA] =
      g_signal_new_class_handler("send-data", G_TYPE_FROM_CLASS(klass),
                                 static_cast<GSignalFlags>(G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION),
                                 G_CALLBACK(gst_ams_rtc_peer_send_data), nullptr, nullptr, nullptr,
                                 G_TYPE_UINT, 1, G_TYPE_STRING);
  /**
   * GstAmsRtcPeer::restart-ice:
   * @peer: the amsrtcpeer
   *
   * Restarts ICE with every peer, as RTCPeerConnection's restartIce() does:
   * new credentials, candidate checks from scratch, media kept on the old
   * path while it still works. For a network change the application
   * noticed. Posts amsrtc/ice-restart for each peer when it begins; nothing
   * happens with a peer whose first offer/answer exchange is not complete.
   */
  g_signal_new_class_handler("restart-ice", G_TYPE_FROM_CLASS(klass),
                             static_cast<GSignalFlags>(G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION),
                             G_CALLBACK(gst_ams_rtc_peer_restart_ice), nullptr, nullptr, nullptr,
                             G_TYPE_NONE, 0);

  gst_element_class_add_static_pad_template(element_class, &video_sink_template);
  gst_element_class_add_static_pad_template(element_class, &audio_sink_template);
  gst_element_class_add_static_pad_template(element_class, &video_src_template);
  gst_element_class_add_static_pad_template(element_class, &audio_src_template);
  gst_element_class_set_static_metadata(
      element_class, "Ant Media WebRTC P2P peer", "Source/Sink/Network/WebRTC",
      "One-to-one WebRTC call through an Ant Media Server compatible signaling server",
      "amsrtc developers");
  gst_type_mark_as_plugin_api(video_codec_get_type(), static_cast<GstPluginAPIFlags>(0));
  gst_type_mark_as_plugin_api(ice_policy_get_type(), static_cast<GstPluginAPIFlags>(0));
}
