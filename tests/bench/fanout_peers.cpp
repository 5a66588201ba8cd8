#include "fanout_peers.h"

#include <gst/rtp/rtp.h>
#include <gst/webrtc/webrtc.h>

#include "encoded_clip.h"
#include "gst/session/element_stop.h"

namespace amsrtc::bench {

namespace {

// The camera is a clip encoded once and replayed at 30 fps (encoded_clip.h):
// ~2 Mbit/s of moving SMPTE bars, constrained baseline, a keyframe every 2 s.
constexpr const char *kClipSource =
    "appsrc name=camera is-live=true format=time "
    "caps=video/x-h264,stream-format=byte-stream,alignment=au,profile=constrained-baseline,"
    "width=1280,height=720,framerate=30/1 "
    "! clocksync ! h264parse";

std::string publisher_pipeline(const std::string &source) {
  return "webrtcbin name=webrtc bundle-policy=max-bundle " +
         (source.empty() ? kClipSource : source) +
         " ! rtph264pay name=pay config-interval=-1 aggregate-mode=zero-latency pt=96 "
         "! application/x-rtp,media=video,encoding-name=H264,payload=96,clock-rate=90000 "
         "! webrtc. ";
}

session::SessionCallbacks session_callbacks(const FanoutSignals &signals,
                                            std::atomic<bool> &failed) {
  return session::SessionCallbacks{
      signals.send_description, signals.send_candidate,
      [&failed](const std::string &error) {
        g_printerr("negotiation failed: %s\n", error.c_str());
        failed = true;
      },
      [&failed] { failed = true; }, nullptr};
}

session::IceSettings ice_on(const std::string &local_address) {
  session::IceSettings ice;
  ice.local_addresses = {local_address};
  return ice;
}

}  // namespace

FanoutPublisher::FanoutPublisher(FanoutSignals signals, const std::string &local_address,
                                 const std::string &source) {
  GError *error = nullptr;
  pipeline_ = gst_parse_launch(publisher_pipeline(source).c_str(), &error);
  if (pipeline_ == nullptr) {
    g_printerr("publisher pipeline: %s\n", error->message);
    g_clear_error(&error);
    failed_ = true;
    return;
  }
  if (source.empty()) {
    std::string clip_error;
    const std::vector<GstBuffer *> &clip = encoded_clip(&clip_error);
    if (clip.empty()) {
      g_printerr("publisher: %s\n", clip_error.c_str());
      failed_ = true;
      return;
    }
    GstElement *camera = gst_bin_get_by_name(GST_BIN(pipeline_), "camera");
    play_clip_in_loop(camera, clip);
    gst_object_unref(camera);
  }

  GstElement *webrtc = gst_bin_get_by_name(GST_BIN(pipeline_), "webrtc");
  // Send-only, as a camera is.
  GArray *transceivers = nullptr;
  g_signal_emit_by_name(webrtc, "get-transceivers", &transceivers);
  for (guint i = 0; transceivers != nullptr && i < transceivers->len; ++i) {
    g_object_set(g_array_index(transceivers, GstWebRTCRTPTransceiver *, i), "direction",
                 GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY, nullptr);
  }
  if (transceivers != nullptr) g_array_unref(transceivers);

  GstElement *pay = gst_bin_get_by_name(GST_BIN(pipeline_), "pay");
  GstPad *pay_src = gst_element_get_static_pad(pay, "src");
  // rtph264pay pushes buffer lists when it fragments a frame.
  gst_pad_add_probe(
      pay_src, static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
      [](GstPad *, GstPadProbeInfo *info, gpointer self) {
        auto &sent = static_cast<FanoutPublisher *>(self)->sent_bytes_;
        if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
          gst_buffer_list_foreach(
              GST_PAD_PROBE_INFO_BUFFER_LIST(info),
              [](GstBuffer **buffer, guint, gpointer sent_ptr) -> gboolean {
                *static_cast<std::atomic<uint64_t> *>(sent_ptr) += gst_buffer_get_size(*buffer);
                return TRUE;
              },
              &sent);
        } else {
          sent += gst_buffer_get_size(GST_PAD_PROBE_INFO_BUFFER(info));
        }
        return GST_PAD_PROBE_OK;
      },
      this, nullptr);
  gst_object_unref(pay_src);
  gst_object_unref(pay);

  session_ = std::make_unique<session::PeerSession>(webrtc, ice_on(local_address),
                                                    session_callbacks(signals, failed_));
  gst_object_unref(webrtc);
}

