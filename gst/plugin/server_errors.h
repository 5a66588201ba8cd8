// What a server `error` means to a user of our elements: the sentence of a
// GStreamer error (what happened), its debug text (what to change) and the
// wire `definition`, which goes into the error's details so applications
// can match on it. Shared by every element that speaks the protocol.
#pragma once

#include <string>

#include "signaling/protocol/messages.h"

namespace amsrtc::plugin {

struct ServerErrorReport {
  bool fatal = true;  // false: harmless, log it and go on
  std::string text;
  std::string debug;
  std::string definition;
};

// `stream_id` and `room` are the element's own settings, named in the text.
ServerErrorReport describe_server_error(const protocol::Error &error, const std::string &stream_id,
                                        const std::string &room);

}  // namespace amsrtc::plugin
