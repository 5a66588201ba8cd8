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

}  // namespace amsrtc::plugin
