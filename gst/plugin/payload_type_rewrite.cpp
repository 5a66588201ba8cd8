#include "payload_type_rewrite.h"

#include <gst/rtp/rtp.h>

#include <atomic>
#include <string>

GST_DEBUG_CATEGORY_EXTERN(amsrtc_peer_debug);
#define GST_CAT_DEFAULT amsrtc_peer_debug

namespace amsrtc::plugin {

namespace {

struct Rewrite {
  std::vector<session::SdpMedia> offer;
  std::atomic<int> to{-1};  // the payload type to write; -1: leave packets alone
};

// The payload type the offer wants for the codec described by `caps`.
int wanted_payload_type(const Rewrite &rewrite, const GstCaps *caps) {
  const GstStructure *s = gst_caps_get_structure(caps, 0);
  const gchar *media = gst_structure_get_string(s, "media");
  const gchar *encoding = gst_structure_get_string(s, "encoding-name");
  gint clock_rate = 0;
  gst_structure_get_int(s, "clock-rate", &clock_rate);
  const gchar *profile = gst_structure_get_string(s, "profile-level-id");
  if (media == nullptr || encoding == nullptr) return -1;
  for (const session::SdpMedia &m : rewrite.offer) {
    if (m.kind != media || m.rejected) continue;
    const auto pt = session::offered_payload_type(m, encoding, static_cast<unsigned>(clock_rate),
                                                  profile != nullptr ? profile : "");
    if (pt) return static_cast<int>(*pt);
  }
  return -1;
}

gboolean set_payload_type(GstBuffer **buffer, guint, gpointer to) {
  *buffer = gst_buffer_make_writable(*buffer);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (gst_rtp_buffer_map(*buffer, GST_MAP_WRITE, &rtp)) {
    gst_rtp_buffer_set_payload_type(&rtp, static_cast<guint8>(GPOINTER_TO_INT(to)));
    gst_rtp_buffer_unmap(&rtp);
  }
  return TRUE;
}

GstPadProbeReturn rewrite_probe(GstPad *pad, GstPadProbeInfo *info, gpointer data) {
  auto *rewrite = static_cast<Rewrite *>(data);
  if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent *event = GST_PAD_PROBE_INFO_EVENT(info);
    if (GST_EVENT_TYPE(event) != GST_EVENT_CAPS) return GST_PAD_PROBE_OK;
    GstCaps *caps = nullptr;
    gst_event_parse_caps(event, &caps);
    const int to = wanted_payload_type(*rewrite, caps);
    gint ours = -1;
    gst_structure_get_int(gst_caps_get_structure(caps, 0), "payload", &ours);
    rewrite->to = (to >= 0 && to != ours) ? to : -1;
    if (rewrite->to < 0) return GST_PAD_PROBE_OK;
    GST_INFO_OBJECT(pad, "sending payload type %d as %d, as the remote offered", ours, to);
    GstCaps *rewritten = gst_caps_copy(caps);
    gst_caps_set_simple(rewritten, "payload", G_TYPE_INT, to, nullptr);
    gst_event_unref(event);
    GST_PAD_PROBE_INFO_DATA(info) = gst_event_new_caps(rewritten);
    gst_caps_unref(rewritten);
    return GST_PAD_PROBE_OK;
  }
  const int to = rewrite->to;
  if (to < 0) return GST_PAD_PROBE_OK;
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER(info);
    set_payload_type(&buffer, 0, GINT_TO_POINTER(to));
    GST_PAD_PROBE_INFO_DATA(info) = buffer;
  } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList *list = gst_buffer_list_make_writable(GST_PAD_PROBE_INFO_BUFFER_LIST(info));
    gst_buffer_list_foreach(list, set_payload_type, GINT_TO_POINTER(to));
    GST_PAD_PROBE_INFO_DATA(info) = list;
  }
  return GST_PAD_PROBE_OK;
}

// The branch takes whatever payload type the shared payloader uses and
// rewrites it, so it must not take part in the payloader's negotiation:
// webrtcbin would answer with the remote's payload type, which contradicts
// the other branches' and leaves the tee with no common caps.
GstPadProbeReturn isolate_caps_queries(GstPad *, GstPadProbeInfo *info, gpointer) {
  GstQuery *query = GST_PAD_PROBE_INFO_QUERY(info);
  if (GST_QUERY_TYPE(query) == GST_QUERY_CAPS) {
    GstCaps *filter = nullptr;
    gst_query_parse_caps(query, &filter);
    GstCaps *result = filter != nullptr ? gst_caps_ref(filter) : gst_caps_new_any();
    gst_query_set_caps_result(query, result);
    gst_caps_unref(result);
    return GST_PAD_PROBE_HANDLED;
  }
  if (GST_QUERY_TYPE(query) == GST_QUERY_ACCEPT_CAPS) {
    gst_query_set_accept_caps_result(query, TRUE);
    return GST_PAD_PROBE_HANDLED;
  }
  return GST_PAD_PROBE_OK;
}

}  // namespace

void follow_offered_payload_types(GstPad *pad, std::vector<session::SdpMedia> offer) {
  auto *rewrite = new Rewrite{std::move(offer)};
  gst_pad_add_probe(
      pad,
      static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST |
                                   GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
      rewrite_probe, rewrite, [](gpointer data) { delete static_cast<Rewrite *>(data); });
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM, isolate_caps_queries, nullptr,
                    nullptr);
}

}  // namespace amsrtc::plugin
