#include "peer_session.h"

#include <gst/sdp/sdp.h>
#include <gst/video/video.h>

#include <algorithm>
#include <functional>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "ice_restart.h"
#include "sdp_utils.h"
#include "send_gate.h"

GST_DEBUG_CATEGORY_STATIC(amsrtc_session_debug);
#define GST_CAT_DEFAULT amsrtc_session_debug

namespace amsrtc::session {

namespace proto = amsrtc::protocol;

struct PeerSession::Impl {
  GstElement *webrtc = nullptr;  // owned ref
  SessionCallbacks callbacks;
  gulong candidate_handler = 0;
  gulong connection_handler = 0;

  std::mutex mutex;  // guards what follows; never held while calling out
  bool remote_set = false;
  // What waits for our media's caps: creating the offer or the answer.
  std::function<void()> pending_description;
  GstClockID description_deadline = nullptr;
  GstClockID connection_deadline = nullptr;  // see watch_connection()
  std::vector<std::pair<unsigned, std::string>> pending_candidates;
  std::vector<SdpMedia> local_media;
  bool local_transport_cc = false;  // our latest description has the transport-cc extension
  std::vector<SentCodec> offered_codecs;  // what our latest offer sends
  std::vector<SdpMedia> remote_offer;     // the offer we answer; empty when we offer
  std::string remote_offer_text;
  std::vector<SdpMedia> remote_answer;  // the answer to our offer
  bool payload_types_follow_offer = false;
  bool transport_cc = true;
  // ICE restart (ice_restart.h): every local candidate we announced, sent
  // again after a restarting description; the credentials the next local
  // description carries when it restarts ICE; the remote's current ufrag,
  // which a restarting remote offer changes.
  std::vector<std::pair<unsigned, std::string>> local_candidates;
  std::optional<IceCredentials> restart_credentials;
  std::string remote_ufrag;
  std::function<void()> on_remote_ice_restart;

