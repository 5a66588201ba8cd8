// Pieces every amsrtc element shares: list properties, the ICE transport
// policy enum, and errors that carry the server's `definition`.
#pragma once

#include <gst/gst.h>
#include <gst/webrtc/webrtc.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "signaling/client/signaling_client.h"

namespace amsrtc::plugin {

// "a, b,c" -> {"a", "b", "c"}; and back with ",".
std::vector<std::string> split_list(const std::string &text);
std::string join_list(const std::vector<std::string> &items);

// GstAmsRtcIceTransportPolicy: 0 = all, 1 = relay.
GType ice_policy_get_type();
// GstAmsRtcVideoCodec: the values of VideoCodec (media_chains.h).
GType video_codec_get_type();

// Posts a RESOURCE error whose details are an `amsrtc-error` structure
// with the server's `definition` ("" when the error is not the server's).
void post_error_with_definition(GstElement *element, const std::string &text,
                                const std::string &debug, const std::string &definition);

// Posts the element message `amsrtc/ice-restart` (peer, reason) that
// amsrtcpeer and amsrtcsignaller post when an ICE restart with `peer` begins.
void post_peer_ice_restart(GstElement *element, const std::string &peer,
                           const std::string &reason);

// An element's error: the sentence, what to change, the server's definition.
using ElementError = std::function<void(const std::string &text, const std::string &debug,
                                        const std::string &definition)>;

// How an element's signaling client treats a lost connection.
struct SignalingOptions {
  bool reconnect = true;      // false: a lost connection is an error
  unsigned max_attempts = 0;  // failed reconnects in a row before an error; 0: no limit
};

// Creates the element's signaling client into `slot` (under `slot_mutex`,
// before it starts, so the first callbacks can already send) and starts it.
// A server never reached is an error after 3 tries (about 2 s); one lost
// later is retried with backoff until it comes back (as `options` allow). False, after `error`
// said why, when `server` is not a WebSocket URI.
bool start_element_signaling(std::unique_ptr<client::SignalingClient> &slot, std::mutex &slot_mutex,
                             GstObject *owner, const std::string &server,
                             const std::string &ca_file,
                             std::function<void(bool reconnected)> on_connected,
                             std::function<void(const protocol::Message &)> on_message,
                             const ElementError &error, const SignalingOptions &options = {});

// Takes an element out of a running bin. Its state is locked first, so a
// state change of the bin on another thread can neither bring it back up
// nor find it half removed.
void remove_from_bin(GstBin *bin, GstElement *element);

// Requests a webrtcbin sink pad for a track of `kind` ("video" or "audio").
// A video track's transceiver gets do-nack: webrtcbin then offers RTX and
// keeps the packets it sent, so the receiver's NACKs are answered with
// retransmissions, as a browser's are. (Audio, like a browser's Opus, is not
// retransmitted.) The caller owns the returned pad.
GstPad *request_send_pad(GstElement *webrtc, const std::string &kind);

// Sends `text` on `channel` if it is open; true when sent.
bool send_text_if_open(GstWebRTCDataChannel *channel, const std::string &text);

// Starts generating GStreamer's process-wide DTLS certificate on a
// background thread, once per process. webrtcbin would otherwise generate
// it when the first connection needs it: 100-300 ms on the path to the
// first frame (../shared/NOTES.md). Elements call this when created.
void prepare_dtls_certificate();

}  // namespace amsrtc::plugin
