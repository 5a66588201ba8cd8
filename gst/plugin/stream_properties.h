// The properties amsrtcsink and amsrtcsrc share (server, stream, room,
// token, ICE, reconnection), installed, set and read in one place so that
// both elements describe them the same way in gst-inspect-1.0.
#pragma once

#include <gst/gst.h>

#include "stream_controller.h"

namespace amsrtc::plugin {

// Property ids 1..kStreamPropertyCount; an element's own start after.
enum StreamProperty : guint {
  kPropServer = 1,
  kPropStreamId,
  kPropRoom,
  kPropToken,
  kPropCaFile,
  kPropLocalAddresses,
  kPropStunServer,
  kPropTurnServers,
  kPropIceTransportPolicy,
  kPropReconnect,
  kPropMaxReconnectAttempts,
  kStreamPropertyCount = kPropMaxReconnectAttempts,
};

inline constexpr const char *kDefaultServer = "ws://127.0.0.1:5080/WebRTCAppEE/websocket";

// `stream_id_blurb` and `room_blurb` say what the two mean for this element.
void install_stream_properties(GObjectClass *klass, const char *stream_id_blurb,
                               const char *room_blurb);
// True when `id` is one of them (and was handled).
bool set_stream_property(StreamSettings &settings, guint id, const GValue *value);
bool get_stream_property(const StreamSettings &settings, guint id, GValue *value);

}  // namespace amsrtc::plugin