  void error(const std::string &text) {
    GST_WARNING_OBJECT(webrtc, "%s", text.c_str());
    if (callbacks.on_error) callbacks.on_error(text);
  }
};

namespace {

using WeakImpl = std::weak_ptr<PeerSession::Impl>;
std::vector<SentCodec> offered_codecs(const std::vector<SdpMedia> &offer);

void speed_up_transport_cc_feedback(GstElement *webrtc);
void watch_connection(const std::shared_ptr<PeerSession::Impl> &impl);
void resend_local_candidates(const std::shared_ptr<PeerSession::Impl> &impl);
std::vector<GstPad *> feeding_pads(GstElement *webrtc);

using PromiseHandler = void (*)(std::shared_ptr<PeerSession::Impl>, GstPromise *);

// A promise whose change function calls `handler` with the session, if the
// session still exists by then.
GstPromise *promise_for(const std::shared_ptr<PeerSession::Impl> &impl, PromiseHandler handler) {
  struct Context {
    WeakImpl impl;
    PromiseHandler handler;
  };
  return gst_promise_new_with_change_func(
      [](GstPromise *promise, gpointer data) {
        auto *context = static_cast<Context *>(data);
        if (auto impl = context->impl.lock()) context->handler(impl, promise);
      },
      new Context{impl, handler}, [](gpointer data) { delete static_cast<Context *>(data); });
}

// The reply's error, or "" when the promise was answered without one.
std::string promise_error(GstPromise *promise) {
  if (gst_promise_wait(promise) != GST_PROMISE_RESULT_REPLIED) return "no reply from webrtcbin";
  const GstStructure *reply = gst_promise_get_reply(promise);
  if (reply == nullptr || !gst_structure_has_field(reply, "error")) return {};
  GError *error = nullptr;
  gst_structure_get(reply, "error", G_TYPE_ERROR, &error, nullptr);
  std::string text = error ? error->message : "unknown error";
  g_clear_error(&error);
  return text;
}

std::string sdp_text(const GstWebRTCSessionDescription *description) {
  gchar *text = gst_sdp_message_as_text(description->sdp);
  std::string result = text;
  g_free(text);
  return result;
}

// The offer or answer webrtcbin made: check it, set it, then send it.
void on_description_created(std::shared_ptr<PeerSession::Impl> impl, GstPromise *promise,
                            const char *field, proto::SdpType type) {
  if (std::string problem = promise_error(promise); !problem.empty()) {
    return impl->error(std::string("could not create the ") + field + ": " + problem);
  }
  GstWebRTCSessionDescription *description = nullptr;
  gst_structure_get(gst_promise_get_reply(promise), field, GST_TYPE_WEBRTC_SESSION_DESCRIPTION,
                    &description, nullptr);
  if (description == nullptr) return impl->error(std::string("webrtcbin made no ") + field);
  std::string text = sdp_text(description);
  std::optional<IceCredentials> restart;
  {
    std::lock_guard<std::mutex> lock(impl->mutex);
    restart.swap(impl->restart_credentials);
  }
  if (restart) {
    // webrtcbin reused its last credentials; the agent takes ours from the
    // description we set.
    text = with_ice_credentials(text, *restart);
    GstSDPMessage *message = nullptr;
    if (gst_sdp_message_new_from_text(text.c_str(), &message) != GST_SDP_OK) {
      gst_webrtc_session_description_free(description);
      return impl->error(std::string("could not put new ICE credentials in our ") + field);
    }
    const GstWebRTCSDPType sdp_type = description->type;
    gst_webrtc_session_description_free(description);
    description = gst_webrtc_session_description_new(sdp_type, message);
    GST_INFO_OBJECT(impl->webrtc, "our %s restarts ICE", field);
  }
  if (type == proto::SdpType::kAnswer) {
    std::string offer;
    {
      std::lock_guard<std::mutex> lock(impl->mutex);
      offer = impl->remote_offer_text;
    }
    std::string completed = complete_h264_fmtp(text, offer);
    GstSDPMessage *message = nullptr;
    if (completed != text &&
        gst_sdp_message_new_from_text(completed.c_str(), &message) == GST_SDP_OK) {
      GST_DEBUG_OBJECT(impl->webrtc, "completed H.264 fmtp of our answer from the offer");
      gst_webrtc_session_description_free(description);
      description = gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_ANSWER, message);
      text = std::move(completed);
    }
  }
  auto media = parse_sdp_media(text);
  if (!media) {
    gst_webrtc_session_description_free(description);
    return impl->error(std::string("webrtcbin made an unparsable ") + field);
  }
  const auto problems = check_outgoing_sdp(*media);
  if (!problems.empty()) {
    gst_webrtc_session_description_free(description);
    std::string all;
    for (const auto &p : problems) all += (all.empty() ? "" : "; ") + p;
    return impl->error(std::string("our ") + field + " would be refused: " + all);
  }
  {
    std::lock_guard<std::mutex> lock(impl->mutex);
    if (type == proto::SdpType::kOffer) impl->offered_codecs = offered_codecs(*media);
    impl->local_transport_cc =
        std::any_of(media->begin(), media->end(),
                    [](const SdpMedia &m) { return extension_id(m, kTransportCcUri).has_value(); });
    impl->local_media = std::move(*media);
  }
  GST_INFO_OBJECT(impl->webrtc, "local %s: %zu m-lines", field, impl->local_media.size());
  GST_LOG_OBJECT(impl->webrtc, "local %s:\n%s", field, text.c_str());
  // Sent only once set: candidates (which name our mids) follow it.
  struct LocalDescription {
    proto::SdpType type;
    std::string text;
    bool restarts_ice;
  };
  auto *pending = new LocalDescription{type, text, restart.has_value()};
  GstPromise *set = gst_promise_new_with_change_func(
      [](GstPromise *p, gpointer data) {
        auto *context = static_cast<std::pair<WeakImpl, LocalDescription *> *>(data);
        auto impl = context->first.lock();
        if (!impl) return;
        if (std::string problem = promise_error(p); !problem.empty()) {
          return impl->error("could not set our own description: " + problem);
        }
        bool transport_cc = false;
        {
          std::lock_guard<std::mutex> lock(impl->mutex);
          transport_cc = impl->local_transport_cc;
        }
        // Only where it was negotiated: the timer wakes the session's RTCP
        // thread every 50 ms whether or not there is feedback to send.
        if (transport_cc) speed_up_transport_cc_feedback(impl->webrtc);
        watch_connection(impl);
        if (impl->callbacks.on_local_description) {
          impl->callbacks.on_local_description(context->second->type, context->second->text);
        }
        // The agent kept its candidates, so webrtcbin announces none: the
        // remote, which dropped ours on restarting, gets them again.
        if (context->second->restarts_ice) resend_local_candidates(impl);
      },
      new std::pair<WeakImpl, LocalDescription *>(impl, pending),
      [](gpointer data) {
        auto *context = static_cast<std::pair<WeakImpl, LocalDescription *> *>(data);
        delete context->second;
        delete context;
      });
  g_signal_emit_by_name(impl->webrtc, "set-local-description", description, set);
  gst_promise_unref(set);
  gst_webrtc_session_description_free(description);
}

void on_offer_created(std::shared_ptr<PeerSession::Impl> impl, GstPromise *promise) {
  on_description_created(std::move(impl), promise, "offer", proto::SdpType::kOffer);
}

void on_answer_created(std::shared_ptr<PeerSession::Impl> impl, GstPromise *promise) {
  on_description_created(std::move(impl), promise, "answer", proto::SdpType::kAnswer);
}

void flush_candidates(const std::shared_ptr<PeerSession::Impl> &impl) {
  std::vector<std::pair<unsigned, std::string>> pending;
  {
    std::lock_guard<std::mutex> lock(impl->mutex);
    impl->remote_set = true;
    pending.swap(impl->pending_candidates);
  }
  for (const auto &[mline, candidate] : pending) {
    g_signal_emit_by_name(impl->webrtc, "add-ice-candidate", mline, candidate.c_str());
  }
}

void when_media_described(const std::shared_ptr<PeerSession::Impl> &impl,
                          std::function<void()> action);

// The codec each sending audio/video m-line of our offer lists first (the
// one we send; others are rtx/red/fec).
std::vector<SentCodec> offered_codecs(const std::vector<SdpMedia> &offer) {
  std::vector<SentCodec> codecs;
  for (const SdpMedia &media : offer) {
    if (media.kind == "application" || media.rejected || media.codecs.empty()) continue;
    if (media.direction != "sendrecv" && media.direction != "sendonly") continue;
    codecs.push_back({media.kind, media.codecs.front().name});
  }
  return codecs;
}

// The codecs our sink pads' feeders send (those whose caps are known).
std::vector<SentCodec> sent_codecs(GstElement *webrtc) {
  std::vector<SentCodec> codecs;
  for (GstPad *feeder : feeding_pads(webrtc)) {
    if (GstCaps *caps = gst_pad_get_current_caps(feeder)) {
      const GstStructure *s = gst_caps_get_structure(caps, 0);
      const char *media = gst_structure_get_string(s, "media");
      const char *encoding = gst_structure_get_string(s, "encoding-name");
      if (media != nullptr && encoding != nullptr) codecs.push_back({media, encoding});
      gst_caps_unref(caps);
    }
    gst_object_unref(feeder);
  }
  return codecs;
}

// An error naming both sides' codecs when `remote` lacks one of `ours`.
bool refuse_without_common_codec(const std::shared_ptr<PeerSession::Impl> &impl,
                                 const std::vector<SdpMedia> &remote,
                                 const std::vector<SentCodec> &ours) {
  if (remote.empty()) return false;
  const std::string mismatch = codec_mismatch(remote, ours);
  if (mismatch.empty()) return false;
  impl->error(mismatch);
  return true;
}

void on_remote_offer_set(std::shared_ptr<PeerSession::Impl> impl, GstPromise *promise) {
  if (std::string problem = promise_error(promise); !problem.empty()) {
    return impl->error("the remote offer was refused: " + problem);
  }
  flush_candidates(impl);
  // Like an offer, an answer made before our encoder's first frame would
  // lack H.264's profile-level-id.
  std::weak_ptr<PeerSession::Impl> weak = impl;
  when_media_described(impl, [weak] {
    auto impl = weak.lock();
    if (!impl) return;
    std::vector<SdpMedia> offer;
    {
      std::lock_guard<std::mutex> lock(impl->mutex);
      offer = impl->remote_offer;
    }
    if (refuse_without_common_codec(impl, offer, sent_codecs(impl->webrtc))) return;
    GstPromise *answer = promise_for(impl, on_answer_created);
    g_signal_emit_by_name(impl->webrtc, "create-answer", nullptr, answer);
    gst_promise_unref(answer);
  });
}

void on_remote_answer_set(std::shared_ptr<PeerSession::Impl> impl, GstPromise *promise) {
  if (std::string problem = promise_error(promise); !problem.empty()) {
    return impl->error("the remote answer was refused: " + problem);
  }
  std::vector<SdpMedia> answer;
  std::vector<SentCodec> offered;
  {
    std::lock_guard<std::mutex> lock(impl->mutex);
    answer = impl->remote_answer;
    offered = impl->offered_codecs;
  }
  // Checked against what the answered offer sent, not against our pads now:
  // tracks added since (a renegotiation to come) are not in this answer.
  if (refuse_without_common_codec(impl, answer, offered)) return;
  flush_candidates(impl);
}

void on_ice_candidate(GstElement *, guint mline, gchar *candidate, gpointer weak) {
  auto impl = static_cast<WeakImpl *>(weak)->lock();
  if (!impl) return;
  std::string mid;
  {
    std::lock_guard<std::mutex> lock(impl->mutex);
    mid = mid_of(impl->local_media, mline);
    impl->local_candidates.emplace_back(mline, candidate);
  }
  if (impl->callbacks.on_local_candidate) impl->callbacks.on_local_candidate(mline, mid, candidate);
}

void resend_local_candidates(const std::shared_ptr<PeerSession::Impl> &impl) {
  std::vector<std::pair<unsigned, std::string>> candidates;
  std::vector<std::string> mids;
  {
    std::lock_guard<std::mutex> lock(impl->mutex);
    candidates = impl->local_candidates;
    for (const auto &[mline, candidate] : candidates) mids.push_back(mid_of(impl->local_media, mline));
  }
  GST_INFO_OBJECT(impl->webrtc, "ICE restart: sending our %zu candidates again", candidates.size());
  if (!impl->callbacks.on_local_candidate) return;
  for (std::size_t i = 0; i < candidates.size(); ++i)
    impl->callbacks.on_local_candidate(candidates[i].first, mids[i], candidates[i].second);
}

}  // namespace

