// Pieces every amsrtc element shares: list properties, the ICE transport
// policy enum, and errors that carry the server's `definition`.
#pragma once

#include <gst/gst.h>

#include <string>
#include <vector>

namespace amsrtc::plugin {

// "a, b,c" -> {"a", "b", "c"}; and back with ",".
std::vector<std::string> split_list(const std::string &text);
std::string join_list(const std::vector<std::string> &items);

// GstAmsRtcIceTransportPolicy: 0 = all, 1 = relay.
GType ice_policy_get_type();

// Posts a RESOURCE error whose details are an `amsrtc-error` structure
// with the server's `definition` ("" when the error is not the server's).
void post_error_with_definition(GstElement *element, const std::string &text,
                                const std::string &debug, const std::string &definition);

// Starts generating GStreamer's process-wide DTLS certificate on a
// background thread, once per process. webrtcbin would otherwise generate
// it when the first connection needs it: 100-300 ms on the path to the
// first frame (../shared/NOTES.md). Elements call this when created.
void prepare_dtls_certificate();

}  // namespace amsrtc::plugin
