#include "publisher_endpoint.h"

#include <gst/rtp/rtp.h>

#include <atomic>
#include <mutex>

#include "data_channel.h"
#include "forwarded_codecs.h"
#include "forwarding_jitterbuffer.h"
#include "frame_batcher.h"
#include "frame_size.h"
#include "gst/session/element_stop.h"
#include "gst/session/nack.h"
#include "keyframe_limiter.h"

GST_DEBUG_CATEGORY_EXTERN(amsrtc_sfu_debug);
#define GST_CAT_DEFAULT amsrtc_sfu_debug

namespace amsrtc::server::media {

namespace {

using Weak = std::weak_ptr<PublisherEndpoint>;

// Players' keyframe requests reach the publisher at most this often (Janus
// VideoRoom allows one per second; half of that keeps a late player's first
// frame prompt).
constexpr GstClockTime kKeyframeRequestInterval = 500 * GST_MSECOND;

// A publisher that stops sending this long after media flowed is gone; the
// last track waits this long for its first packet before the stream counts
// as started without it.
constexpr guint kLateTrackGraceMs = 1500;

// A publisher whose connection failed after media flowed may restart ICE (a
// new offer on the live session, PROTOCOL.md §3.11); it has this long to be
// connected again: an endpoint that vanished is gone within 5 s. One that
// stopped sending is ended sooner, by the media plane's 3 s silence check.
constexpr guint kIceRestartGraceMs = 5000;

void free_weak(gpointer data, GClosure *) { delete static_cast<Weak *>(data); }

// Counts the track's bytes and reads its picture size, on the streaming
// thread; the first packet announces the track on the main context.
struct TrackProbe {
  std::weak_ptr<Track> track;
  std::function<void()> first_packet;  // posts to the main context
  std::atomic<bool> announced{false};
};

GstPadProbeReturn on_track_buffer(GstPad *, GstPadProbeInfo *info, gpointer data) {
  auto *probe = static_cast<TrackProbe *>(data);
  auto track = probe->track.lock();
  if (!track) return GST_PAD_PROBE_OK;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER(info);
  track->bytes += gst_buffer_get_size(buffer);
  if (track->kind == "video") {
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    if (gst_rtp_buffer_map(buffer, GST_MAP_READ, &rtp)) {
      int width = 0, height = 0;
      if (read_frame_size(track->encoding,
                          static_cast<const uint8_t *>(gst_rtp_buffer_get_payload(&rtp)),
                          gst_rtp_buffer_get_payload_len(&rtp), width, height)) {
        track->width = width;
        track->height = height;
      }
      gst_rtp_buffer_unmap(&rtp);
    }
  }
  if (!probe->announced.exchange(true)) probe->first_packet();
  return GST_PAD_PROBE_OK;
}

}  // namespace

PublisherEndpoint::PublisherEndpoint(GstBin *pipeline, EndpointKey key,
                                     const session::IceSettings &ice, const MainContext &main,
                                     Events events)
    : pipeline_(pipeline), key_(std::move(key)), ice_(ice), main_(main),
      events_(std::move(events)) {}

PublisherEndpoint::~PublisherEndpoint() {
  stop();
  for (auto &[kind, caps] : offered_caps_) gst_caps_unref(caps);
}

void PublisherEndpoint::fail(const std::string &definition, const std::string &information) {
  GST_WARNING("publisher %s: %s", key_.stream_id.c_str(), information.c_str());
  Weak weak = weak_from_this();
  main_.post([weak, definition, information] {
    auto self = weak.lock();
    if (!self || self->stopped_) return;
    self->events_.media_event(EndpointFailed{self->key_, definition, information});
  });
}

void PublisherEndpoint::start(const std::string &offer) {
  GST_LOG("publisher %s: offer:\n%s", key_.stream_id.c_str(), offer.c_str());
  ReceivePlan plan;
  plan_publisher_tracks(offer, plan);
  if (!plan.error.empty()) return fail("notSetRemoteDescription", plan.error);
  expected_tracks_ = plan.tracks.size();
  {
    std::lock_guard<std::mutex> lock(created_mutex_);
    for (const auto &track : plan.tracks) {
      if (offered_caps_.count(track.kind) == 0) offered_caps_[track.kind] = gst_caps_ref(track.caps);
    }
  }

  static std::atomic<unsigned> counter{0};
  const std::string name = "publisher" + std::to_string(counter++) + "-" + key_.stream_id;
  webrtc_ = gst_element_factory_make("webrtcbin", name.c_str());
  if (webrtc_ == nullptr) return fail("server_error_check_logs", "webrtcbin is not installed");
  gst_object_ref_sink(webrtc_);
  // Packets are forwarded as they arrive, missing ones asked for on the way
  // (forwarding_jitterbuffer.h); the latency is how long a retransmission
  // is still worth asking for, sent with each request.
  use_forwarding_jitterbuffers(webrtc_);
  // NACKs and transport-cc feedback every ~50 ms (gst/session/nack.h).
  session::make_rtcp_timely(webrtc_);
  g_object_set(webrtc_, "latency", 100u, nullptr);

  Weak weak = weak_from_this();
  const MainContext *main = &main_;
  auto post_event = [weak, main](auto make_event) {
    main->post([weak, make_event] {
      auto self = weak.lock();
      if (!self || self->stopped_) return;
      self->events_.media_event(make_event(self->key_));
    });
  };
  session::SessionCallbacks callbacks{
      [post_event](protocol::SdpType type, const std::string &sdp) {
        post_event([type, sdp](const EndpointKey &key) -> MediaEvent {
          return LocalDescription{key, type, sdp, {}};
        });
      },
      [post_event](unsigned mline, const std::string &mid, const std::string &candidate) {
        post_event([mline, mid, candidate](const EndpointKey &key) -> MediaEvent {
          return LocalCandidate{key, mline, mid, candidate};
        });
      },
      [weak](const std::string &error) {
        if (auto self = weak.lock()) self->fail("notSetRemoteDescription", error);
      },
      [weak, main] {
        main->post([weak] {
          if (auto self = weak.lock()) self->connection_failed();
        });
      },
      nullptr};
  session_ = std::make_unique<session::PeerSession>(webrtc_, ice_, std::move(callbacks));
  g_signal_connect_data(webrtc_, "pad-added", G_CALLBACK(on_pad_added), new_weak(), free_weak,
                        static_cast<GConnectFlags>(0));
  g_signal_connect_data(webrtc_, "on-data-channel", G_CALLBACK(on_data_channel), new_weak(),
                        free_weak, static_cast<GConnectFlags>(0));
  gst_bin_add(pipeline_, webrtc_);
  gst_element_sync_state_with_parent(webrtc_);

  for (const auto &track : plan.tracks) {
    GstWebRTCRTPTransceiver *transceiver = nullptr;
    g_signal_emit_by_name(webrtc_, "add-transceiver",
                          GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY, track.caps, &transceiver);
    if (transceiver == nullptr) return fail("notSetRemoteDescription", "webrtcbin refused a track");
    // NACK for video only: browsers retransmit video (RTX) and not Opus,
    // whose packets are each a whole 20 ms of sound.
    g_object_set(transceiver, "do-nack", track.kind == "video", nullptr);
    gst_object_unref(transceiver);
  }
  GST_INFO("publisher %s: answering an offer with %zu tracks", key_.stream_id.c_str(),
           expected_tracks_);
  session_->set_remote_description(protocol::SdpType::kOffer, offer);
}

void PublisherEndpoint::apply_remote_description(protocol::SdpType type, const std::string &sdp) {
  if (type == protocol::SdpType::kOffer && ice_restart_grace_.active()) {
    GST_INFO("publisher %s: a new offer after the connection failed (ICE restart)",
             key_.stream_id.c_str());
    ice_restart_grace_.cancel();
  }
  if (session_) session_->set_remote_description(type, sdp);
}

void PublisherEndpoint::connection_failed() {
  if (stopped_ || ice_restart_grace_.active()) return;
  if (!reported_flowing_) {
    return fail("noPacketReceivedForTimeoutDuration",
                "the connection to the publisher failed (ICE or DTLS)");
  }
  GST_INFO("publisher %s: the connection failed; waiting %u s for an ICE restart",
           key_.stream_id.c_str(), kIceRestartGraceMs / 1000);
  Weak weak = weak_from_this();
  ice_restart_grace_.start(main_.context(), kIceRestartGraceMs, [weak] {
    auto self = weak.lock();
    if (!self || self->stopped_) return;
    // Restarted before our own failure report (the old path's consent check
    // can expire after the restart began): connected is fine.
    if (session::is_connected(self->webrtc_)) {
      GST_INFO("publisher %s: connected again", self->key_.stream_id.c_str());
      return;
    }
    self->events_.media_event(EndpointFailed{
        self->key_, "noPacketReceivedForTimeoutDuration",
        "the connection to the publisher failed (ICE or DTLS) and was not restarted within " +
            std::to_string(kIceRestartGraceMs / 1000) + " s"});
  });
}

void PublisherEndpoint::add_remote_candidate(unsigned mline, const std::string &candidate) {
  if (session_) session_->add_remote_candidate(mline, candidate);
}

// On webrtcbin's streaming thread, before its first packet: the tee must be
// linked now, or that packet would find the pad unlinked.
void PublisherEndpoint::on_pad_added(GstElement *, GstPad *pad, gpointer weak_ptr) {
  if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC) return;
  if (auto self = static_cast<Weak *>(weak_ptr)->lock()) self->add_track(pad);
}

