#include "element_common.h"

#include "media_chains.h"

#include <sstream>

#include "gst/session/element_stop.h"

namespace amsrtc::plugin {

std::vector<std::string> split_list(const std::string &text) {
  std::vector<std::string> items;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) {
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (!item.empty()) items.push_back(item);
  }
  return items;
}

std::string join_list(const std::vector<std::string> &items) {
  std::string text;
  for (const auto &item : items) text += (text.empty() ? "" : ",") + item;
  return text;
}

GType ice_policy_get_type() {
  static GType type = 0;
  if (g_once_init_enter(&type)) {
    static const GEnumValue values[] = {{0, "Use every candidate", "all"},
                                        {1, "Use TURN relay candidates only", "relay"},
                                        {0, nullptr, nullptr}};
    g_once_init_leave(&type, g_enum_register_static("GstAmsRtcIceTransportPolicy", values));
  }
  return type;
}

GType video_codec_get_type() {
  static GType type = 0;
  if (g_once_init_enter(&type)) {
    static const GEnumValue values[] = {
        {static_cast<gint>(VideoCodec::kH264), "H.264 constrained baseline", "h264"},
        {static_cast<gint>(VideoCodec::kVP8), "VP8", "vp8"},
        {static_cast<gint>(VideoCodec::kVP9), "VP9", "vp9"},
        {0, nullptr, nullptr}};
    g_once_init_leave(&type, g_enum_register_static("GstAmsRtcVideoCodec", values));
  }
  return type;
}

void post_error_with_definition(GstElement *element, const std::string &text,
                                const std::string &debug, const std::string &definition) {
  GST_ERROR_OBJECT(element, "%s (%s)", text.c_str(), debug.c_str());
  GstStructure *details =
      gst_structure_new("amsrtc-error", "definition", G_TYPE_STRING, definition.c_str(), nullptr);
  gst_element_message_full_with_details(
      element, GST_MESSAGE_ERROR, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ_WRITE,
      g_strdup(text.c_str()), g_strdup(debug.c_str()), __FILE__, GST_FUNCTION, __LINE__, details);
}

void post_peer_ice_restart(GstElement *element, const std::string &peer,
                           const std::string &reason) {
  gst_element_post_message(
      element, gst_message_new_element(
                   GST_OBJECT(element),
                   gst_structure_new("amsrtc/ice-restart", "peer", G_TYPE_STRING, peer.c_str(),
                                     "reason", G_TYPE_STRING, reason.c_str(), nullptr)));
}

bool start_element_signaling(std::unique_ptr<client::SignalingClient> &slot, std::mutex &slot_mutex,
                             GstObject *owner, const std::string &server,
                             const std::string &ca_file,
                             std::function<void(bool reconnected)> on_connected,
                             std::function<void(const protocol::Message &)> on_message,
                             const ElementError &error, const SignalingOptions &options) {
  client::ClientConfig config;
  config.uri = server;
  config.ca_file = ca_file;
  config.max_initial_attempts = 3;
  config.reconnect = options.reconnect;
  if (options.max_attempts != 0) {
    config.max_attempts = static_cast<int>(options.max_attempts);
  }
  auto client = std::make_unique<client::SignalingClient>(
      config, client::ClientCallbacks{std::move(on_connected), std::move(on_message),
                                      [owner](const std::string &reason) {
                                        GST_WARNING_OBJECT(
                                            owner, "signaling connection lost: %s; reconnecting",
                                            reason.c_str());
                                      },
                                      [error, options](const std::string &why) {
                                        error(options.reconnect
                                                  ? "Could not connect to the signaling server."
                                                  : "Lost the signaling server.",
                                              why + (options.reconnect
                                                         ? " (check the server property)"
                                                         : " (set reconnect=true to reconnect "
                                                           "automatically)"),
                                              "");
                                      }});
  client::SignalingClient *started = client.get();
  {
    std::lock_guard<std::mutex> lock(slot_mutex);
    slot = std::move(client);
  }
  if (started->start()) return true;
  error("The signaling server URI is not a WebSocket URI.",
        "server=" + server + ": use ws://host:port/app/websocket or wss://...", "");
  std::lock_guard<std::mutex> lock(slot_mutex);
  slot.reset();
  return false;
}

void remove_from_bin(GstBin *bin, GstElement *element) {
  gst_element_set_locked_state(element, TRUE);
  session::stop_element_and_children(element);
  gst_bin_remove(bin, element);
}

bool send_text_if_open(GstWebRTCDataChannel *channel, const std::string &text) {
  GstWebRTCDataChannelState state = GST_WEBRTC_DATA_CHANNEL_STATE_CLOSED;
  g_object_get(channel, "ready-state", &state, nullptr);
  if (state != GST_WEBRTC_DATA_CHANNEL_STATE_OPEN) return false;
  g_signal_emit_by_name(channel, "send-string", text.c_str());
  return true;
}

void prepare_dtls_certificate() {
  static gsize started = 0;
  if (!g_once_init_enter(&started)) return;
  // dtlsdec (which webrtcbin uses) creates the shared certificate in its
  // constructor and keeps it for every later DTLS transport.
  GThread *thread = g_thread_new(
      "amsrtc-dtls-cert",
      [](gpointer) -> gpointer {
        GstElement *dtls = gst_element_factory_make("dtlsdec", nullptr);
        if (dtls != nullptr) gst_object_unref(dtls);
        return nullptr;
      },
      nullptr);
  g_thread_unref(thread);
  g_once_init_leave(&started, 1);
}

GstPad *request_send_pad(GstElement *webrtc, const std::string &kind) {
  GstPad *pad = gst_element_request_pad_simple(webrtc, "sink_%u");
  GstWebRTCRTPTransceiver *transceiver = nullptr;
  if (pad != nullptr) g_object_get(pad, "transceiver", &transceiver, nullptr);
  if (transceiver != nullptr) {
    g_object_set(transceiver, "do-nack", kind == "video", nullptr);
    gst_object_unref(transceiver);
  }
  return pad;
}

}  // namespace amsrtc::plugin