// Once the connection is up, our media goes through (send_gate.h) and every
// video encoder feeding it makes a keyframe: the frames encoded before that
// were dropped on the way (nothing could be sent yet), and without a keyframe the remote decodes
// nothing until the encoder's next one, up to its keyframe interval (2 s) later.
static void on_connection_state(GstElement *webrtc, GParamSpec *, gpointer weak) {
  GstWebRTCPeerConnectionState state = GST_WEBRTC_PEER_CONNECTION_STATE_NEW;
  g_object_get(webrtc, "connection-state", &state, nullptr);
  if (state == GST_WEBRTC_PEER_CONNECTION_STATE_FAILED) {
    GST_WARNING_OBJECT(webrtc, "the connection failed (ICE or DTLS)");
    auto impl = static_cast<WeakImpl *>(weak)->lock();
    if (impl && impl->callbacks.on_connection_failed) impl->callbacks.on_connection_failed();
    return;
  }
  if (state != GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED) {
    GEnumClass *states = G_ENUM_CLASS(g_type_class_ref(GST_TYPE_WEBRTC_PEER_CONNECTION_STATE));
    const GEnumValue *value = g_enum_get_value(states, state);
    GST_INFO_OBJECT(webrtc, "connection %s", value != nullptr ? value->value_nick : "?");
    g_type_class_unref(states);
    return;
  }
  release_held_media(webrtc);
  GST_INFO_OBJECT(webrtc, "connected: our media goes through, and our encoders make a keyframe");
  for (GstPad *feeder : feeding_pads(webrtc)) {
    // An upstream event sent to a src pad travels up through its element.
    gst_pad_send_event(feeder,
                       gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
    gst_object_unref(feeder);
  }
}

namespace {

// libnice's agent asks the LAN's router for a port mapping by UPnP unless
// told not to, and webrtcbin 1.22 does not tell it: every connection would
// start an SSDP search and an HTTP server of its own (a bench process with 50
// connections logs "Address already in use" for them). A WebRTC endpoint
// learns its public address from STUN/TURN, and a server must not reconfigure
// its router, so UPnP is off for every webrtcbin we drive. The NiceAgent is
// reachable through GstWebRTCNice's "agent" property (1.22); libnice built
// without gupnp has no "upnp" property, hence the checks.
void disable_upnp(GstObject *ice) {
  if (g_object_class_find_property(G_OBJECT_GET_CLASS(ice), "agent") == nullptr) return;
  GObject *nice_agent = nullptr;
  g_object_get(ice, "agent", &nice_agent, nullptr);
  if (nice_agent == nullptr) return;
  if (g_object_class_find_property(G_OBJECT_GET_CLASS(nice_agent), "upnp") != nullptr)
    g_object_set(nice_agent, "upnp", FALSE, nullptr);
  g_object_unref(nice_agent);
}

}  // namespace

std::string webrtcbin_stun_uri(const std::string &uri) {
  if (g_str_has_prefix(uri.c_str(), "stun:") && !g_str_has_prefix(uri.c_str(), "stun://")) {
    return "stun://" + uri.substr(5);
  }
  return uri;
}

PeerSession::PeerSession(GstElement *webrtcbin, IceSettings ice, SessionCallbacks callbacks)
    : impl_(std::make_shared<Impl>()) {
  static std::once_flag category_once;
  std::call_once(category_once, [] {
    GST_DEBUG_CATEGORY_INIT(amsrtc_session_debug, "amsrtcsession", 0, "amsrtc webrtcbin session");
  });
  impl_->webrtc = GST_ELEMENT(gst_object_ref(webrtcbin));
  impl_->callbacks = std::move(callbacks);
  gst_util_set_object_arg(G_OBJECT(webrtcbin), "bundle-policy", "max-bundle");
  if (ice.relay_only) gst_util_set_object_arg(G_OBJECT(webrtcbin), "ice-transport-policy", "relay");
  if (!ice.stun_server.empty()) {
    g_object_set(webrtcbin, "stun-server", webrtcbin_stun_uri(ice.stun_server).c_str(), nullptr);
  }
  for (const std::string &turn : ice.turn_servers) {
    gboolean added = FALSE;
    g_signal_emit_by_name(webrtcbin, "add-turn-server", turn.c_str(), &added);
    if (!added) GST_WARNING_OBJECT(webrtcbin, "webrtcbin refused a TURN server URI");
  }
  GstObject *agent = nullptr;
  g_object_get(webrtcbin, "ice-agent", &agent, nullptr);
  if (agent != nullptr) disable_upnp(agent);
  for (const std::string &address : ice.local_addresses) {
    gboolean added = FALSE;
    if (agent != nullptr)
      g_signal_emit_by_name(agent, "add-local-ip-address", address.c_str(), &added);
    if (!added) GST_WARNING_OBJECT(webrtcbin, "ICE refused local address %s", address.c_str());
  }
  if (agent != nullptr) gst_object_unref(agent);
  detect_lost_ice_paths(webrtcbin);
  hold_media_until_connected(webrtcbin);  // send_gate.h
  // The handlers hold weak references: one already running on webrtcbin's
  // thread when the session is destroyed finds it gone. (GLib keeps the data
  // alive while a handler runs and frees it when disconnected.)
  auto weak_data = [this] { return new WeakImpl(impl_); };
  auto free_weak = [](gpointer data, GClosure *) { delete static_cast<WeakImpl *>(data); };
  impl_->connection_handler =
      g_signal_connect_data(webrtcbin, "notify::connection-state", G_CALLBACK(on_connection_state),
                            weak_data(), free_weak, static_cast<GConnectFlags>(0));
  impl_->candidate_handler =
      g_signal_connect_data(webrtcbin, "on-ice-candidate", G_CALLBACK(on_ice_candidate),
                            weak_data(), free_weak, static_cast<GConnectFlags>(0));
}

PeerSession::~PeerSession() {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    for (GstClockID *id : {&impl_->description_deadline, &impl_->connection_deadline}) {
      if (*id == nullptr) continue;
      gst_clock_id_unschedule(*id);
      gst_clock_id_unref(*id);
      *id = nullptr;
    }
  }
  g_signal_handler_disconnect(impl_->webrtc, impl_->candidate_handler);
  g_signal_handler_disconnect(impl_->webrtc, impl_->connection_handler);
  gst_object_unref(impl_->webrtc);
}

