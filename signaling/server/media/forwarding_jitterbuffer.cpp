#include "forwarding_jitterbuffer.h"

#include <gst/rtp/rtp.h>

#include <mutex>

#include "gst/session/nack.h"
#include "retransmission_tracker.h"

GST_DEBUG_CATEGORY_EXTERN(amsrtc_sfu_debug);
#define GST_CAT_DEFAULT amsrtc_sfu_debug

using amsrtc::server::media::RetransmissionTracker;

// A GObject type private to the server, like the frame batcher: created with
// g_object_new, never through a factory.
struct AmsrtcForwardingJitterbuffer {
  GstElement parent;
  GstPad *sinkpad;
  GstPad *srcpad;
  // The tracker and the properties; the chain function runs on the
  // receiving thread, "stats" is read from any thread.
  std::mutex *mutex;
  RetransmissionTracker *tracker;
  guint latency_ms;
  gboolean do_retransmission;
  // Whether the current payload type was negotiated with NACK feedback
  // (asked of rtpbin, so of webrtcbin, when the payload type changes).
  gint payload_type;  // -1: none yet
  bool nack_negotiated;
  guint64 requests_sent;  // under mutex
};

struct AmsrtcForwardingJitterbufferClass {
  GstElementClass parent_class;
};

G_DEFINE_TYPE(AmsrtcForwardingJitterbuffer, amsrtc_forwarding_jitterbuffer, GST_TYPE_ELEMENT)

namespace {

enum { kPropLatency = 1, kPropDoRetransmission, kPropStats };
enum { kSignalRequestPtMap, kSignalCount };
guint signals[kSignalCount];

GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
                                                             GST_STATIC_CAPS("application/x-rtp"));
GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS,
                                                            GST_STATIC_CAPS("application/x-rtp"));
// rtpbin links the session's sender reports here, for lip sync.
GstStaticPadTemplate rtcp_template = GST_STATIC_PAD_TEMPLATE(
    "sink_rtcp", GST_PAD_SINK, GST_PAD_REQUEST, GST_STATIC_CAPS("application/x-rtcp"));

AmsrtcForwardingJitterbuffer *self_of(gpointer object) {
  return reinterpret_cast<AmsrtcForwardingJitterbuffer *>(object);
}

GstClockTime running_time_now(GstElement *element) {
  GstClock *clock = gst_element_get_clock(element);
  if (clock == nullptr) return GST_CLOCK_TIME_NONE;
  const GstClockTime now = gst_clock_get_time(clock);
  gst_object_unref(clock);
  const GstClockTime base = gst_element_get_base_time(element);
  return now > base ? now - base : 0;
}

// The event rtpjitterbuffer sends for a missing packet; rtpbin's session
// answers it with an RTCP NACK (it reads ssrc, seqnum, deadline, avg-rtt),
// and rtprtxreceive on the way learns which retransmission to expect.
GstEvent *retransmission_request(guint32 ssrc, guint16 seqnum, GstClockTime running_time,
                                 guint deadline_ms, guint round_trip_ms) {
  return gst_event_new_custom(
      GST_EVENT_CUSTOM_UPSTREAM,
      gst_structure_new("GstRTPRetransmissionRequest", "seqnum", G_TYPE_UINT, guint{seqnum}, "ssrc",
                        G_TYPE_UINT, ssrc, "running-time", G_TYPE_UINT64, running_time, "delay",
                        G_TYPE_UINT, 0u, "deadline", G_TYPE_UINT, deadline_ms, "avg-rtt",
                        G_TYPE_UINT, round_trip_ms, nullptr));
}

// Asks rtpbin (which asks webrtcbin) for the payload type's caps: they say
// whether the answer negotiated NACK feedback for it ("rtcp-fb-nack").
// On the streaming thread, like every chain call.
void learn_payload_type(AmsrtcForwardingJitterbuffer *self, guint8 payload_type) {
  GstCaps *caps = nullptr;
  g_signal_emit(self, signals[kSignalRequestPtMap], 0, guint{payload_type}, &caps);
  const bool nack = amsrtc::session::nack_negotiated(caps);
  GST_INFO_OBJECT(self, "payload type %u: %s", payload_type,
                  nack ? "NACK negotiated, missing packets are asked for" : "no NACK");
  if (caps != nullptr) gst_caps_unref(caps);
  self->payload_type = payload_type;
  self->nack_negotiated = nack;
}