void PublisherEndpoint::add_track(GstPad *pad) {
  auto track = std::make_shared<Track>();
  GstCaps *caps = gst_pad_get_current_caps(pad);
  if (caps == nullptr) caps = gst_pad_query_caps(pad, nullptr);
  const GstStructure *s = gst_caps_get_structure(caps, 0);
  const char *kind = gst_structure_get_string(s, "media");
  const char *encoding = gst_structure_get_string(s, "encoding-name");
  track->kind = kind != nullptr ? kind : "";
  track->encoding = encoding != nullptr ? encoding : "";
  gst_caps_unref(caps);

  track->tee = gst_element_factory_make("tee", nullptr);
  gst_object_ref_sink(track->tee);
  // A track with no player yet goes nowhere, which is fine.
  g_object_set(track->tee, "allow-not-linked", TRUE, nullptr);
  gst_bin_add(pipeline_, track->tee);
  gst_element_sync_state_with_parent(track->tee);
  GstPad *tee_sink = gst_element_get_static_pad(track->tee, "sink");
  limit_keyframe_requests(tee_sink, kKeyframeRequestInterval);
  if (track->kind == "video") {
    // A frame's packets reach the players as one list (frame_batcher.h).
    track->batcher = GST_ELEMENT(gst_object_ref_sink(make_frame_batcher()));
    gst_bin_add(pipeline_, track->batcher);
    gst_element_sync_state_with_parent(track->batcher);
    gst_element_link(track->batcher, track->tee);
    GstPad *batcher_sink = gst_element_get_static_pad(track->batcher, "sink");
    gst_pad_link(pad, batcher_sink);
    gst_object_unref(batcher_sink);
  } else {
    gst_pad_link(pad, tee_sink);
  }
  gst_object_unref(tee_sink);

  Weak weak = weak_from_this();
  const MainContext *main = &main_;
  std::weak_ptr<Track> weak_track = track;
  auto *probe = new TrackProbe;
  probe->track = track;
  probe->first_packet = [weak, weak_track, main] {
    main->post([weak, weak_track] {
      auto self = weak.lock();
      auto track = weak_track.lock();
      if (self && track && !self->stopped_) self->track_flowing(track);
    });
  };
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, on_track_buffer, probe,
                    [](gpointer data) { delete static_cast<TrackProbe *>(data); });
  GST_INFO("publisher %s: %s track %s", key_.stream_id.c_str(), track->kind.c_str(),
           track->encoding.c_str());
  std::lock_guard<std::mutex> lock(created_mutex_);
  auto offered = offered_caps_.find(track->kind);
  if (offered != offered_caps_.end()) track->offered_caps = gst_caps_ref(offered->second);
  created_tracks_.push_back(track);  // for teardown
}

