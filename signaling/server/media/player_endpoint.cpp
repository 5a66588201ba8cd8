#include "player_endpoint.h"

#include <cstring>

#include <gst/video/video.h>

#include <algorithm>
#include <map>
#include <set>

#include "data_channel.h"
#include "forwarded_codecs.h"
#include "gst/session/element_stop.h"

GST_DEBUG_CATEGORY_EXTERN(amsrtc_sfu_debug);
#define GST_CAT_DEFAULT amsrtc_sfu_debug

namespace amsrtc::server::media {

namespace {

using Weak = std::weak_ptr<PlayerEndpoint>;

// How long an ICE restart after a failed connection has to connect: a
// player that vanished is gone within 5 s. On loopback a restart connects in
// about 60 ms; over the Internet it takes a few round trips.
constexpr guint kIceRestartGraceMs = 5000;

void free_weak(gpointer data, GClosure *) { delete static_cast<Weak *>(data); }

std::string track_id(const std::string &kind, const std::string &source) {
  return std::string("ARDAMS") + (kind == "video" ? "v" : "a") + source;
}

void request_keyframe(GstElement *queue) {
  // An upstream event on the queue's src pad travels through the tee to
  // the publisher's webrtcbin, which sends a PLI.
  GstPad *src = gst_element_get_static_pad(queue, "src");
  gst_pad_send_event(src, gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
  gst_object_unref(src);
}

// The publisher's caps without its transport-wide congestion control: its
// sequence numbers belong to the publisher's hop. Left in, webrtcbin offered
// the publisher's transport-cc extmap to the player and stamped every
// forwarded packet with a transport-wide sequence number of its own (a
// writable copy of each packet, per player), for feedback nobody acts on.
// The other extensions (the mid above all, which a receiver needs to map
// packets to m-lines in a renegotiated conference) stay.
GstPadProbeReturn strip_transport_cc(GstPad *, GstPadProbeInfo *info, gpointer) {
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT(info);
  if (GST_EVENT_TYPE(event) != GST_EVENT_CAPS) return GST_PAD_PROBE_OK;
  GstCaps *caps = nullptr;
  gst_event_parse_caps(event, &caps);
  GstCaps *stripped = gst_caps_copy(caps);
  for (guint i = 0; i < gst_caps_get_size(stripped); ++i) {
    gst_structure_filter_and_map_in_place(
        gst_caps_get_structure(stripped, i),
        [](GQuark field, GValue *value, gpointer) -> gboolean {
          const char *name = g_quark_to_string(field);
          if (g_strcmp0(name, "rtcp-fb-transport-cc") == 0) return FALSE;
          if (!g_str_has_prefix(name, "extmap-") || !G_VALUE_HOLDS_STRING(value)) return TRUE;
          const char *uri = g_value_get_string(value);
          return uri == nullptr || strstr(uri, "transport-wide-cc") == nullptr;
        },
        nullptr);
  }
  gst_event_unref(event);
  GST_PAD_PROBE_INFO_DATA(info) = gst_event_new_caps(stripped);
  gst_caps_unref(stripped);
  return GST_PAD_PROBE_OK;
}

}  // namespace

PlayerEndpoint::PlayerEndpoint(GstBin *pipeline, EndpointKey key, const session::IceSettings &ice,
                               const MainContext &main, Events events)
    : pipeline_(pipeline), key_(std::move(key)), ice_(ice), main_(main),
      events_(std::move(events)) {}

PlayerEndpoint::~PlayerEndpoint() { stop(); }

void PlayerEndpoint::start() {
  static std::atomic<unsigned> counter{0};
  const std::string name = "player" + std::to_string(counter++) + "-" + key_.stream_id;
  webrtc_ = gst_element_factory_make("webrtcbin", name.c_str());
  if (webrtc_ == nullptr) {
    events_.media_event(EndpointFailed{key_, "server_error_check_logs", "no webrtcbin"});
    return;
  }
  gst_object_ref_sink(webrtc_);
  Weak weak = weak_from_this();
  const MainContext *main = &main_;
  auto on_main = [weak, main](std::function<void(PlayerEndpoint &)> work) {
    main->post([weak, work] {
      auto self = weak.lock();
      if (self && !self->stopped_) work(*self);
    });
  };
  session::SessionCallbacks callbacks{
      [on_main](protocol::SdpType type, const std::string &sdp) {
        on_main([type, sdp](PlayerEndpoint &self) { self.on_local_description(type, sdp); });
      },
      [on_main](unsigned mline, const std::string &mid, const std::string &candidate) {
        on_main([mline, mid, candidate](PlayerEndpoint &self) {
          self.events_.media_event(LocalCandidate{self.key_, mline, mid, candidate});
        });
      },
      [on_main](const std::string &error) {
        on_main([error](PlayerEndpoint &self) {
          self.events_.media_event(EndpointFailed{self.key_, "notSetRemoteDescription", error});
        });
      },
      [on_main] { on_main([](PlayerEndpoint &self) { self.connection_failed(); }); },
      nullptr};
  session_ = std::make_unique<session::PeerSession>(webrtc_, ice_, std::move(callbacks));

  auto *signaling_weak = new Weak(weak);
  g_signal_connect_data(
      webrtc_, "notify::signaling-state",
      G_CALLBACK(+[](GstElement *webrtc, GParamSpec *, gpointer data) {
        GstWebRTCSignalingState state = GST_WEBRTC_SIGNALING_STATE_CLOSED;
        g_object_get(webrtc, "signaling-state", &state, nullptr);
        if (state != GST_WEBRTC_SIGNALING_STATE_STABLE) return;
        auto self = static_cast<Weak *>(data)->lock();
        if (!self) return;
        Weak weak = self;
        self->main_.post([weak] {
          auto self = weak.lock();
          if (self && !self->stopped_) self->on_signaling_stable();
        });
      }),
      signaling_weak, free_weak, static_cast<GConnectFlags>(0));
  g_signal_connect_data(
      webrtc_, "notify::connection-state",
      G_CALLBACK(+[](GstElement *webrtc, GParamSpec *, gpointer data) {
        GstWebRTCPeerConnectionState state = GST_WEBRTC_PEER_CONNECTION_STATE_NEW;
        g_object_get(webrtc, "connection-state", &state, nullptr);
        if (state != GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED) return;
        auto self = static_cast<Weak *>(data)->lock();
        if (!self) return;
        Weak weak = self;
        self->main_.post([weak] {
          auto self = weak.lock();
          if (self && !self->stopped_) self->on_connected();
        });
      }),
      new Weak(weak), free_weak, static_cast<GConnectFlags>(0));

  gst_bin_add(pipeline_, webrtc_);
  gst_element_sync_state_with_parent(webrtc_);
  // The server opens the data channel in play mode (PROTOCOL.md §3.3 (2)).
  channel_ = session_->create_data_channel(key_.stream_id);
  if (channel_ != nullptr) {
    watch_data_channel(channel_, main_, [weak](const std::string &text, GBytes *data) {
      auto self = weak.lock();
      if (self && !self->stopped_ && self->events_.data) self->events_.data(text, data);
    });
  }
}

void PlayerEndpoint::link(const std::string &source, const std::shared_ptr<Track> &track) {
  Link link;
  link.source = source;
  link.track = track;
  link.gate = std::make_shared<Link::Gate>();
  link.queue = gst_element_factory_make("queue", nullptr);
  // Leaky: a player that cannot keep up (or a webrtcbin still negotiating,
  // which holds buffers at its sink pads) loses its own packets, never the
  // publisher's or the other players'.
  g_object_set(link.queue, "max-size-time", 300 * GST_MSECOND, "max-size-buffers", 0u,
               "max-size-bytes", 0u, "leaky", 2 /* downstream */, nullptr);
  gst_bin_add(pipeline_, link.queue);

  link.webrtc_pad = gst_element_request_pad_simple(webrtc_, "sink_%u");
  g_object_get(link.webrtc_pad, "transceiver", &link.transceiver, nullptr);
  GstCaps *preferences = player_codec_preferences(track->caps, track->offered_caps);
  GST_DEBUG("player %s: codec preferences %" GST_PTR_FORMAT " (offered %" GST_PTR_FORMAT ")",
            key_.stream_id.c_str(), preferences, track->offered_caps);
  // Retransmission (RTX) for video only: Chrome refuses an audio m-line
  // with an RTX ssrc-group ("Failed to add remote stream ssrc").
  g_object_set(link.transceiver, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY,
               "codec-preferences", preferences, "do-nack", track->kind == "video", nullptr);
  gst_caps_unref(preferences);
  GstPad *queue_src = gst_element_get_static_pad(link.queue, "src");
  gst_pad_link(queue_src, link.webrtc_pad);
  gst_object_unref(queue_src);
  gst_element_sync_state_with_parent(link.queue);

  link.tee_pad = gst_element_request_pad_simple(track->tee, "src_%u");
  // Until negotiated only events (caps) pass: webrtcbin holds a buffer that
  // reaches a sink pad before its transceiver is negotiated, and releasing
  // it races with negotiation (a track of one player in ten never started).
  gst_pad_add_probe(
      link.tee_pad,
      static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
      [](GstPad *, GstPadProbeInfo *, gpointer data) -> GstPadProbeReturn {
        const auto &gate = *static_cast<std::shared_ptr<Link::Gate> *>(data);
        return gate->negotiated && gate->enabled ? GST_PAD_PROBE_OK : GST_PAD_PROBE_DROP;
      },
      new std::shared_ptr<Link::Gate>(link.gate),
      [](gpointer data) { delete static_cast<std::shared_ptr<Link::Gate> *>(data); });
  gst_pad_add_probe(link.tee_pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, strip_transport_cc,
                    nullptr, nullptr);
  GstPad *queue_sink = gst_element_get_static_pad(link.queue, "sink");
  gst_pad_link(link.tee_pad, queue_sink);
  gst_object_unref(queue_sink);
  link.needs_keyframe = connected_;
  GST_INFO("player %s: forwarding %s %s of %s", key_.stream_id.c_str(), track->kind.c_str(),
           track->encoding.c_str(), source.c_str());
  links_.push_back(std::move(link));
}

void PlayerEndpoint::unlink(Link &link) {
  // Its m-line stays in the SDP, inactive; it is never reused.
  if (!link.mid.empty()) retired_mids_.insert(link.mid);
  if (link.tee_pad != nullptr) {
    gst_element_release_request_pad(link.track->tee, link.tee_pad);
    gst_object_unref(link.tee_pad);
  }
  if (link.transceiver != nullptr) {
    g_object_set(link.transceiver, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_INACTIVE,
                 nullptr);
    gst_object_unref(link.transceiver);
  }
  if (link.webrtc_pad != nullptr) {
    if (webrtc_ != nullptr) gst_element_release_request_pad(webrtc_, link.webrtc_pad);
    gst_object_unref(link.webrtc_pad);
  }
  gst_element_set_state(link.queue, GST_STATE_NULL);
  gst_bin_remove(pipeline_, link.queue);
  link = Link{};
}

void PlayerEndpoint::set_sources(const std::vector<PlayerSource> &sources) {
  if (webrtc_ == nullptr) return;
  bool changed = false;
  // Tracks of sources that went (or were replaced by a restarted publish).
  for (auto it = links_.begin(); it != links_.end();) {
    bool wanted = false;
    for (const auto &source : sources) {
      if (source.stream_id != it->source) continue;
      wanted = std::find(source.tracks.begin(), source.tracks.end(), it->track) !=
               source.tracks.end();
    }
    if (wanted) {
      ++it;
      continue;
    }
    unlink(*it);
    it = links_.erase(it);
    changed = true;
  }
  for (const auto &source : sources) {
    for (const auto &track : source.tracks) {
      const bool linked = std::any_of(links_.begin(), links_.end(),
                                      [&](const Link &l) { return l.track == track; });
      if (linked) continue;
      link(source.stream_id, track);
      changed = true;
    }
  }
  if (changed || !offered_) negotiate();
}

void PlayerEndpoint::negotiate() {
  if (offer_outstanding_) {
    reoffer_needed_ = true;
    return;
  }
  offer_outstanding_ = true;
  reoffer_needed_ = false;
  offered_ = true;
  session_->create_offer();
}

void PlayerEndpoint::on_local_description(protocol::SdpType type, const std::string &sdp) {
  // webrtcbin tells a transceiver its mid only once the answer is applied,
  // so the offer is read instead: it lists transceivers without an m-line
  // yet in the order they were created, after the m-lines they already had.
  // Each new link takes the first m-line of its kind that no link has.
  const auto media = session::parse_sdp_media(sdp);
  std::set<std::string> taken;
  for (const Link &link : links_) {
    if (!link.mid.empty()) taken.insert(link.mid);
  }
  for (Link &link : links_) {
    if (!link.mid.empty() || !media) continue;
    for (const auto &m : *media) {
      if (m.kind != link.track->kind || m.mid.empty() || taken.count(m.mid) != 0) continue;
      if (retired_mids_.count(m.mid) != 0) continue;
      link.mid = m.mid;
      taken.insert(m.mid);
      break;
    }
  }
  std::map<std::string, std::string> id_mapping;
  for (const Link &link : links_) {
    if (link.mid.empty()) continue;
    GST_INFO("player %s: mid %s sends %s of %s", key_.stream_id.c_str(), link.mid.c_str(),
             link.track->kind.c_str(), link.source.c_str());
    id_mapping[link.mid] = track_id(link.track->kind, link.source);
  }
  events_.media_event(LocalDescription{key_, type, sdp, std::move(id_mapping)});
}

void PlayerEndpoint::on_signaling_stable() {
  if (!offer_outstanding_) return;
  offer_outstanding_ = false;
  for (Link &link : links_) {
    if (link.mid.empty()) continue;  // not in the answered offer
    link.gate->negotiated = true;
    if (connected_ && link.needs_keyframe) {
      link.needs_keyframe = false;
      request_keyframe(link.queue);
    }
  }
  if (reoffer_needed_) negotiate();
}

// We offer on a play session, so an ICE restart is ours to start: a new
// offer with new credentials (PeerSession::restart_ice), answered by the
// player (a browser, or amsrtcsrc, which waits for it). The player is ended
// if that does not connect within kIceRestartGraceMs, or at once when the
// connection never came up or cannot be restarted now.
void PlayerEndpoint::connection_failed() {
  if (ice_restart_deadline_.active()) return;  // the restart's deadline decides
  if (!connected_ || offer_outstanding_ || !session_->restart_ice()) {
    GST_WARNING("player %s: the connection failed", key_.stream_id.c_str());
    events_.media_event(EndpointFailed{key_, "", "the connection failed"});
    return;
  }
  GST_INFO("player %s: the connection failed: restarting ICE", key_.stream_id.c_str());
  offer_outstanding_ = true;  // the restart's offer; on_signaling_stable ends it
  Weak weak = weak_from_this();
  ice_restart_deadline_.start(main_.context(), kIceRestartGraceMs, [weak] {
    auto self = weak.lock();
    if (!self || self->stopped_) return;
    if (session::is_connected(self->webrtc_)) {
      GST_INFO("player %s: connected again after the ICE restart", self->key_.stream_id.c_str());
      return;
    }
    GST_WARNING("player %s: the ICE restart did not connect", self->key_.stream_id.c_str());
    self->events_.media_event(EndpointFailed{
        self->key_, "", "the connection failed and an ICE restart did not repair it"});
  });
}

void PlayerEndpoint::on_connected() {
  if (connected_) return;
  connected_ = true;
  // PeerSession already asked every feeder for a keyframe (which reaches
  // the publisher as a PLI): the player decodes from its first frame.
  events_.media_event(MediaFlowing{key_});
}

void PlayerEndpoint::apply_remote_description(protocol::SdpType type, const std::string &sdp) {
  if (session_) session_->set_remote_description(type, sdp);
}

void PlayerEndpoint::add_remote_candidate(unsigned mline, const std::string &candidate) {
  if (session_) session_->add_remote_candidate(mline, candidate);
}

void PlayerEndpoint::send_data(const std::string &text, GBytes *data) {
  if (channel_ != nullptr) send_on_data_channel(channel_, text, data);
}

void PlayerEndpoint::set_enabled(const std::string &source, const std::string &kind, bool enabled) {
  for (Link &link : links_) {
    if (link.source != source || (!kind.empty() && link.track->kind != kind)) continue;
    const bool was = link.gate->enabled.exchange(enabled);
    if (!was && enabled) request_keyframe(link.queue);
  }
}

std::vector<std::string> PlayerEndpoint::source_ids() const {
  std::set<std::string> ids;
  for (const Link &link : links_) ids.insert(link.source);
  return {ids.begin(), ids.end()};
}

std::vector<std::string> PlayerEndpoint::track_ids() const {
  std::vector<std::string> ids;
  for (const Link &link : links_) ids.push_back(track_id(link.track->kind, link.source));
  return ids;
}

void PlayerEndpoint::stop() {
  if (stopped_) return;
  stopped_ = true;
  ice_restart_deadline_.cancel();
  // The tee pads go first: the publisher's thread stops pushing here.
  for (Link &link : links_) {
    if (link.tee_pad == nullptr) continue;
    gst_element_release_request_pad(link.track->tee, link.tee_pad);
    gst_object_unref(link.tee_pad);
    link.tee_pad = nullptr;
  }
  if (webrtc_ != nullptr) {
    // webrtcbin may hold a queue's buffer at a sink pad until negotiated:
    // stopping it first unblocks the queues. (Its SCTP elements too:
    // element_stop.h.)
    session::stop_element_and_children(webrtc_);
  }
  for (Link &link : links_) {
    if (link.transceiver != nullptr) gst_object_unref(link.transceiver);
    if (link.webrtc_pad != nullptr) gst_object_unref(link.webrtc_pad);
    link.transceiver = nullptr;
    link.webrtc_pad = nullptr;
    gst_element_set_state(link.queue, GST_STATE_NULL);
    gst_bin_remove(pipeline_, link.queue);
  }
  links_.clear();
  if (channel_ != nullptr) g_object_unref(channel_);
  channel_ = nullptr;
  if (webrtc_ != nullptr) {
    session_.reset();
    gst_bin_remove(pipeline_, webrtc_);
    gst_object_unref(webrtc_);
    webrtc_ = nullptr;
  }
  GST_INFO("player %s (connection %" G_GUINT64_FORMAT "): stopped", key_.stream_id.c_str(),
           key_.connection);
}

}  // namespace amsrtc::server::media