GstFlowReturn chain(GstPad *, GstObject *parent, GstBuffer *buffer) {
  AmsrtcForwardingJitterbuffer *self = self_of(parent);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (!gst_rtp_buffer_map(buffer, GST_MAP_READ, &rtp)) {
    GST_WARNING_OBJECT(self, "dropping a buffer that is not RTP");
    gst_buffer_unref(buffer);
    return GST_FLOW_OK;
  }
  const guint16 seqnum = gst_rtp_buffer_get_seq(&rtp);
  const guint32 ssrc = gst_rtp_buffer_get_ssrc(&rtp);
  const guint8 payload_type = gst_rtp_buffer_get_payload_type(&rtp);
  gst_rtp_buffer_unmap(&rtp);
  if (payload_type != self->payload_type) learn_payload_type(self, payload_type);
  const bool retransmitted = GST_BUFFER_FLAG_IS_SET(buffer, GST_RTP_BUFFER_FLAG_RETRANSMISSION);

  if (retransmitted) GST_LOG_OBJECT(self, "retransmitted packet %u", seqnum);
  RetransmissionTracker::Verdict verdict;
  guint deadline_ms;
  guint round_trip_ms;
  gboolean ask;
  {
    std::lock_guard<std::mutex> lock(*self->mutex);
    verdict = self->tracker->on_packet(seqnum, g_get_monotonic_time(), retransmitted);
    deadline_ms = self->latency_ms;
    round_trip_ms = static_cast<guint>(self->tracker->round_trip_us() / 1000);
    ask = self->do_retransmission && self->nack_negotiated;
    if (ask) self->requests_sent += verdict.request.size();
  }

  GstClockTime now = GST_CLOCK_TIME_NONE;
  if (ask && !verdict.request.empty()) {
    now = running_time_now(GST_ELEMENT(self));
    for (guint16 missing : verdict.request) {
      GST_LOG_OBJECT(self, "asking for packet %u of SSRC %08x", missing, ssrc);
      gst_pad_push_event(self->sinkpad,
                         retransmission_request(ssrc, missing, now, deadline_ms, round_trip_ms));
    }
  }
  if (!verdict.forward) {
    GST_LOG_OBJECT(self, "dropping duplicate packet %u", seqnum);
    gst_buffer_unref(buffer);
    return GST_FLOW_OK;
  }
  // rtpbin's session passes packets on without timestamps; what follows
  // (the players' RTP sessions, for their sender reports) wants the time the
  // packet arrived, which is what rtpjitterbuffer would have given it.
  if (!GST_BUFFER_PTS_IS_VALID(buffer)) {
    GstClockTime pts = GST_BUFFER_DTS(buffer);
    if (!GST_CLOCK_TIME_IS_VALID(pts))
      pts = GST_CLOCK_TIME_IS_VALID(now) ? now : running_time_now(GST_ELEMENT(self));
    buffer = gst_buffer_make_writable(buffer);
    GST_BUFFER_PTS(buffer) = pts;
    GST_BUFFER_DTS(buffer) = pts;
  }
  return gst_pad_push(self->srcpad, buffer);
}

gboolean sink_event(GstPad *pad, GstObject *parent, GstEvent *event) {
  if (GST_EVENT_TYPE(event) == GST_EVENT_FLUSH_STOP) {
    AmsrtcForwardingJitterbuffer *self = self_of(parent);
    std::lock_guard<std::mutex> lock(*self->mutex);
    self->tracker->reset();
    self->payload_type = -1;
  }
  return gst_pad_event_default(pad, parent, event);
}

GstFlowReturn drop_rtcp(GstPad *, GstObject *, GstBuffer *buffer) {
  gst_buffer_unref(buffer);
  return GST_FLOW_OK;
}

gboolean drop_rtcp_event(GstPad *, GstObject *, GstEvent *event) {
  gst_event_unref(event);
  return TRUE;
}