FanoutPublisher::~FanoutPublisher() {
  if (pipeline_ == nullptr) return;
  session::stop_element_and_children(pipeline_);  // webrtcbin's SCTP elements too
  session_.reset();
  gst_object_unref(pipeline_);
}

bool FanoutPublisher::start() {
  return pipeline_ != nullptr && session_ != nullptr &&
         gst_element_set_state(pipeline_, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE;
}

RtpCountingReceiver::RtpCountingReceiver(FanoutSignals signals,
                                         const std::string &local_address) {
  pipeline_ = gst_pipeline_new(nullptr);
  webrtc_ = gst_element_factory_make("webrtcbin", nullptr);
  g_object_set(webrtc_, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, nullptr);
  gst_bin_add(GST_BIN(pipeline_), webrtc_);
  // The answer offers NACK, as a browser's does, so a server keeps for each
  // player what it would keep for a browser. No NACK is ever sent, though:
  // the packets stop before the jitterbuffer that would ask (below).
  g_signal_connect(webrtc_, "on-new-transceiver",
                   G_CALLBACK(+[](GstElement *, GstWebRTCRTPTransceiver *transceiver) {
                     g_object_set(transceiver, "do-nack", TRUE, nullptr);
                   }),
                   nullptr);
  // Count where a packet enters the jitterbuffer, and drop it there. By then
  // it has come through ICE, DTLS-SRTP (decrypted and authenticated) and the
  // RTP session, which sends the receiver reports a browser would. Skipping
  // the jitterbuffer (two threads per player) took this process from 115 to
  // 72 % of a core at 100 players, on the two cores the server needs too.
  GstElement *rtpbin = gst_bin_get_by_name(GST_BIN(webrtc_), "rtpbin");
  if (rtpbin == nullptr) {
    g_printerr("player: webrtcbin has no child named rtpbin\n");
    failed_ = true;
  } else {
    g_signal_connect(rtpbin, "new-jitterbuffer", G_CALLBACK(on_new_jitterbuffer), this);
    gst_object_unref(rtpbin);
  }
  session_ = std::make_unique<session::PeerSession>(webrtc_, ice_on(local_address),
                                                    session_callbacks(signals, failed_));
}

RtpCountingReceiver::~RtpCountingReceiver() {
  session::stop_element_and_children(pipeline_);  // webrtcbin's SCTP elements too
  session_.reset();
  gst_object_unref(pipeline_);
}

bool RtpCountingReceiver::start() {
  return gst_element_set_state(pipeline_, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE;
}

RtpCounts RtpCountingReceiver::counts() const {
  RtpCounts counts;
  counts.packets = packets_;
  counts.bytes = bytes_;
  const int64_t first = first_seq_, newest = newest_seq_;
  counts.expected = first < 0 ? 0 : static_cast<uint64_t>(newest - first + 1);
  return counts;
}

// On the streaming thread, when a remote SSRC's first packet arrives.
void RtpCountingReceiver::on_new_jitterbuffer(GstElement *, GstElement *jitterbuffer, guint,
                                              guint, gpointer self) {
  GstPad *sink_pad = gst_element_get_static_pad(jitterbuffer, "sink");
  gst_pad_add_probe(sink_pad, GST_PAD_PROBE_TYPE_BUFFER, count_packet, self, nullptr);
  gst_object_unref(sink_pad);
}

GstPadProbeReturn RtpCountingReceiver::count_packet(GstPad *, GstPadProbeInfo *info,
                                                    gpointer self_ptr) {
  auto *self = static_cast<RtpCountingReceiver *>(self_ptr);
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER(info);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (!gst_rtp_buffer_map(buffer, GST_MAP_READ, &rtp)) return GST_PAD_PROBE_DROP;
  const uint16_t seq = gst_rtp_buffer_get_seq(&rtp);
  gst_rtp_buffer_unmap(&rtp);
  self->bytes_ += gst_buffer_get_size(buffer);
  ++self->packets_;
  const int64_t newest = self->newest_seq_;
  if (newest < 0) {
    self->first_seq_ = seq;
    self->newest_seq_ = seq;
  } else {
    // Extend the 16-bit number: forward steps only (a packet that arrives
    // late, out of order, counts as received, not as a new maximum).
    const auto step = static_cast<int16_t>(seq - static_cast<uint16_t>(newest & 0xffff));
    if (step > 0) self->newest_seq_ = newest + step;
  }
  return GST_PAD_PROBE_DROP;
}

}  // namespace amsrtc::bench
