// The application's input pads of the sending elements (amsrtcpeer,
// amsrtcsink): a request pad video_N / audio_N whose caps choose the send
// chain (raw input is encoded on a thread of its own, encoded input only
// parsed and payloaded on the upstream thread), ending in a tee that the
// element's controller branches from, once per WebRTC connection.
//
//   video_0 (ghost) -> identity "input_video_0" -> [queue ! encoder ! payloader] -> tee "tee_video_0"
//                                                  [parser ! payloader]
#pragma once

#include <gst/gst.h>

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "media_chains.h"

namespace amsrtc::plugin {

struct LocalTrack {
  std::string kind;  // "video" or "audio"
  GstElement *tee;   // in the bin; controllers link a branch per connection
};

// Adds the input point, the tee and the ghost sink pad `name` (from `templ`) to
// `element`, a bin. The send chain is built when the input's caps arrive,
// with the settings `send_settings` returns then; an input we cannot send
// posts a STREAM FORMAT error naming its caps. Returns the pad (added to the
// element) and fills `track`.
GstPad *add_input_track(GstElement *element, GstPadTemplate *templ, const std::string &name,
                        std::function<SendSettings()> send_settings, LocalTrack &track);

// A sending element's inputs: the tracks requested so far and the next
// index of each kind. `mutex` also guards what the element keeps beside them.
struct InputTracks {
  std::mutex mutex;
  std::vector<LocalTrack> tracks;
  guint next_video = 0;
  guint next_audio = 0;
};

// A request for a pad of `templ` (video_%u or audio_%u): adds the next
// input of that kind (add_input_track) and records it in `inputs`. Returns
// the pad and fills `track`.
GstPad *request_input_track(GstElement *element, GstPadTemplate *templ, InputTracks &inputs,
                            std::function<SendSettings()> send_settings, LocalTrack &track);

}  // namespace amsrtc::plugin