namespace {

// The pads feeding webrtcbin's sink pads (linked ones only), with a ref.
std::vector<GstPad *> feeding_pads(GstElement *webrtc) {
  std::vector<GstPad *> feeders;
  GstIterator *pads = gst_element_iterate_sink_pads(webrtc);
  GValue item = G_VALUE_INIT;
  while (gst_iterator_next(pads, &item) == GST_ITERATOR_OK) {
    if (GstPad *peer = gst_pad_get_peer(GST_PAD(g_value_get_object(&item))))
      feeders.push_back(peer);
    g_value_reset(&item);
  }
  g_value_unset(&item);
  gst_iterator_free(pads);
  return feeders;
}

// True when the caps of everything we send are known: only then does an
// offer (or answer) describe our media fully. H.264's profile-level-id and
// packetization-mode come from the payloader's caps, which exist once the
// encoder produced its first frame (../shared/NOTES.md). The caps are read
// on the pads feeding webrtcbin: a webrtcbin sink pad only takes them as
// current once it is connected, at negotiation time.
bool media_described(GstElement *webrtc) {
  bool described = true;
  for (GstPad *feeder : feeding_pads(webrtc)) {
    if (!gst_pad_has_current_caps(feeder)) {
      GST_LOG_OBJECT(feeder, "no caps yet");
      described = false;
    }
    gst_object_unref(feeder);
  }
  return described;
}

// The header extension id to give transport-cc in `caps`: when answering,
// the one the offer chose for this kind of media (none if it has none);
// when offering, the lowest id the caps do not use yet.
std::optional<unsigned> transport_cc_id(const GstStructure *caps,
                                        const std::vector<SdpMedia> &remote_offer) {
  // Caps that already carry the extension (an application payloader with
  // rtphdrexttwcc) keep theirs.
  for (int i = 0; i < gst_structure_n_fields(caps); ++i) {
    const char *field = gst_structure_nth_field_name(caps, i);
    const char *value =
        g_str_has_prefix(field, "extmap-") ? gst_structure_get_string(caps, field) : nullptr;
    if (value != nullptr && kTransportCcUri == value) return std::nullopt;
  }
  const char *kind = gst_structure_get_string(caps, "media");
  if (!remote_offer.empty()) {
    for (const SdpMedia &media : remote_offer) {
      if (kind == nullptr || media.kind != kind) continue;
      const auto id = extension_id(media, kTransportCcUri);
      // An id our caps use for another extension stays theirs.
      if (id && gst_structure_has_field(caps, ("extmap-" + std::to_string(*id)).c_str()))
        return std::nullopt;
      return id;
    }
    return std::nullopt;
  }
  for (unsigned id = 1; id <= 14; ++id) {
    const std::string field = "extmap-" + std::to_string(id);
    if (!gst_structure_has_field(caps, field.c_str())) return id;
  }
  return std::nullopt;
}

// The payload type the offer gave the codec of `caps` (see
// payload_type_rewrite.h in the plugin for why), when it gave one.
void set_offered_payload_type(GstStructure *caps, const std::vector<SdpMedia> &remote_offer) {
  const char *kind = gst_structure_get_string(caps, "media");
  const char *encoding = gst_structure_get_string(caps, "encoding-name");
  const char *profile = gst_structure_get_string(caps, "profile-level-id");
  gint clock_rate = 0;
  gst_structure_get_int(caps, "clock-rate", &clock_rate);
  if (kind == nullptr || encoding == nullptr) return;
  for (const SdpMedia &media : remote_offer) {
    if (media.kind != kind || media.rejected) continue;
    const auto pt = offered_payload_type(media, encoding, static_cast<unsigned>(clock_rate),
                                         profile != nullptr ? profile : "");
    if (pt) gst_structure_set(caps, "payload", G_TYPE_INT, static_cast<gint>(*pt), nullptr);
    return;
  }
}

// The caps we send, plus transport-wide congestion control: webrtcbin
// copies a=extmap and a=rtcp-fb from codec preferences into its offer or
// answer, and without them the browser never learns how much bandwidth
// there is and stays near 300 kbit/s (../shared/NOTES.md).
GstCaps *with_transport_cc(const GstCaps *caps, const std::vector<SdpMedia> &remote_offer,
                           bool payload_types_follow_offer, bool transport_cc) {
  GstCaps *result = gst_caps_copy(caps);
  for (guint i = 0; i < gst_caps_get_size(result); ++i) {
    GstStructure *s = gst_caps_get_structure(result, i);
    if (payload_types_follow_offer) set_offered_payload_type(s, remote_offer);
    if (!transport_cc) continue;
    const auto id = transport_cc_id(s, remote_offer);
    if (!id) continue;
    const std::string field = "extmap-" + std::to_string(*id);
    const std::string uri(kTransportCcUri);
    gst_structure_set(s, field.c_str(), G_TYPE_STRING, uri.c_str(), "rtcp-fb-transport-cc",
                      G_TYPE_BOOLEAN, TRUE, nullptr);
  }
  return result;
}

// Tells each transceiver the caps its feeding pad carries, as codec
// preferences: webrtcbin takes a sink pad's caps into its SDP only after its
// own thread handled the caps event, which can be later than our offer.
void pin_codec_preferences(GstElement *webrtc, const std::vector<SdpMedia> &remote_offer,
                           bool payload_types_follow_offer, bool transport_cc) {
  GstIterator *pads = gst_element_iterate_sink_pads(webrtc);
  GValue item = G_VALUE_INIT;
  while (gst_iterator_next(pads, &item) == GST_ITERATOR_OK) {
    GstPad *pad = GST_PAD(g_value_get_object(&item));
    GstPad *feeder = gst_pad_get_peer(pad);
    GstCaps *caps = feeder != nullptr ? gst_pad_get_current_caps(feeder) : nullptr;
    GstWebRTCRTPTransceiver *transceiver = nullptr;
    g_object_get(pad, "transceiver", &transceiver, nullptr);
    if (transceiver != nullptr && caps != nullptr) {
      GstCaps *preferences = nullptr;
      g_object_get(transceiver, "codec-preferences", &preferences, nullptr);
      if (preferences == nullptr) {
        GstCaps *pinned =
            with_transport_cc(caps, remote_offer, payload_types_follow_offer, transport_cc);
        g_object_set(transceiver, "codec-preferences", pinned, nullptr);
        gst_caps_unref(pinned);
      }
      if (preferences != nullptr) gst_caps_unref(preferences);
    }
    if (transceiver != nullptr) gst_object_unref(transceiver);
    if (caps != nullptr) gst_caps_unref(caps);
    if (feeder != nullptr) gst_object_unref(feeder);
    g_value_reset(&item);
  }
  g_value_unset(&item);
  gst_iterator_free(pads);
}

// Transport-cc feedback every 50 ms on webrtcbin's RTP sessions: left at
// its default it rides on RTCP reports, too rarely for the browser's
// estimate to follow.
void speed_up_transport_cc_feedback(GstElement *webrtc) {
  GstElement *rtpbin = rtpbin_of(webrtc);
  if (rtpbin == nullptr) return;
  // With bundle-policy max-bundle everything is session 0; a remote that
  // does not bundle gets one session per m-line.
  for (guint id = 0; id < 16; ++id) {
    GObject *session = nullptr;
    g_signal_emit_by_name(rtpbin, "get-internal-session", id, &session);
    if (session == nullptr) continue;
    if (g_object_class_find_property(G_OBJECT_GET_CLASS(session), "twcc-feedback-interval")) {
      g_object_set(session, "twcc-feedback-interval", static_cast<guint64>(50 * GST_MSECOND),
                   nullptr);
    }
    g_object_unref(session);
  }
  gst_object_unref(rtpbin);
}

// Runs the pending offer/answer creation once (caps and deadline may race).
void describe_now(const std::shared_ptr<PeerSession::Impl> &impl) {
  std::function<void()> action;
  {
    std::lock_guard<std::mutex> lock(impl->mutex);
    action = std::move(impl->pending_description);
    impl->pending_description = nullptr;
    if (impl->description_deadline != nullptr) {
      gst_clock_id_unschedule(impl->description_deadline);
      gst_clock_id_unref(impl->description_deadline);
      impl->description_deadline = nullptr;
    }
  }
  if (!action) return;
  std::vector<SdpMedia> remote_offer;
  bool follow = false;
  bool transport_cc = true;
  {
    std::lock_guard<std::mutex> lock(impl->mutex);
    remote_offer = impl->remote_offer;
    follow = impl->payload_types_follow_offer;
    transport_cc = impl->transport_cc;
  }
  pin_codec_preferences(impl->webrtc, remote_offer, follow, transport_cc);
  action();
}

// Creates our offer or answer (`action`) once every sink pad of webrtcbin
// knows its caps, or after 5 s, when the SDP checks say what is missing.
void when_media_described(const std::shared_ptr<PeerSession::Impl> &impl,
                          std::function<void()> action) {
  {
    std::lock_guard<std::mutex> lock(impl->mutex);
    impl->pending_description = std::move(action);
  }
  if (media_described(impl->webrtc)) return describe_now(impl);
  GST_INFO_OBJECT(impl->webrtc, "waiting for the caps of our media before describing it");
  for (GstPad *feeder : feeding_pads(impl->webrtc)) {
    gst_pad_add_probe(
        feeder, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
        [](GstPad *, GstPadProbeInfo *info, gpointer data) -> GstPadProbeReturn {
          if (GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) != GST_EVENT_CAPS) {
            return GST_PAD_PROBE_OK;
          }
          auto impl = static_cast<WeakImpl *>(data)->lock();
          if (!impl) return GST_PAD_PROBE_REMOVE;
          // The caps become current after this event passes: check then.
          gst_element_call_async(
              impl->webrtc,
              [](GstElement *, gpointer weak) {
                auto impl = static_cast<WeakImpl *>(weak)->lock();
                if (impl && media_described(impl->webrtc)) describe_now(impl);
              },
              new WeakImpl(impl), [](gpointer weak) { delete static_cast<WeakImpl *>(weak); });
          return GST_PAD_PROBE_REMOVE;
        },
        new WeakImpl(impl), [](gpointer data) { delete static_cast<WeakImpl *>(data); });
    gst_object_unref(feeder);
  }