GstPad *request_new_pad(GstElement *element, GstPadTemplate *templ, const gchar *,
                        const GstCaps *) {
  GstPad *pad = gst_pad_new_from_template(templ, "sink_rtcp");
  gst_pad_set_chain_function(pad, drop_rtcp);
  gst_pad_set_event_function(pad, drop_rtcp_event);
  gst_pad_set_active(pad, TRUE);
  if (!gst_element_add_pad(element, pad)) return nullptr;  // already there
  return pad;
}

void release_pad(GstElement *element, GstPad *pad) {
  gst_pad_set_active(pad, FALSE);
  gst_element_remove_pad(element, pad);
}

GstStructure *stats_structure(AmsrtcForwardingJitterbuffer *self) {
  std::lock_guard<std::mutex> lock(*self->mutex);
  const auto &s = self->tracker->stats();
  const guint64 settled = s.recovered + s.lost;
  return gst_structure_new(
      "application/x-rtp-jitterbuffer-stats", "num-pushed", G_TYPE_UINT64, s.forwarded, "num-lost",
      G_TYPE_UINT64, s.lost, "num-late", G_TYPE_UINT64, s.late, "num-duplicates", G_TYPE_UINT64,
      s.duplicates, "avg-jitter", G_TYPE_UINT64, guint64{0}, "rtx-count", G_TYPE_UINT64,
      self->requests_sent, "rtx-success-count", G_TYPE_UINT64, s.recovered, "rtx-per-packet",
      G_TYPE_DOUBLE,
      settled == 0 ? 0.0 : static_cast<double>(self->requests_sent) / static_cast<double>(settled),
      "rtx-rtt", G_TYPE_UINT64, static_cast<guint64>(self->tracker->round_trip_us()) * GST_USECOND,
      nullptr);
}

