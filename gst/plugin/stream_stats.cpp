#include "stream_stats.h"

#include <gst/rtp/gstrtcpbuffer.h>
#include <gst/webrtc/webrtc.h>

#include <algorithm>

#include "gst/session/peer_session.h"

namespace amsrtc::plugin {
namespace {

uint64_t uint_field(const GstStructure *s, const char *name) {
  guint64 value64 = 0;
  if (gst_structure_get_uint64(s, name, &value64)) return value64;
  guint value = 0;
  if (gst_structure_get_uint(s, name, &value)) return value;
  return 0;
}

int64_t int_field(const GstStructure *s, const char *name) {
  gint64 value64 = 0;
  if (gst_structure_get_int64(s, name, &value64)) return value64;
  gint value = 0;
  if (gst_structure_get_int(s, name, &value)) return value;
  return 0;
}

// webrtcbin 1.22 labels every stream of a bundled transport with one kind
// ("audio"), so video is told by its sender's 90 kHz clock rate.
bool is_video_sender(const GstStructure *outbound) {
  const GValue *source = gst_structure_get_value(outbound, "gst-rtpsource-stats");
  if (source == nullptr || !GST_VALUE_HOLDS_STRUCTURE(source)) return false;
  gint clock_rate = 0;
  return gst_structure_get_int(gst_value_get_structure(source), "clock-rate", &clock_rate) &&
         clock_rate == 90000;
}

}  // namespace

SendStats read_send_stats(const GstStructure *stats) {
  SendStats result;
  if (stats == nullptr) return result;
  const int n = gst_structure_n_fields(stats);
  for (int i = 0; i < n; ++i) {
    const GValue *value = gst_structure_get_value(stats, gst_structure_nth_field_name(stats, i));
    if (!GST_VALUE_HOLDS_STRUCTURE(value)) continue;
    const GstStructure *s = gst_value_get_structure(value);
    GstWebRTCStatsType type;
    if (!gst_structure_get(s, "type", GST_TYPE_WEBRTC_STATS_TYPE, &type, nullptr)) continue;
    if (type == GST_WEBRTC_STATS_OUTBOUND_RTP) {
      guint ssrc = 0;
      if (is_video_sender(s) && gst_structure_get_uint(s, "ssrc", &ssrc)) {
        result.video_ssrc = ssrc;
        result.video_packets_sent = uint_field(s, "packets-sent");
      }
      result.bytes_sent += uint_field(s, "bytes-sent");
      result.packets_sent += uint_field(s, "packets-sent");
      result.nack_count += uint_field(s, "nack-count");
      result.pli_count += uint_field(s, "pli-count");
      result.fir_count += uint_field(s, "fir-count");
    } else if (type == GST_WEBRTC_STATS_REMOTE_INBOUND_RTP) {
      // One of our streams (see ReceiverReports): its loss is not
      // necessarily video's, but the round trip is the transport's.
      result.packets_lost += int_field(s, "packets-lost");
      double fraction = 0, rtt = 0;
      if (gst_structure_get_double(s, "fraction-lost", &fraction)) {
        result.fraction_lost = fraction;
        result.have_receiver_report = true;
      }
      if (gst_structure_get_double(s, "round-trip-time", &rtt)) result.round_trip_ms = rtt * 1000;
    }
  }
  return result;
}

ReceiverFeedback::ReceiverFeedback() : feedback_(std::make_shared<Feedback>()) {}

ReceiverFeedback::~ReceiverFeedback() {
  if (session_ == nullptr) return;
  g_signal_handler_disconnect(session_, handler_);
  g_object_unref(session_);
}

bool ReceiverFeedback::listen(GstElement *webrtc) {
  if (session_ != nullptr) return true;
  GstElement *rtpbin = session::rtpbin_of(webrtc);
  if (rtpbin == nullptr) return false;
  // Session 0: the one bundled transport (bundle-policy max-bundle).
  g_signal_emit_by_name(rtpbin, "get-internal-session", 0u, &session_);
  gst_object_unref(rtpbin);
  if (session_ == nullptr) return false;
  // The handler holds its own reference to the feedback: an emission
  // running while this object is destroyed still writes to live memory.
  handler_ = g_signal_connect_data(
      session_, "on-receiving-rtcp", G_CALLBACK(on_rtcp), new std::shared_ptr<Feedback>(feedback_),
      [](gpointer data, GClosure *) { delete static_cast<std::shared_ptr<Feedback> *>(data); },
      G_CONNECT_AFTER);
  return true;
}

std::optional<ReceiverFeedback::Stream> ReceiverFeedback::about(uint32_t ssrc) const {
  std::lock_guard<std::mutex> lock(feedback_->mutex);
  auto it = feedback_->by_ssrc.find(ssrc);
  if (it == feedback_->by_ssrc.end()) return std::nullopt;
  return it->second;
}

void ReceiverFeedback::read_rtcp(GstBuffer *buffer) { read(*feedback_, buffer); }

// On the RTCP receiving thread.
void ReceiverFeedback::on_rtcp(GObject *, GstBuffer *buffer, gpointer feedback) {
  read(**static_cast<std::shared_ptr<Feedback> *>(feedback), buffer);
}

void ReceiverFeedback::read(Feedback &feedback, GstBuffer *buffer) {
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  if (!gst_rtcp_buffer_map(buffer, GST_MAP_READ, &rtcp)) return;
  std::lock_guard<std::mutex> lock(feedback.mutex);
  GstRTCPPacket packet;
  for (gboolean more = gst_rtcp_buffer_get_first_packet(&rtcp, &packet); more;
       more = gst_rtcp_packet_move_to_next(&packet)) {
    const GstRTCPType type = gst_rtcp_packet_get_type(&packet);
    if (type == GST_RTCP_TYPE_SR || type == GST_RTCP_TYPE_RR) {
      for (guint i = 0; i < gst_rtcp_packet_get_rb_count(&packet); ++i) {
        guint32 ssrc = 0, highest = 0, jitter = 0, lsr = 0, dlsr = 0;
        guint8 fraction = 0;
        gint32 lost = 0;
        gst_rtcp_packet_get_rb(&packet, i, &ssrc, &fraction, &lost, &highest, &jitter, &lsr, &dlsr);
        Stream &stream = feedback.by_ssrc[ssrc];
        stream.fraction_lost = fraction / 256.0;
        ++stream.report_blocks;
      }
    } else if (type == GST_RTCP_TYPE_RTPFB &&
               gst_rtcp_packet_fb_get_type(&packet) == GST_RTCP_RTPFB_TYPE_NACK) {
      // Each FCI entry: a lost sequence number and a bitmask of the 16 after it.
      const guint32 ssrc = gst_rtcp_packet_fb_get_media_ssrc(&packet);
      const guint8 *fci = gst_rtcp_packet_fb_get_fci(&packet);
      const guint words = gst_rtcp_packet_fb_get_fci_length(&packet);
      if (fci == nullptr || words == 0) continue;
      Stream &stream = feedback.by_ssrc[ssrc];
      std::set<uint16_t> &seen = feedback.recently_nacked[ssrc];
      uint16_t newest = 0;
      for (guint w = 0; w < words; ++w) {
        const uint16_t first = GST_READ_UINT16_BE(fci + 4 * w);
        const uint16_t mask = GST_READ_UINT16_BE(fci + 4 * w + 2);
        for (int bit = -1; bit < 16; ++bit) {
          if (bit >= 0 && !(mask & (1u << bit))) continue;
          const auto seq = static_cast<uint16_t>(first + bit + 1);
          if (seen.insert(seq).second) ++stream.packets_nacked;
        }
        newest = first;
      }
      // Forget what is far from the newest: sequence numbers wrap at 65536.
      for (auto it = seen.begin(); it != seen.end();) {
        const auto distance = static_cast<uint16_t>(newest - *it);
        it = distance > 4096 && distance < 65536 - 4096 ? seen.erase(it) : std::next(it);
      }
    }
  }
  gst_rtcp_buffer_unmap(&rtcp);
}

std::optional<double> LossMeter::update(const ReceiverFeedback::Stream &stream,
                                        uint64_t packets_sent) {
  if (!started_) {
    started_ = true;
    report_blocks_ = stream.report_blocks;
    nacked_ = stream.packets_nacked;
    sent_ = packets_sent;
    return std::nullopt;
  }
  if (stream.report_blocks != report_blocks_) {
    // The receiver's own measure, over its report interval.
    report_blocks_ = stream.report_blocks;
    nacked_ = stream.packets_nacked;
    sent_ = packets_sent;
    last_ = stream.fraction_lost;
    return last_;
  }
  if (packets_sent < sent_ + kMinPackets) return std::nullopt;
  const double fraction =
      std::min(1.0, static_cast<double>(stream.packets_nacked - nacked_) / (packets_sent - sent_));
  nacked_ = stream.packets_nacked;
  sent_ = packets_sent;
  last_ = fraction;
  return fraction;
}

void BitrateAdapter::set_ceiling(unsigned kbps) {
  ceiling_kbps_ = std::max(kbps, kFloorKbps);
  current_kbps_ = ceiling_kbps_;
}

unsigned BitrateAdapter::update(double fraction_lost) {
  double next = current_kbps_;
  if (fraction_lost > 0.10) {
    next = current_kbps_ * (1.0 - 0.5 * fraction_lost);
  } else if (fraction_lost < 0.02) {
    next = current_kbps_ * 1.08;
  }
  current_kbps_ = std::clamp(static_cast<unsigned>(next), kFloorKbps, ceiling_kbps_);
  return current_kbps_;
}

}  // namespace amsrtc::plugin
