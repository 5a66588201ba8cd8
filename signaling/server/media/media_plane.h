// The SFU's media plane: executes the state machine's media actions
// (outbox.h) with one webrtcbin per endpoint in a single pipeline, and
// reports MediaEvents back (media_events.h). What it forwards, and how:
// docs/server.md "Media plane".
//
// Runs on the server's main context, like the state machine: actions are
// executed there, and webrtcbin's callbacks hop there before they touch
// anything (main_context.h).
#pragma once

#include <gst/gst.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gst/session/peer_session.h"
#include "latency_redistribution.h"
#include "main_context.h"
#include "player_endpoint.h"
#include "publisher_endpoint.h"
#include "signaling/server/media_events.h"
#include "signaling/server/outbox.h"

namespace amsrtc::server::media {

class MediaPlane {
 public:
  using EventSink = std::function<void(const MediaEvent &)>;

  // `sink` receives every event on the main context of the calling thread.
  MediaPlane(session::IceSettings ice, EventSink sink);
  ~MediaPlane();
  MediaPlane(const MediaPlane &) = delete;
  MediaPlane &operator=(const MediaPlane &) = delete;

  // Initializes GStreamer and starts the (empty) pipeline. False, with a
  // message in `error`, when a needed element is missing.
  bool start(std::string &error);
  // Carries out a media action; other outputs are not the media plane's.
  void execute(const Output &output);
  // About once a second: a publisher whose packets stopped for
  // kPublisherSilenceUs is reported failed; every publisher's stream
  // information (size, bitrates, codec) is reported.
  void tick();

  std::size_t publisher_count() const { return publishers_.size(); }
  std::size_t player_count() const { return players_.size(); }

 private:
  void create_publisher(const CreatePublisher &action);
  void create_player(const CreatePlayer &action);
  void update_player(const EndpointKey &key, const std::vector<std::string> &sources);
  void remove_endpoint(const EndpointKey &key);
  std::vector<PlayerSource> sources_of(const std::vector<std::string> &stream_ids) const;
  void on_track_added(const std::string &stream_id);
  void forward_from_publisher(const std::string &stream_id, const std::string &text, GBytes *data);
  void forward_from_player(const EndpointKey &from, const std::string &text, GBytes *data);
  static gboolean on_bus_message(GstBus *bus, GstMessage *message, gpointer self);

  session::IceSettings ice_;
  EventSink sink_;
  MainContext main_;
  GstPipeline *pipeline_ = nullptr;
  guint bus_watch_ = 0;
  std::unique_ptr<LatencyRedistribution> latency_;  // while pipeline_ lives
  // Publishers by stream id (one per stream); players by endpoint.
  std::map<std::string, std::shared_ptr<PublisherEndpoint>> publishers_;
  std::map<EndpointKey, std::shared_ptr<PlayerEndpoint>> players_;
  std::map<EndpointKey, std::vector<std::string>> player_sources_;
  // Each publisher's byte counts at the last tick, its bitrates, and when
  // its packets last arrived.
  struct Activity {
    uint64_t video_bytes = 0;
    uint64_t audio_bytes = 0;
    int64_t measured_us = 0;
    int64_t last_growth_us = 0;
    int64_t video_bps = 0;
    int64_t audio_bps = 0;
  };
  std::map<std::string, Activity> activity_;
  bool memory_to_return_ = false;  // an endpoint went away since the last tick
};

}  // namespace amsrtc::server::media
