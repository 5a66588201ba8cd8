#include "stream_properties.h"

namespace amsrtc::plugin {

void install_stream_properties(GObjectClass *klass, const char *stream_id_blurb,
                               const char *room_blurb) {
  constexpr auto flags = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                                  GST_PARAM_MUTABLE_READY);
  g_object_class_install_property(
      klass, kPropServer,
      g_param_spec_string("server", "Server",
                          "Signaling server: ws://host:port/app/websocket or wss://...",
                          kDefaultServer, flags));
  g_object_class_install_property(
      klass, kPropStreamId,
      g_param_spec_string("stream-id", "Stream id", stream_id_blurb, nullptr, flags));
  g_object_class_install_property(klass, kPropRoom,
                                  g_param_spec_string("room", "Room", room_blurb, nullptr, flags));
  g_object_class_install_property(
      klass, kPropToken,
      g_param_spec_string("token", "Token", "Access token (JWT) when the server requires one",
                          nullptr, flags));
  g_object_class_install_property(
      klass, kPropCaFile,
      g_param_spec_string("ca-file", "CA file",
                          "PEM file of extra CAs trusted for wss:// (system CAs always are)",
                          nullptr, flags));
  g_object_class_install_property(
      klass, kPropLocalAddresses,
      g_param_spec_string("local-addresses", "Local addresses",
                          "Comma-separated addresses ICE may use besides its own choice "
                          "(libnice skips loopback: set 127.0.0.1 when the server is on this "
                          "machine)",
                          nullptr, flags));
  g_object_class_install_property(
      klass, kPropStunServer,
      g_param_spec_string("stun-server", "STUN server", "stun:host:port", nullptr, flags));
  g_object_class_install_property(
      klass, kPropTurnServers,
      g_param_spec_string("turn-servers", "TURN servers",
                          "Comma-separated turn://user:password@host:port URIs", nullptr, flags));
  g_object_class_install_property(
      klass, kPropIceTransportPolicy,
      g_param_spec_enum("ice-transport-policy", "ICE transport policy",
                        "all, or relay to use TURN only", ice_policy_get_type(), 0, flags));
  g_object_class_install_property(
      klass, kPropReconnect,
      g_param_spec_boolean("reconnect", "Reconnect",
                           "When the signaling connection drops or the WebRTC connection fails, "
                           "connect again and restart the stream (with backoff); FALSE makes "
                           "either an error",
                           TRUE, flags));
  g_object_class_install_property(
      klass, kPropMaxReconnectAttempts,
      g_param_spec_uint("max-reconnect-attempts", "Max reconnect attempts",
                        "Failed attempts in a row before giving up with an error (0: no limit)", 0,
                        G_MAXUINT, 10, flags));
}

bool set_stream_property(StreamSettings &settings, guint id, const GValue *value) {
  auto string_of = [value] {
    const gchar *text = g_value_get_string(value);
    return std::string(text != nullptr ? text : "");
  };
  switch (id) {
    case kPropServer:
      settings.server = string_of();
      return true;
    case kPropStreamId:
      settings.stream_id = string_of();
      return true;
    case kPropRoom:
      settings.room = string_of();
      return true;
    case kPropToken:
      settings.token = string_of();
      return true;
    case kPropCaFile:
      settings.ca_file = string_of();
      return true;
    case kPropLocalAddresses:
      settings.ice.local_addresses = split_list(string_of());
      return true;
    case kPropStunServer:
      settings.ice.stun_server = string_of();
      return true;
    case kPropTurnServers:
      settings.ice.turn_servers = split_list(string_of());
      return true;
    case kPropIceTransportPolicy:
      settings.ice.relay_only = g_value_get_enum(value) == 1;
      return true;
    case kPropReconnect:
      settings.reconnect = g_value_get_boolean(value);
      return true;
    case kPropMaxReconnectAttempts:
      settings.max_reconnect_attempts = g_value_get_uint(value);
      return true;
    default:
      return false;
  }
}

bool get_stream_property(const StreamSettings &settings, guint id, GValue *value) {
  switch (id) {
    case kPropServer:
      g_value_set_string(value, settings.server.c_str());
      return true;
    case kPropStreamId:
      g_value_set_string(value, settings.stream_id.c_str());
      return true;
    case kPropRoom:
      g_value_set_string(value, settings.room.c_str());
      return true;
    case kPropToken:
      g_value_set_string(value, settings.token.c_str());
      return true;
    case kPropCaFile:
      g_value_set_string(value, settings.ca_file.c_str());
      return true;
    case kPropLocalAddresses:
      g_value_set_string(value, join_list(settings.ice.local_addresses).c_str());
      return true;
    case kPropStunServer:
      g_value_set_string(value, settings.ice.stun_server.c_str());
      return true;
    case kPropTurnServers:
      g_value_set_string(value, join_list(settings.ice.turn_servers).c_str());
      return true;
    case kPropIceTransportPolicy:
      g_value_set_enum(value, settings.ice.relay_only ? 1 : 0);
      return true;
    case kPropReconnect:
      g_value_set_boolean(value, settings.reconnect);
      return true;
    case kPropMaxReconnectAttempts:
      g_value_set_uint(value, settings.max_reconnect_attempts);
      return true;
    default:
      return false;
  }
}

}  // namespace amsrtc::plugin
