#include "data_channel.h"

namespace amsrtc::server::media {

namespace {

struct Watch {
  const MainContext *main;
  DataHandler handler;
};

void on_string(GstWebRTCDataChannel *, gchar *text, gpointer data) {
  auto *watch = static_cast<Watch *>(data);
  std::string copy = text != nullptr ? text : "";
  DataHandler handler = watch->handler;
  watch->main->post([handler, copy] { handler(copy, nullptr); });
}

void on_data(GstWebRTCDataChannel *, GBytes *bytes, gpointer data) {
  auto *watch = static_cast<Watch *>(data);
  if (bytes == nullptr) return;
  DataHandler handler = watch->handler;
  GBytes *ref = g_bytes_ref(bytes);
  watch->main->post([handler, ref] {
    handler(std::string(), ref);
    g_bytes_unref(ref);
  });
}

}  // namespace

void watch_data_channel(GstWebRTCDataChannel *channel, const MainContext &main,
                        DataHandler handler) {
  auto *watch = new Watch{&main, std::move(handler)};
  g_signal_connect(channel, "on-message-string", G_CALLBACK(on_string), watch);
  g_signal_connect(channel, "on-message-data", G_CALLBACK(on_data), watch);
  g_object_set_data_full(G_OBJECT(channel), "amsrtc-watch", watch,
                         [](gpointer data) { delete static_cast<Watch *>(data); });
}

void send_on_data_channel(GstWebRTCDataChannel *channel, const std::string &text, GBytes *data) {
  GstWebRTCDataChannelState state = GST_WEBRTC_DATA_CHANNEL_STATE_CLOSED;
  g_object_get(channel, "ready-state", &state, nullptr);
  if (state != GST_WEBRTC_DATA_CHANNEL_STATE_OPEN) return;
  if (data != nullptr) {
    g_signal_emit_by_name(channel, "send-data", data);
  } else {
    g_signal_emit_by_name(channel, "send-string", text.c_str());
  }
}

}  // namespace amsrtc::server::media