void set_property(GObject *object, guint id, const GValue *value, GParamSpec *pspec) {
  AmsrtcForwardingJitterbuffer *self = self_of(object);
  std::lock_guard<std::mutex> lock(*self->mutex);
  switch (id) {
    case kPropLatency:
      self->latency_ms = g_value_get_uint(value);
      break;
    case kPropDoRetransmission:
      self->do_retransmission = g_value_get_boolean(value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
}

void get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec) {
  AmsrtcForwardingJitterbuffer *self = self_of(object);
  switch (id) {
    case kPropLatency: {
      std::lock_guard<std::mutex> lock(*self->mutex);
      g_value_set_uint(value, self->latency_ms);
      break;
    }
    case kPropDoRetransmission: {
      std::lock_guard<std::mutex> lock(*self->mutex);
      g_value_set_boolean(value, self->do_retransmission);
      break;
    }
    case kPropStats:
      g_value_take_boxed(value, stats_structure(self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
}

void clear_pt_map(GstElement *) {}  // no payload type map is kept

// webrtcbin 1.22 sets do-retransmission on a new jitterbuffer from each
// transceiver of the (bundled) session in turn, so the last one decides for
// all: with NACK on video only, the video stream got none. This handler runs
// after webrtcbin's; the payload type's own negotiated feedback decides.
void on_new_jitterbuffer(GstElement *, GstElement *jitterbuffer, guint, guint, gpointer) {
  g_object_set(jitterbuffer, "do-retransmission", TRUE, nullptr);
}

GstElement *on_request_jitterbuffer(GstElement *, guint, gpointer) {
  return amsrtc::server::media::make_forwarding_jitterbuffer();
}

}  // namespace

static void amsrtc_forwarding_jitterbuffer_finalize(GObject *object) {
  AmsrtcForwardingJitterbuffer *self = self_of(object);
  delete self->tracker;
  delete self->mutex;
  G_OBJECT_CLASS(amsrtc_forwarding_jitterbuffer_parent_class)->finalize(object);
}

static void amsrtc_forwarding_jitterbuffer_class_init(AmsrtcForwardingJitterbufferClass *klass) {
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  object_class->finalize = amsrtc_forwarding_jitterbuffer_finalize;
  object_class->set_property = set_property;
  object_class->get_property = get_property;
  constexpr auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property(
      object_class, kPropLatency,
      g_param_spec_uint("latency", "Latency",
                        "How long a retransmission is still useful, in ms (sent with each request; "
                        "nothing is held)",
                        0, G_MAXUINT, 200, rw));
  g_object_class_install_property(
      object_class, kPropDoRetransmission,
      g_param_spec_boolean("do-retransmission", "Do retransmission",
                           "Ask the sender for missing packets", FALSE, rw));
  g_object_class_install_property(
      object_class, kPropStats,
      g_param_spec_boxed("stats", "Statistics", "The same fields as rtpjitterbuffer's",
                         GST_TYPE_STRUCTURE,
                         static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));
  // rtpbin answers this one with the caps webrtcbin negotiated.
  signals[kSignalRequestPtMap] =
      g_signal_new("request-pt-map", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, nullptr,
                   nullptr, nullptr, GST_TYPE_CAPS, 1, G_TYPE_UINT);
  // rtpbin connects to handle-sync whatever the jitterbuffer, and emits
  // clear-pt-map on it: both exist so that those calls find them.
  g_signal_new("handle-sync", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, nullptr, nullptr,
               nullptr, G_TYPE_NONE, 1, GST_TYPE_STRUCTURE | G_SIGNAL_TYPE_STATIC_SCOPE);
  g_signal_new_class_handler("clear-pt-map", G_TYPE_FROM_CLASS(klass),
                             static_cast<GSignalFlags>(G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION),
                             G_CALLBACK(clear_pt_map), nullptr, nullptr, nullptr, G_TYPE_NONE, 0);

  GstElementClass *element_class = GST_ELEMENT_CLASS(klass);
  element_class->request_new_pad = request_new_pad;
  element_class->release_pad = release_pad;
  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_add_static_pad_template(element_class, &rtcp_template);
  gst_element_class_set_static_metadata(
      element_class, "amsrtc forwarding jitterbuffer", "Filter/Network/RTP",
      "Forwards RTP packets in arrival order and asks for the missing ones", "amsrtc");
}

static void amsrtc_forwarding_jitterbuffer_init(AmsrtcForwardingJitterbuffer *self) {
  self->mutex = new std::mutex;
  self->tracker = new RetransmissionTracker;
  self->latency_ms = 200;
  self->do_retransmission = FALSE;
  self->payload_type = -1;
  self->nack_negotiated = false;
  self->requests_sent = 0;
  self->sinkpad = gst_pad_new_from_static_template(&sink_template, "sink");
  gst_pad_set_chain_function(self->sinkpad, chain);
  gst_pad_set_event_function(self->sinkpad, sink_event);
  // Caps, queries and upstream events (keyframe requests) pass through.
  GST_PAD_SET_PROXY_CAPS(self->sinkpad);
  GST_PAD_SET_PROXY_ALLOCATION(self->sinkpad);
  gst_element_add_pad(GST_ELEMENT(self), self->sinkpad);
  self->srcpad = gst_pad_new_from_static_template(&src_template, "src");
  GST_PAD_SET_PROXY_CAPS(self->srcpad);
  gst_element_add_pad(GST_ELEMENT(self), self->srcpad);
}

namespace amsrtc::server::media {

GstElement *make_forwarding_jitterbuffer() {
  return GST_ELEMENT(g_object_new(amsrtc_forwarding_jitterbuffer_get_type(), nullptr));
}

void use_forwarding_jitterbuffers(GstElement *webrtcbin) {
  GstElement *rtpbin = gst_bin_get_by_name(GST_BIN(webrtcbin), "rtpbin");
  if (rtpbin == nullptr) {
    // webrtcbin 1.22 names it so; another version may not.
    GST_WARNING_OBJECT(webrtcbin, "no child named rtpbin: keeping rtpjitterbuffer");
    return;
  }
  g_signal_connect(rtpbin, "request-jitterbuffer", G_CALLBACK(on_request_jitterbuffer), nullptr);
  g_signal_connect(rtpbin, "new-jitterbuffer", G_CALLBACK(on_new_jitterbuffer), nullptr);
  gst_object_unref(rtpbin);
}

}  // namespace amsrtc::server::media
