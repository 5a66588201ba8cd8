// Watching a webrtcbin data channel from the media plane: its messages hop
// to the main context, where the SFU forwards them (PROTOCOL.md §3.9).
#pragma once

#include <gst/webrtc/webrtc.h>

#include <functional>
#include <string>

#include "main_context.h"

namespace amsrtc::server::media {

// A text message, or a binary one when `data` is set (then `text` is "").
using DataHandler = std::function<void(const std::string &text, GBytes *data)>;

// Calls `handler` on the main context for every message on `channel`.
// `handler` must check that its owner still exists (it may run after the
// owner stopped); the channel keeps it until the channel is finalized.
void watch_data_channel(GstWebRTCDataChannel *channel, const MainContext &main,
                        DataHandler handler);

// Sends on `channel` if it is open; a closed or failed channel drops it.
void send_on_data_channel(GstWebRTCDataChannel *channel, const std::string &text, GBytes *data);

}  // namespace amsrtc::server::media