  GstClock *clock = gst_system_clock_obtain();
  GstClockID deadline =
      gst_clock_new_single_shot_id(clock, gst_clock_get_time(clock) + 5 * GST_SECOND);
  gst_object_unref(clock);
  {
    std::lock_guard<std::mutex> lock(impl->mutex);
    impl->description_deadline = gst_clock_id_ref(deadline);
  }
  gst_clock_id_wait_async(
      deadline,
      [](GstClock *, GstClockTime, GstClockID, gpointer data) -> gboolean {
        if (auto impl = static_cast<WeakImpl *>(data)->lock()) {
          GST_WARNING_OBJECT(impl->webrtc, "no caps on our media after 5 s: describing it anyway");
          describe_now(impl);
        }
        return TRUE;
      },
      new WeakImpl(impl), [](gpointer data) { delete static_cast<WeakImpl *>(data); });
  gst_clock_id_unref(deadline);
  // The caps may have arrived while the probes were being installed.
  if (media_described(impl->webrtc)) describe_now(impl);
}

// A connection that is not up 10 s after our description was set is
// reported once, with webrtcbin's states: loopback and LAN calls connect in
// well under a second, so by then something is wrong (no usable candidate
// pair, a lost answer) and the states say which part.
void watch_connection(const std::shared_ptr<PeerSession::Impl> &impl) {
  if (!impl->callbacks.on_connection_stalled) return;
  GstClock *clock = gst_system_clock_obtain();
  GstClockID deadline =
      gst_clock_new_single_shot_id(clock, gst_clock_get_time(clock) + 10 * GST_SECOND);
  gst_object_unref(clock);
  {
    std::lock_guard<std::mutex> lock(impl->mutex);
    if (impl->connection_deadline != nullptr) {  // a renegotiation: start over
      gst_clock_id_unschedule(impl->connection_deadline);
      gst_clock_id_unref(impl->connection_deadline);
    }
    impl->connection_deadline = gst_clock_id_ref(deadline);
  }
  gst_clock_id_wait_async(
      deadline,
      [](GstClock *, GstClockTime, GstClockID, gpointer data) -> gboolean {
        auto impl = static_cast<WeakImpl *>(data)->lock();
        if (!impl) return TRUE;
        GstWebRTCPeerConnectionState connection = GST_WEBRTC_PEER_CONNECTION_STATE_NEW;
        GstWebRTCICEConnectionState ice = GST_WEBRTC_ICE_CONNECTION_STATE_NEW;
        GstWebRTCICEGatheringState gathering = GST_WEBRTC_ICE_GATHERING_STATE_NEW;
        GstWebRTCSignalingState signaling = GST_WEBRTC_SIGNALING_STATE_STABLE;
        g_object_get(impl->webrtc, "connection-state", &connection, "ice-connection-state", &ice,
                     "ice-gathering-state", &gathering, "signaling-state", &signaling, nullptr);
        if (connection == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED) return TRUE;
        auto name = [](GType type, gint value) {
          GEnumClass *klass = static_cast<GEnumClass *>(g_type_class_ref(type));
          GEnumValue *v = g_enum_get_value(klass, value);
          std::string text = v != nullptr ? v->value_nick : std::to_string(value);
          g_type_class_unref(klass);
          return text;
        };
        std::size_t waiting_candidates;
        bool remote_set;
        {
          std::lock_guard<std::mutex> lock(impl->mutex);
          waiting_candidates = impl->pending_candidates.size();
          remote_set = impl->remote_set;
        }
        const std::string states =
            "connection " + name(GST_TYPE_WEBRTC_PEER_CONNECTION_STATE, connection) + ", ICE " +
            name(GST_TYPE_WEBRTC_ICE_CONNECTION_STATE, ice) + ", gathering " +
            name(GST_TYPE_WEBRTC_ICE_GATHERING_STATE, gathering) + ", signaling " +
            name(GST_TYPE_WEBRTC_SIGNALING_STATE, signaling) +
            (remote_set ? ", remote description set"
                        : ", no remote description yet (" + std::to_string(waiting_candidates) +
                              " remote candidates waiting)");
        GST_WARNING_OBJECT(impl->webrtc, "not connected after 10 s: %s", states.c_str());
        impl->callbacks.on_connection_stalled(states);
        return TRUE;
      },
      new WeakImpl(impl), [](gpointer data) { delete static_cast<WeakImpl *>(data); });
  gst_clock_id_unref(deadline);
}

}  // namespace