void PublisherEndpoint::track_flowing(const std::shared_ptr<Track> &track) {
  GstPad *tee_sink = gst_element_get_static_pad(track->tee, "sink");
  track->caps = gst_pad_get_current_caps(tee_sink);
  gst_object_unref(tee_sink);
  if (track->caps == nullptr) return;
  tracks_.push_back(track);
  if (events_.track_added) events_.track_added(track);
  if (reported_flowing_) return;
  auto report = [this] {
    reported_flowing_ = true;
    if (grace_timer_ != 0) g_source_remove(grace_timer_);
    grace_timer_ = 0;
    events_.media_event(MediaFlowing{key_});
  };
  if (tracks_.size() >= expected_tracks_) return report();
  if (grace_timer_ != 0) return;
  // The first track flows; give the others a moment so that players created
  // at publish_started get every track in their first offer.
  Weak weak = weak_from_this();
  auto *context = new Weak(weak);
  GSource *timer = g_timeout_source_new(kLateTrackGraceMs);
  g_source_set_callback(
      timer,
      [](gpointer data) -> gboolean {
        auto self = static_cast<Weak *>(data)->lock();
        if (!self || self->stopped_) return G_SOURCE_REMOVE;
        self->grace_timer_ = 0;
        if (!self->reported_flowing_) {
          self->reported_flowing_ = true;
          self->events_.media_event(MediaFlowing{self->key_});
        }
        return G_SOURCE_REMOVE;
      },
      context, [](gpointer data) { delete static_cast<Weak *>(data); });
  grace_timer_ = g_source_attach(timer, main_.context());
  g_source_unref(timer);
}

