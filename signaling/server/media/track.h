// One track a publisher sends to the SFU: webrtcbin's src pad -> (video: a
// frame batcher, frame_batcher.h) -> tee, from
// which every player's branch takes the RTP packets as they are (never
// decoded). Created on the main context when the track's first packet has
// passed, so its caps are known.
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <cstdint>
#include <string>

namespace amsrtc::server::media {

struct Track {
  std::string kind;  // "audio" or "video"
  std::string encoding;  // "VP8", "H264", "opus", ...
  GstElement *tee = nullptr;  // owned by the pipeline; the ref below keeps it
  GstElement *batcher = nullptr;  // video only; held as tee is
  GstCaps *caps = nullptr;    // the RTP caps the publisher's packets carry (owned)
  // The codec as the publisher's offer described it (fmtp included, which
  // webrtcbin leaves out of the receiving pad's caps). Owned; may be null.
  GstCaps *offered_caps = nullptr;

  // Written by the streaming thread, read on the main context (getStreamInfo).
  std::atomic<uint64_t> bytes{0};
  std::atomic<int> width{0};
  std::atomic<int> height{0};

  Track() = default;
  Track(const Track &) = delete;
  Track &operator=(const Track &) = delete;
  ~Track() {
    if (caps != nullptr) gst_caps_unref(caps);
    if (offered_caps != nullptr) gst_caps_unref(offered_caps);
    if (tee != nullptr) gst_object_unref(tee);
    if (batcher != nullptr) gst_object_unref(batcher);
  }
};

}  // namespace amsrtc::server::media