bool is_connected(GstElement *webrtcbin) {
  GstWebRTCPeerConnectionState state = GST_WEBRTC_PEER_CONNECTION_STATE_NEW;
  g_object_get(webrtcbin, "connection-state", &state, nullptr);
  return state == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED;
}

GstElement *rtpbin_of(GstElement *webrtcbin) {
  GstElement *rtpbin = nullptr;
  GstIterator *children = gst_bin_iterate_elements(GST_BIN(webrtcbin));
  GValue item = G_VALUE_INIT;
  while (rtpbin == nullptr && gst_iterator_next(children, &item) == GST_ITERATOR_OK) {
    auto *child = GST_ELEMENT(g_value_get_object(&item));
    GstElementFactory *factory = gst_element_get_factory(child);
    if (factory != nullptr &&
        g_str_equal(gst_plugin_feature_get_name(GST_PLUGIN_FEATURE(factory)), "rtpbin")) {
      rtpbin = GST_ELEMENT(gst_object_ref(child));
    }
    g_value_reset(&item);
  }
  g_value_unset(&item);
  gst_iterator_free(children);
  return rtpbin;
}

void PeerSession::create_offer() {
  {
    // We offer: nothing to follow from an earlier remote offer.
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->remote_offer.clear();
  }
  std::weak_ptr<Impl> weak = impl_;
  when_media_described(impl_, [weak] {
    auto impl = weak.lock();
    if (!impl) return;
    GstPromise *promise = promise_for(impl, on_offer_created);
    g_signal_emit_by_name(impl->webrtc, "create-offer", nullptr, promise);
    gst_promise_unref(promise);
  });
}