void PublisherEndpoint::on_data_channel(GstElement *, GstWebRTCDataChannel *channel,
                                        gpointer weak_ptr) {
  auto self = static_cast<Weak *>(weak_ptr)->lock();
  if (!self) return;
  Weak weak = self;
  watch_data_channel(channel, self->main_, [weak](const std::string &text, GBytes *data) {
    auto self = weak.lock();
    if (self && !self->stopped_ && self->events_.data) self->events_.data(text, data);
  });
  auto *ref = GST_WEBRTC_DATA_CHANNEL(g_object_ref(channel));
  self->main_.post([weak, ref] {
    auto self = weak.lock();
    if (self && !self->stopped_ && self->channel_ == nullptr) {
      self->channel_ = ref;
    } else {
      g_object_unref(ref);
    }
  });
}

void PublisherEndpoint::send_data(const std::string &text, GBytes *data) {
  if (channel_ != nullptr) send_on_data_channel(channel_, text, data);
}

void PublisherEndpoint::stop() {
  if (stopped_) return;
  stopped_ = true;
  if (grace_timer_ != 0) g_source_remove(grace_timer_);
  grace_timer_ = 0;
  ice_restart_grace_.cancel();
  if (webrtc_ != nullptr) {
    // Stopping webrtcbin first joins its streaming threads: no pad-added or
    // probe runs after this. (Its SCTP elements too: element_stop.h.)
    session::stop_element_and_children(webrtc_);
    session_.reset();
    gst_bin_remove(pipeline_, webrtc_);
    gst_object_unref(webrtc_);
    webrtc_ = nullptr;
  }
  tracks_.clear();
  std::vector<std::shared_ptr<Track>> created;
  {
    std::lock_guard<std::mutex> lock(created_mutex_);
    created.swap(created_tracks_);
  }
  for (const auto &track : created) {
    if (track->batcher != nullptr) {
      gst_element_set_state(track->batcher, GST_STATE_NULL);
      gst_bin_remove(pipeline_, track->batcher);
    }
    gst_element_set_state(track->tee, GST_STATE_NULL);
    gst_bin_remove(pipeline_, track->tee);
  }
  if (channel_ != nullptr) g_object_unref(channel_);
  channel_ = nullptr;
  GST_INFO("publisher %s: stopped", key_.stream_id.c_str());
}

}  // namespace amsrtc::server::media
