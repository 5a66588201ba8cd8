#include "nack.h"

#include <gst/rtp/rtp.h>
#include <gst/webrtc/webrtc.h>

#include "peer_session.h"

GST_DEBUG_CATEGORY_STATIC(amsrtc_nack_debug);
#define GST_CAT_DEFAULT amsrtc_nack_debug

namespace amsrtc::session {
namespace {

constexpr gint kRtcpBandwidthBytesPerSecond = 20000;

void init_debug() {
  static gsize done = 0;
  if (g_once_init_enter(&done)) {
    GST_DEBUG_CATEGORY_INIT(amsrtc_nack_debug, "amsrtcnack", 0, "amsrtc NACK set-up");
    g_once_init_leave(&done, 1);
  }
}

void on_new_transceiver(GstElement *, GstWebRTCRTPTransceiver *transceiver, gpointer) {
  GstWebRTCKind kind = GST_WEBRTC_KIND_UNKNOWN;
  g_object_get(transceiver, "kind", &kind, nullptr);
  if (kind == GST_WEBRTC_KIND_VIDEO) g_object_set(transceiver, "do-nack", TRUE, nullptr);
}

struct JitterbufferProbe {
  GstElement *rtpbin;  // not owned: the jitterbuffer lives inside it
  guint session_id;
};

// On the jitterbuffer's first packet: its payload type's negotiated caps
// decide do-retransmission (webrtcbin's own setting is the bundle's last
// transceiver's).
GstPadProbeReturn on_first_packet(GstPad *pad, GstPadProbeInfo *info, gpointer data) {
  auto *probe = static_cast<JitterbufferProbe *>(data);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (!gst_rtp_buffer_map(GST_PAD_PROBE_INFO_BUFFER(info), GST_MAP_READ, &rtp))
    return GST_PAD_PROBE_OK;
  const guint payload_type = gst_rtp_buffer_get_payload_type(&rtp);
  gst_rtp_buffer_unmap(&rtp);
  GstCaps *caps = nullptr;
  g_signal_emit_by_name(probe->rtpbin, "request-pt-map", probe->session_id, payload_type, &caps);
  const bool nack = nack_negotiated(caps);
  if (caps != nullptr) gst_caps_unref(caps);
  GstElement *jitterbuffer = gst_pad_get_parent_element(pad);
  if (jitterbuffer != nullptr) {
    GST_INFO_OBJECT(jitterbuffer, "payload type %u: %s", payload_type,
                    nack ? "NACK negotiated, lost packets are asked for" : "no NACK");
    g_object_set(jitterbuffer, "do-retransmission", nack, nullptr);
    gst_object_unref(jitterbuffer);
  }
  return GST_PAD_PROBE_REMOVE;
}

// Runs after webrtcbin's own handler (connected later).
void on_new_jitterbuffer(GstElement *rtpbin, GstElement *jitterbuffer, guint session_id, guint,
                         gpointer) {
  GstPad *sink = gst_element_get_static_pad(jitterbuffer, "sink");
  if (sink == nullptr) return;
  gst_pad_add_probe(sink, GST_PAD_PROBE_TYPE_BUFFER, on_first_packet,
                    new JitterbufferProbe{rtpbin, session_id},
                    [](gpointer data) { delete static_cast<JitterbufferProbe *>(data); });
  gst_object_unref(sink);
}

void on_rtpbin_element_added(GstBin *, GstElement *element, gpointer) {
  GstElementFactory *factory = gst_element_get_factory(element);
  if (factory == nullptr || !g_str_equal(GST_OBJECT_NAME(factory), "rtpsession")) return;
  g_object_set(element, "rtcp-rr-bandwidth", kRtcpBandwidthBytesPerSecond, "rtcp-rs-bandwidth",
               kRtcpBandwidthBytesPerSecond, nullptr);
  GST_DEBUG_OBJECT(element, "RTCP bandwidth fixed for timely feedback");
}

// Connects `handler` to `signal` of webrtcbin's rtpbin; without one (another
// webrtcbin version), warns that `otherwise` happens instead.
void connect_to_rtpbin(GstElement *webrtcbin, const char *signal, GCallback handler,
                       const char *otherwise) {
  GstElement *rtpbin = rtpbin_of(webrtcbin);
  if (rtpbin == nullptr) {
    GST_WARNING_OBJECT(webrtcbin, "no rtpbin inside: %s", otherwise);
    return;
  }
  g_signal_connect(rtpbin, signal, handler, nullptr);
  gst_object_unref(rtpbin);
}

}  // namespace

bool nack_negotiated(const GstCaps *caps) {
  gboolean nack = FALSE;
  if (caps != nullptr && !gst_caps_is_empty(caps))
    gst_structure_get_boolean(gst_caps_get_structure(caps, 0), "rtcp-fb-nack", &nack);
  return nack;
}

void make_rtcp_timely(GstElement *webrtcbin) {
  init_debug();
  // rtpbin adds a session element when webrtcbin sets up a transport, before
  // any packet; the bandwidths then also decide the first report's time.
  connect_to_rtpbin(webrtcbin, "element-added", G_CALLBACK(on_rtpbin_element_added),
                    "RTCP keeps its default timing");
}

void request_lost_packets(GstElement *webrtcbin) {
  init_debug();
  g_signal_connect(webrtcbin, "on-new-transceiver", G_CALLBACK(on_new_transceiver), nullptr);
  connect_to_rtpbin(webrtcbin, "new-jitterbuffer", G_CALLBACK(on_new_jitterbuffer),
                    "webrtcbin's own NACK settings stay");
}

}  // namespace amsrtc::session