void PeerSession::set_remote_description(proto::SdpType type, const std::string &sdp) {
  GstSDPMessage *message = nullptr;
  gst_sdp_message_new(&message);
  if (gst_sdp_message_parse_buffer(reinterpret_cast<const guint8 *>(sdp.data()),
                                   static_cast<guint>(sdp.size()), message) != GST_SDP_OK ||
      gst_sdp_message_get_version(message) == nullptr) {
    gst_sdp_message_free(message);
    return impl_->error("the remote description is not SDP");
  }
  GST_INFO_OBJECT(impl_->webrtc, "remote %s received",
                  type == proto::SdpType::kOffer ? "offer" : "answer");
  GST_LOG_OBJECT(impl_->webrtc, "remote %s:\n%s",
                 type == proto::SdpType::kOffer ? "offer" : "answer", sdp.c_str());
  const std::string ufrag = ice_ufrag_of(sdp);
  bool remote_restarts_ice = false;
  {
    // A new offer (renegotiation) starts a new exchange of candidates.
    std::lock_guard<std::mutex> lock(impl_->mutex);
    // A new ufrag from a remote we are connected to is an ICE restart
    // (RFC 8839 §4.4.1.1.1): we restart too, with credentials of our own.
    remote_restarts_ice = type == proto::SdpType::kOffer && !impl_->remote_ufrag.empty() &&
                          !ufrag.empty() && ufrag != impl_->remote_ufrag;
    if (!ufrag.empty()) impl_->remote_ufrag = ufrag;
    impl_->remote_set = false;
    auto &remote = type == proto::SdpType::kOffer ? impl_->remote_offer : impl_->remote_answer;
    remote = parse_sdp_media(sdp).value_or(std::vector<SdpMedia>{});
    if (type == proto::SdpType::kOffer) impl_->remote_offer_text = sdp;
  }
  // Before webrtcbin hands the agent the remote's new credentials, or the
  // restart would forget them.
  if (remote_restarts_ice) {
    GST_INFO_OBJECT(impl_->webrtc, "the remote restarts ICE");
    std::function<void()> handler;
    if (restart_ice_agent(impl_->webrtc)) {
      std::lock_guard<std::mutex> lock(impl_->mutex);
      impl_->restart_credentials = generate_ice_credentials();
      handler = impl_->on_remote_ice_restart;
    }
    if (handler) handler();
  }
  GstWebRTCSessionDescription *description = gst_webrtc_session_description_new(
      type == proto::SdpType::kOffer ? GST_WEBRTC_SDP_TYPE_OFFER : GST_WEBRTC_SDP_TYPE_ANSWER,
      message);  // takes `message`
  GstPromise *promise = type == proto::SdpType::kOffer ? promise_for(impl_, on_remote_offer_set)
                                                       : promise_for(impl_, on_remote_answer_set);
  g_signal_emit_by_name(impl_->webrtc, "set-remote-description", description, promise);
  gst_promise_unref(promise);
  gst_webrtc_session_description_free(description);
}

