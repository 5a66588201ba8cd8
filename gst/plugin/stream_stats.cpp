#include "stream_stats.h"

#include <algorithm>
#include <gst/webrtc/webrtc.h>

#include <cstring>

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

bool is_video(const GstStructure *s) {
  const char *kind = gst_structure_get_string(s, "kind");
  return kind != nullptr && std::strcmp(kind, "video") == 0;
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
      result.bytes_sent += uint_field(s, "bytes-sent");
      result.packets_sent += uint_field(s, "packets-sent");
      result.nack_count += uint_field(s, "nack-count");
      result.pli_count += uint_field(s, "pli-count");
      result.fir_count += uint_field(s, "fir-count");
    } else if (type == GST_WEBRTC_STATS_REMOTE_INBOUND_RTP) {
      result.packets_lost += int_field(s, "packets-lost");
      if (!is_video(s)) continue;
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
