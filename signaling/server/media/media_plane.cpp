#include "media_plane.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <algorithm>

GST_DEBUG_CATEGORY(amsrtc_sfu_debug);
#define GST_CAT_DEFAULT amsrtc_sfu_debug

namespace amsrtc::server::media {

namespace {

// A publisher whose packets stop this long after they flowed is gone
// (PROTOCOL.md §3.2 (8) noPacketReceivedForTimeoutDuration); ends within
// the 5 s a vanished peer may take.
constexpr int64_t kPublisherSilenceUs = 3'000'000;

}  // namespace

MediaPlane::MediaPlane(session::IceSettings ice, EventSink sink)
    : ice_(std::move(ice)), sink_(std::move(sink)) {}

MediaPlane::~MediaPlane() {
  std::vector<EndpointKey> keys;
  for (const auto &[key, player] : players_) keys.push_back(key);
  for (const auto &key : keys) remove_endpoint(key);
  std::vector<std::string> ids;
  for (const auto &[id, publisher] : publishers_) ids.push_back(id);
  for (const auto &id : ids) remove_endpoint(publishers_[id]->key());
  if (bus_watch_ != 0) g_source_remove(bus_watch_);
  latency_.reset();
  if (pipeline_ != nullptr) {
    gst_element_set_state(GST_ELEMENT(pipeline_), GST_STATE_NULL);
    gst_object_unref(pipeline_);
  }
}

bool MediaPlane::start(std::string &error) {
  if (!gst_init_check(nullptr, nullptr, nullptr)) {
    error = "GStreamer could not be initialized";
    return false;
  }
  GST_DEBUG_CATEGORY_INIT(amsrtc_sfu_debug, "amsrtcsfu", 0, "amsrtc-server media plane (SFU)");
  for (const char *factory : {"webrtcbin", "tee", "queue"}) {
    GstElementFactory *f = gst_element_factory_find(factory);
    if (f == nullptr) {
      error = std::string("the GStreamer element '") + factory +
              "' is missing: install gstreamer1.0-plugins-bad and gstreamer1.0-nice, or run "
              "with --no-media for a signaling-only server";
      return false;
    }
    gst_object_unref(f);
  }
  pipeline_ = GST_PIPELINE(gst_pipeline_new("sfu"));
  gst_object_ref_sink(pipeline_);
  // Forward each packet as soon as it is in order. webrtcbin 1.22 puts a
  // clocksync before each stream it sends, which holds every packet until
  // its timestamp plus the pipeline's latency; here that latency is the
  // publishers' jitterbuffer latency (how long a lost packet may wait for
  // its retransmission), so every forwarded packet was ~100 ms late
  // (GST_TRACERS=latency showed it waiting in the queue before each player).
  g_signal_connect(pipeline_, "deep-element-added",
                   G_CALLBACK(+[](GstBin *, GstBin *, GstElement *element, gpointer) {
                     GstElementFactory *factory = gst_element_get_factory(element);
                     if (factory != nullptr && g_str_equal(GST_OBJECT_NAME(factory), "clocksync")) {
                       g_object_set(element, "sync", FALSE, nullptr);
                     }
                   }),
                   nullptr);
  latency_ = std::make_unique<LatencyRedistribution>(
      main_.context(), [this] { gst_bin_recalculate_latency(GST_BIN(pipeline_)); });
  GstBus *bus = gst_pipeline_get_bus(pipeline_);
  // Attached to the thread-default context: the server's main context.
  bus_watch_ = gst_bus_add_watch(bus, on_bus_message, this);
  gst_object_unref(bus);
  gst_element_set_state(GST_ELEMENT(pipeline_), GST_STATE_PLAYING);
  return true;
}

gboolean MediaPlane::on_bus_message(GstBus *, GstMessage *message, gpointer self_ptr) {
  auto *self = static_cast<MediaPlane *>(self_ptr);
  switch (GST_MESSAGE_TYPE(message)) {
    case GST_MESSAGE_LATENCY:
      // An endpoint joined a running pipeline: hand out the latency again,
      // once for a burst of joins (latency_redistribution.h).
      self->latency_->request();
      break;
    case GST_MESSAGE_ERROR:
    case GST_MESSAGE_WARNING: {
      GError *error = nullptr;
      gchar *debug = nullptr;
      if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
        gst_message_parse_error(message, &error, &debug);
      } else {
        gst_message_parse_warning(message, &error, &debug);
      }
      // One endpoint's trouble is logged; its session ends through its own
      // failure callbacks, and the pipeline keeps serving everyone else.
      GST_WARNING_OBJECT(GST_MESSAGE_SRC(message), "%s (%s)", error->message,
                         debug != nullptr ? debug : "");
      g_clear_error(&error);
      g_free(debug);
      break;
    }
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

void MediaPlane::execute(const Output &output) {
  if (const auto *a = std::get_if<CreatePublisher>(&output)) {
    create_publisher(*a);
  } else if (const auto *a = std::get_if<CreatePlayer>(&output)) {
    create_player(*a);
  } else if (const auto *a = std::get_if<UpdatePlayerSources>(&output)) {
    update_player(a->key, a->sources);
  } else if (const auto *a = std::get_if<SetTrackEnabled>(&output)) {
    auto it = players_.find(a->key);
    if (it != players_.end()) it->second->set_enabled(a->source, a->kind, a->enabled);
  } else if (const auto *a = std::get_if<ApplyRemoteDescription>(&output)) {
    if (a->key.player) {
      auto it = players_.find(a->key);
      if (it != players_.end()) it->second->apply_remote_description(a->type, a->sdp);
    } else {
      auto it = publishers_.find(a->key.stream_id);
      if (it != publishers_.end() && it->second->key() == a->key)
        it->second->apply_remote_description(a->type, a->sdp);
    }
  } else if (const auto *a = std::get_if<ApplyRemoteCandidate>(&output)) {
    if (a->key.player) {
      auto it = players_.find(a->key);
      if (it != players_.end()) it->second->add_remote_candidate(a->mline, a->candidate);
    } else {
      auto it = publishers_.find(a->key.stream_id);
      if (it != publishers_.end() && it->second->key() == a->key)
        it->second->add_remote_candidate(a->mline, a->candidate);
    }
  } else if (const auto *a = std::get_if<RemoveEndpoint>(&output)) {
    remove_endpoint(a->key);
  }
}

void MediaPlane::create_publisher(const CreatePublisher &action) {
  const std::string id = action.key.stream_id;
  auto existing = publishers_.find(id);
  if (existing != publishers_.end()) remove_endpoint(existing->second->key());
  PublisherEndpoint::Events events;
  events.media_event = [this](const MediaEvent &event) { sink_(event); };
  events.track_added = [this, id](const std::shared_ptr<Track> &) { on_track_added(id); };
  events.data = [this, id](const std::string &text, GBytes *data) {
    forward_from_publisher(id, text, data);
  };
  auto publisher = std::make_shared<PublisherEndpoint>(GST_BIN(pipeline_), action.key, ice_, main_,
                                                       std::move(events));
  publishers_[id] = publisher;
  activity_[id] = Activity{};
  publisher->start(action.offer_sdp);
  // webrtcbin's RTP sessions learn the pipeline's latency.
  gst_element_post_message(GST_ELEMENT(pipeline_), gst_message_new_latency(GST_OBJECT(pipeline_)));
}

std::vector<PlayerSource> MediaPlane::sources_of(const std::vector<std::string> &stream_ids) const {
  std::vector<PlayerSource> sources;
  for (const auto &id : stream_ids) {
    auto it = publishers_.find(id);
    if (it == publishers_.end()) continue;
    sources.push_back({id, it->second->tracks()});
  }
  return sources;
}

void MediaPlane::create_player(const CreatePlayer &action) {
  if (players_.count(action.key) != 0) remove_endpoint(action.key);
  PlayerEndpoint::Events events;
  events.media_event = [this](const MediaEvent &event) { sink_(event); };
  const EndpointKey key = action.key;
  events.data = [this, key](const std::string &text, GBytes *data) {
    forward_from_player(key, text, data);
  };
  auto player =
      std::make_shared<PlayerEndpoint>(GST_BIN(pipeline_), key, ice_, main_, std::move(events));
  players_[key] = player;
  player_sources_[key] = action.sources;
  player->start();
  player->set_sources(sources_of(action.sources));
  gst_element_post_message(GST_ELEMENT(pipeline_), gst_message_new_latency(GST_OBJECT(pipeline_)));
}

void MediaPlane::update_player(const EndpointKey &key, const std::vector<std::string> &sources) {
  auto it = players_.find(key);
  if (it == players_.end()) return;
  player_sources_[key] = sources;
  it->second->set_sources(sources_of(sources));
}

// A publisher's track started (its first packets): the players of that
// stream get it, re-offering if they already offered without it.
void MediaPlane::on_track_added(const std::string &stream_id) {
  for (auto &[key, player] : players_) {
    const auto &sources = player_sources_[key];
    if (std::find(sources.begin(), sources.end(), stream_id) == sources.end()) continue;
    player->set_sources(sources_of(sources));
  }
}

void MediaPlane::remove_endpoint(const EndpointKey &key) {
  memory_to_return_ = true;
  if (key.player) {
    auto it = players_.find(key);
    if (it == players_.end()) return;
    auto player = it->second;
    players_.erase(it);
    player_sources_.erase(key);
    player->stop();
    return;
  }
  auto it = publishers_.find(key.stream_id);
  if (it == publishers_.end() || !(it->second->key() == key)) return;
  auto publisher = it->second;
  publishers_.erase(it);
  activity_.erase(key.stream_id);
  // Players still linked to its tees (a main-track player whose update has
  // not come yet) let go of them first.
  for (auto &[player_key, player] : players_) {
    const auto &sources = player_sources_[player_key];
    if (std::find(sources.begin(), sources.end(), key.stream_id) != sources.end()) {
      player->set_sources(sources_of(sources));
    }
  }
  publisher->stop();
}

// PROTOCOL.md §3.9, distribution "all": what the publisher sends reaches
// every player of its stream.
void MediaPlane::forward_from_publisher(const std::string &stream_id, const std::string &text,
                                        GBytes *data) {
  for (auto &[key, player] : players_) {
    const auto &sources = player_sources_[key];
    if (std::find(sources.begin(), sources.end(), stream_id) != sources.end()) {
      player->send_data(text, data);
    }
  }
}

// ...and what a player sends reaches the publisher(s) it plays and the other
// players of the same stream.
void MediaPlane::forward_from_player(const EndpointKey &from, const std::string &text,
                                     GBytes *data) {
  auto sources = player_sources_.find(from);
  if (sources == player_sources_.end()) return;
  for (const auto &id : sources->second) {
    auto publisher = publishers_.find(id);
    if (publisher != publishers_.end()) publisher->second->send_data(text, data);
  }
  for (auto &[key, player] : players_) {
    if (key == from || key.stream_id != from.stream_id) continue;
    player->send_data(text, data);
  }
}

void MediaPlane::tick() {
  const int64_t now = g_get_monotonic_time();
#ifdef __GLIBC__
  // An endpoint (a webrtcbin and its threads) freed a few MB, spread over
  // glibc's per-thread arenas, which keep it: without this the RSS of a
  // server that has seen many short sessions stays at its past peak rather
  // than what is live (+17 % over 200 publish/play/stop cycles, flat after
  // 40). Once a second at most, after endpoints went away.
  if (memory_to_return_) {
    memory_to_return_ = false;
    malloc_trim(0);
  }
#endif
  std::vector<EndpointKey> silent;
  for (auto &[id, publisher] : publishers_) {
    const auto &tracks = publisher->tracks();
    if (tracks.empty()) continue;  // not flowing yet: the state machine's publish timeout
    uint64_t video_bytes = 0, audio_bytes = 0;
    protocol::StreamInfo info;
    for (const auto &track : tracks) {
      if (track->kind == "video") {
        video_bytes += track->bytes;
        info.stream_width = track->width;
        info.stream_height = track->height;
        info.video_codec = track->encoding;
      } else {
        audio_bytes += track->bytes;
      }
    }
    Activity &a = activity_[id];
    if (a.measured_us != 0 && now > a.measured_us) {
      const int64_t elapsed = now - a.measured_us;
      a.video_bps = static_cast<int64_t>((video_bytes - a.video_bytes) * 8 * 1'000'000 / elapsed);
      a.audio_bps = static_cast<int64_t>((audio_bytes - a.audio_bytes) * 8 * 1'000'000 / elapsed);
    }
    if (video_bytes + audio_bytes != a.video_bytes + a.audio_bytes || a.last_growth_us == 0) {
      a.last_growth_us = now;
    } else if (now - a.last_growth_us >= kPublisherSilenceUs) {
      silent.push_back(publisher->key());
      continue;
    }
    a.video_bytes = video_bytes;
    a.audio_bytes = audio_bytes;
    a.measured_us = now;
    info.video_bitrate = a.video_bps;
    info.audio_bitrate = a.audio_bps;
    sink_(StreamStats{publisher->key(), info});
  }
  for (const auto &key : silent) {
    GST_WARNING("publisher %s sent nothing for %" G_GINT64_FORMAT " s", key.stream_id.c_str(),
                kPublisherSilenceUs / 1'000'000);
    sink_(EndpointFailed{key, "noPacketReceivedForTimeoutDuration",
                         "no packets arrived from the publisher for 3 s"});
  }
}

}  // namespace amsrtc::server::media