void PeerSession::add_remote_candidate(unsigned mline, const std::string &candidate) {
  if (candidate.empty()) return;  // the browser's end-of-candidates
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    if (!impl_->remote_set) {
      impl_->pending_candidates.emplace_back(mline, candidate);
      return;
    }
  }
  g_signal_emit_by_name(impl_->webrtc, "add-ice-candidate", mline, candidate.c_str());
}

GstWebRTCDataChannel *PeerSession::create_data_channel(const std::string &label) {
  GstStructure *options =
      gst_structure_new("data-channel-options", "ordered", G_TYPE_BOOLEAN, TRUE, nullptr);
  GstWebRTCDataChannel *channel = nullptr;
  g_signal_emit_by_name(impl_->webrtc, "create-data-channel", label.c_str(), options, &channel);
  gst_structure_free(options);
  return channel;
}

bool PeerSession::restart_ice() {
  GstWebRTCSignalingState signaling = GST_WEBRTC_SIGNALING_STATE_CLOSED;
  GstWebRTCSessionDescription *remote = nullptr;
  g_object_get(impl_->webrtc, "signaling-state", &signaling, "current-remote-description", &remote,
               nullptr);
  const bool answered = remote != nullptr;
  if (remote != nullptr) gst_webrtc_session_description_free(remote);
  if (signaling != GST_WEBRTC_SIGNALING_STATE_STABLE || !answered) {
    GST_INFO_OBJECT(impl_->webrtc, "no ICE restart: no completed offer/answer exchange to restart");
    return false;
  }
  if (!restart_ice_agent(impl_->webrtc)) {
    GST_WARNING_OBJECT(impl_->webrtc, "no ICE restart: webrtcbin's ICE agent is not libnice");
    return false;
  }
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->restart_credentials = generate_ice_credentials();
  }
  GST_INFO_OBJECT(impl_->webrtc, "restarting ICE: a new offer with new credentials");
  create_offer();
  return true;
}

void PeerSession::set_remote_ice_restart_handler(std::function<void()> handler) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->on_remote_ice_restart = std::move(handler);
}

GstElement *PeerSession::webrtcbin() const { return impl_->webrtc; }

void PeerSession::set_payload_types_follow_offer(bool follow) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->payload_types_follow_offer = follow;
}

void PeerSession::set_transport_cc(bool enabled) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->transport_cc = enabled;
}

}  // namespace amsrtc::session
