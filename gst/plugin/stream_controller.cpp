#include "stream_controller.h"

#include <gst/webrtc/webrtc.h>

#include <chrono>
#include <set>
#include <utility>

#include "gst/session/nack.h"
#include "gst/session/sdp_utils.h"
#include "media_chains.h"
#include "server_errors.h"
#include "stream_uri.h"

GST_DEBUG_CATEGORY_EXTERN(amsrtc_stream_debug);
#define GST_CAT_DEFAULT amsrtc_stream_debug

namespace amsrtc::plugin {

namespace proto = amsrtc::protocol;

namespace {

constexpr auto kPlayRetryInterval = std::chrono::seconds(3);

// "ARDAMSvalice" -> "alice": the member a main-track idMapping names.
std::string member_of_track(const std::string &track_id) {
  if (track_id.size() > 7 && track_id.rfind("ARDAMS", 0) == 0) return track_id.substr(7);
  return track_id;
}

bool sends_media(const session::SdpMedia &m) {
  return (m.kind == "audio" || m.kind == "video") && !m.rejected &&
         (m.direction == "sendonly" || m.direction == "sendrecv" || m.direction.empty());
}

}  // namespace

struct StreamController::Session : std::enable_shared_from_this<Session> {
  GstElement *webrtc = nullptr;  // in the bin
  std::unique_ptr<session::PeerSession> peer;
  struct Branch {
    GstElement *tee;
    GstPad *tee_pad;  // request pad of the tee
    GstElement *queue;
  };
  std::vector<Branch> branches;
  // Publish: the offer waits for `start` and for every branch's caps.
  unsigned branches_without_caps = 0;  // guarded by the controller's mutex_
  bool offer_wanted = false;
  bool offered = false;
  // Publish: what the receiver reports on our video, and the loss measured
  // from it for the bitrate adaptation.
  ReceiverFeedback feedback;
  LossMeter video_loss;  // guarded by the controller's mutex_
  // Our ICE restart, or the server's restart offer while playing.
  IceRestartWindow ice_restart;  // worker thread only
};

// A played track: receive chain and our src pad. Kept when a session ends,
// so the next session's track of the same name resumes on the same pad.
struct StreamController::Output {
  std::string name;  // "video_alice"
  GstElement *chain = nullptr;
  GstPad *ghost = nullptr;
};

StreamController::StreamController(GstBin *bin, StreamMode mode, StreamSettings settings,
                                   StreamEvents events)
    : bin_(bin), mode_(mode), settings_(std::move(settings)), events_(std::move(events)) {
  bitrate_.set_ceiling(settings_.max_video_bitrate_kbps);
}

StreamController::~StreamController() { stop(); }

void StreamController::add_track(const LocalTrack &track) {
  std::lock_guard<std::mutex> lock(mutex_);
  tracks_.push_back(track);
}

std::string StreamController::wire_stream_id() const {
  return !publishing() && !settings_.room.empty() ? settings_.room : settings_.stream_id;
}

bool StreamController::start() {
  if (wire_stream_id().empty()) {
    events_.error(publishing() ? "No stream id to publish." : "No stream id to play.",
                  "set the stream-id property (or room, to play a conference)", "");
    return false;
  }
  if (publishing() && settings_.room.empty() == false && settings_.stream_id.empty()) {
    events_.error("No stream id to publish in the room.", "set stream-id to this member's id", "");
    return false;
  }
  if (settings_.ice.local_addresses.empty() && server_is_loopback(settings_.server)) {
    // A server on this machine is reached over loopback, which libnice
    // skips unless told.
    settings_.ice.local_addresses = {"127.0.0.1"};
  }
  worker_.start();
  SignalingOptions options;
  options.reconnect = settings_.reconnect;
  options.max_attempts = settings_.max_reconnect_attempts;
  return start_element_signaling(
      client_, client_mutex_, GST_OBJECT(bin_), settings_.server, settings_.ca_file,
      [this](bool reconnected) { on_connected(reconnected); },
      [this](const proto::Message &message) { on_message(message); }, events_.error, options);
}

void StreamController::stop() {
  if (stopping_.exchange(true)) return;
  std::unique_ptr<client::SignalingClient> client;
  {
    // Callbacks still running on the client's or webrtcbin's threads see no
    // client from here on and drop what they would send.
    std::lock_guard<std::mutex> lock(client_mutex_);
    client = std::move(client_);
  }
  if (client) {
    proto::Stop stop;
    stop.stream_id = wire_stream_id();
    client->send(stop);
    if (publishing() && !settings_.room.empty() && settings_.room_style == RoomStyle::kLegacy) {
      proto::LeaveFromRoom leave;
      leave.room = settings_.room;
      leave.stream_id = settings_.stream_id;
      client->send(leave);
    }
    client->stop();  // sends what is queued, closes, joins the thread
  }
  worker_.stop();  // joins: no restart or stats poll runs from here on
  end_session();
  std::vector<std::unique_ptr<Output>> outputs;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    outputs.swap(outputs_);
  }
  for (auto &output : outputs) end_output(*output);
  std::lock_guard<std::mutex> lock(mutex_);
  if (last_stats_ != nullptr) gst_structure_free(last_stats_);
  last_stats_ = nullptr;
}

GstStructure *StreamController::last_stats() {
  std::lock_guard<std::mutex> lock(mutex_);
  return last_stats_ != nullptr ? gst_structure_copy(last_stats_) : nullptr;
}

void StreamController::post_job(std::function<void()> job, std::chrono::milliseconds delay) {
  worker_.post(std::move(job), delay);
}

void StreamController::cancel_jobs() {
  worker_.cancel_all();
}

void StreamController::send(proto::Message message) {
  std::lock_guard<std::mutex> lock(client_mutex_);
  if (client_) client_->send(std::move(message));
}

void StreamController::post(const char *name, const std::string &stream_id) {
  if (!events_.message) return;
  events_.message(gst_structure_new(name, "stream-id", G_TYPE_STRING,
                                    (stream_id.empty() ? wire_stream_id() : stream_id).c_str(),
                                    nullptr));
}

void StreamController::on_connected(bool reconnected) {
  if (reconnected) {
    // The server forgot the old socket's sessions: start over.
    GST_INFO_OBJECT(bin_, "signaling reconnected: %s %s again",
                    publishing() ? "publishing" : "playing", wire_stream_id().c_str());
    post_job([this] {
      end_session();
      request_stream();
    });
    return;
  }
  GST_INFO_OBJECT(bin_, "connected to the signaling server");
  request_stream();
}

void StreamController::request_stream() {
  if (stopping_) return;
  if (publishing()) {
    if (!settings_.room.empty() && settings_.room_style == RoomStyle::kLegacy) {
      // Legacy conference (§3.7): the roster first, the publish when joined.
      proto::JoinRoom join;
      join.room = settings_.room;
      join.stream_id = settings_.stream_id;
      join.mode = "legacy";
      join.token = settings_.token;
      send(join);
      return;
    }
    proto::Publish publish;
    publish.stream_id = settings_.stream_id;
    publish.token = settings_.token;
    publish.main_track = settings_.room;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      publish.video = publish.audio = false;
      for (const auto &track : tracks_) {
        (track.kind == "video" ? publish.video : publish.audio) = true;
      }
    }
    GST_INFO_OBJECT(bin_, "publishing %s (video %d, audio %d)", publish.stream_id.c_str(),
                    publish.video, publish.audio);
    send(publish);
    return;
  }
  proto::Play play;
  play.stream_id = wire_stream_id();
  play.token = settings_.token;
  play.room = settings_.room;
  // In a room our own stream id is the one not to get back (§3.6).
  if (!settings_.room.empty()) play.user_publish_id = settings_.stream_id;
  GST_INFO_OBJECT(bin_, "playing %s", play.stream_id.c_str());
  send(play);
}

void StreamController::on_message(const proto::Message &message) {
  if (stopping_) return;
  if (std::holds_alternative<proto::Start>(message)) {
    if (!publishing() || std::get<proto::Start>(message).stream_id != settings_.stream_id) return;
    // The server takes our publish: we offer (§3.2) once every track's caps
    // have reached webrtcbin (an RTSP camera takes a while): an offer made
    // before describes a codec without its details.
    auto session = ensure_session();
    if (!session || !session->peer) return;
    unsigned without_caps = 0;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      session->offer_wanted = true;
      without_caps = session->branches_without_caps;
    }
    GST_INFO_OBJECT(bin_, "the server takes the publish: offering once %u more track(s) have caps",
                    without_caps);
    maybe_offer(session);
  } else if (const auto *config = std::get_if<proto::TakeConfiguration>(&message)) {
    if (config->stream_id != wire_stream_id()) return;
    if (config->type == proto::SdpType::kOffer) {
      if (publishing()) return;
      // The server's (re-)offer: remember which member each m-line carries,
      // end the pads of members the offer no longer sends.
      const auto media = session::parse_sdp_media(config->sdp);
      std::vector<std::string> names;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (config->id_mapping) {
          for (const auto &[mid, track] : *config->id_mapping) id_mapping_[mid] = track;
        }
        if (media) {
          for (const auto &m : *media) {
            if (!sends_media(m)) continue;
            auto it = id_mapping_.find(m.mid);
            const std::string member =
                it != id_mapping_.end() ? member_of_track(it->second) : wire_stream_id();
            names.push_back(m.kind + "_" + member);
          }
          if (!no_more_pads_ && expected_pads_ == 0) expected_pads_ = names.size();
        }
      }
      end_outputs_not_in(names);
      auto session = ensure_session();
      if (session && session->peer)
        session->peer->set_remote_description(config->type, config->sdp);
      return;
    }
    std::shared_ptr<Session> session;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      session = session_;
    }
    if (session && session->peer) session->peer->set_remote_description(config->type, config->sdp);
  } else if (const auto *candidate = std::get_if<proto::TakeCandidate>(&message)) {
    if (candidate->stream_id != wire_stream_id()) return;
    std::shared_ptr<Session> session;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      session = session_;
    }
    if (session && session->peer) {
      session->peer->add_remote_candidate(static_cast<unsigned>(candidate->label),
                                          candidate->candidate);
    }
  } else if (const auto *notification = std::get_if<proto::Notification>(&message)) {
    on_notification(*notification);
  } else if (const auto *error = std::get_if<proto::Error>(&message)) {
    on_server_error(*error);
  }
}

void StreamController::on_notification(const proto::Notification &notification) {
  const bool ours = notification.stream_id == wire_stream_id();
  switch (notification.kind()) {
    case proto::NotificationKind::kJoinedTheRoom:
      if (publishing() && settings_.room_style == RoomStyle::kLegacy &&
          (notification.room == settings_.room || notification.stream_id == settings_.stream_id)) {
        proto::Publish publish;
        publish.stream_id = settings_.stream_id;
        publish.token = settings_.token;
        send(publish);
      }
      break;
    case proto::NotificationKind::kPublishStarted:
      if (!publishing() || !ours) break;
      attempts_ = 0;
      GST_INFO_OBJECT(bin_, "publish_started");
      post("amsrtc/publish-started");
      schedule_stats();
      break;
    case proto::NotificationKind::kPublishFinished:
      if (publishing() && ours) post("amsrtc/publish-finished");
      break;
    case proto::NotificationKind::kPlayStarted:
      if (publishing() || !ours) break;
      attempts_ = 0;
      GST_INFO_OBJECT(bin_, "play_started");
      post("amsrtc/play-started");
      break;
    case proto::NotificationKind::kPlayFinished: {
      if (publishing() || !ours) break;
      // The stream ended (its publisher stopped): our pads end with it.
      GST_INFO_OBJECT(bin_, "%s finished: EOS on its pads", wire_stream_id().c_str());
      post("amsrtc/play-finished");
      post_job([this] {
        end_session();
        end_outputs_not_in({});
      });
      break;
    }
    case proto::NotificationKind::kStreamingStarted:
      if (publishing() || !ours || !waiting_for_stream_) break;
      waiting_for_stream_ = false;
      cancel_jobs();
      GST_INFO_OBJECT(bin_, "%s started streaming: playing it", wire_stream_id().c_str());
      request_stream();
      break;
    default:
      break;
  }
}

void StreamController::on_server_error(const proto::Error &error) {
  if (!publishing() && (error.kind() == proto::ErrorKind::kNoStreamExist ||
                        error.kind() == proto::ErrorKind::kStreamNotExistOrNotStreaming)) {
    // Not published (yet, or not since the server restarted): wait for it.
    // amsrtc-server says streaming_started when it begins (§12.7); a server
    // that does not is asked again every few seconds, as the JS SDK does.
    const bool first = !waiting_for_stream_;
    waiting_for_stream_ = true;
    if (first && events_.warning) {
      events_.warning("The stream to play is not being published; waiting for it.",
                      "stream " + wire_stream_id() +
                          " does not exist on the server yet: start its publisher, or check "
                          "stream-id");
    }
    cancel_jobs();
    post_job(
        [this] {
          if (waiting_for_stream_) request_stream();
        },
        std::chrono::duration_cast<std::chrono::milliseconds>(kPlayRetryInterval));
    return;
  }
  if (publishing() && error.definition == "noPacketReceivedForTimeoutDuration") {
    // The server ended our publication: our media stopped reaching it, or
    // the connection failed and was not repaired. Publish again (bounded by
    // max-reconnect-attempts), as after any other lost connection.
    const std::string why = "the server ended the publication (" + error.definition +
                            (error.information.empty() ? "" : ": " + error.information) + ")";
    post_job([this, why] { restart(why); });
    return;
  }
  const ServerErrorReport report =
      describe_server_error(error, settings_.stream_id, settings_.room);
  if (!report.fatal) {
    GST_DEBUG_OBJECT(bin_, "server: %s", report.debug.c_str());
    return;
  }
  events_.error(report.text, report.debug, report.definition);
}

std::shared_ptr<StreamController::Session> StreamController::ensure_session() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (session_) return session_;
  }
  auto session = std::make_shared<Session>();
  session->webrtc = gst_element_factory_make("webrtcbin", nullptr);
  if (session->webrtc == nullptr) {
    events_.error("webrtcbin is missing.", "install gstreamer1.0-plugins-bad and gstreamer1.0-nice",
                  "");
    return nullptr;
  }
  g_object_set(session->webrtc, "latency", settings_.latency_ms, nullptr);
  session::request_lost_packets(session->webrtc);  // NACK, as browsers do (gst/session/nack.h)
  // A player's NACKs leave within ~50 ms; a publisher only sends, and its
  // reports keep their default rate.
  if (!publishing()) session::make_rtcp_timely(session->webrtc);
  add_to_bin(session->webrtc);
  const std::string stream_id = wire_stream_id();
  std::weak_ptr<Session> weak = session;
  session->peer = std::make_unique<session::PeerSession>(
      session->webrtc, settings_.ice,
      session::SessionCallbacks{
          [this, stream_id](proto::SdpType type, const std::string &sdp) {
            proto::TakeConfiguration message;
            message.stream_id = stream_id;
            message.type = type;
            message.sdp = sdp;
            send(message);
          },
          [this, stream_id](unsigned mline, const std::string &mid, const std::string &candidate) {
            proto::TakeCandidate message;
            message.stream_id = stream_id;
            message.label = mline;
            message.id = mid;
            message.candidate = candidate;
            send(message);
          },
          [this](const std::string &error) {
            events_.error("WebRTC negotiation failed.", error, "");
          },
          [this, weak] {
            post_job([this, weak] {
              std::shared_ptr<Session> session = weak.lock();
              {
                std::lock_guard<std::mutex> lock(mutex_);
                if (!session || session_ != session) return;  // already replaced
              }
              // During an ICE restart the restart's deadline decides: the
              // old path's consent check may still expire (libnice keeps its
              // timer until a new pair is chosen) and say "failed" once more.
              if (session->ice_restart.under_way()) {
                GST_INFO_OBJECT(bin_, "connection failed during an ICE restart: its deadline decides");
                return;
              }
              // First an ICE restart on the live session (publish: ours;
              // play: the server's); if that cannot start, a new session.
              if (publishing() ? begin_ice_restart(session, "ICE failed")
                               : await_server_ice_restart(session, "ICE failed")) {
                return;
              }
              restart("the WebRTC connection failed (ICE or DTLS)");
            });
          },
          [this](const std::string &states) {
            if (events_.warning) {
              events_.warning("The WebRTC connection with the server is not up after 10 s.",
                              states + " (check local-addresses, stun-server and turn-servers)");
            }
          }});
  // The server restarts ICE on a play session (a new offer with a new
  // ufrag, answered by PeerSession): said on the bus, with a fresh deadline.
  session->peer->set_remote_ice_restart_handler([this, weak] {
    post_job([this, weak] {
      std::shared_ptr<Session> session = weak.lock();
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!session || session_ != session || stopping_) return;
      }
      ice_restart_under_way(session, "the server restarted ICE");
    });
  });
  if (publishing()) {
    // Loss from receiver reports is what the bitrate adaptation follows;
    // TWCC feedback would crowd them out (PeerSession::set_transport_cc).
    session->peer->set_transport_cc(false);
  } else {
    g_signal_connect(session->webrtc, "pad-added", G_CALLBACK(on_pad_added), this);
  }
  std::vector<LocalTrack> tracks;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    tracks = tracks_;
    session_ = session;
  }
  // webrtcbin first, then the branches feeding it: a queue that pushes into
  // a webrtcbin still in NULL gets FLUSHING and stops for good.
  gst_element_sync_state_with_parent(session->webrtc);
  for (const LocalTrack &track : tracks) link_track(*session, track);
  // The pipeline handed out its latency before this webrtcbin existed.
  gst_element_post_message(GST_ELEMENT(bin_), gst_message_new_latency(GST_OBJECT(bin_)));
  return session;
}

// A player's bin is a source only: webrtcbin's nicesink would make GstBin
// flag it a sink too, and a pipeline then waits for an EOS from it that
// never comes (gst-launch-1.0 -e would not finish a recording).
void StreamController::add_to_bin(GstElement *element) {
  gst_bin_add(bin_, element);
  if (!publishing()) GST_OBJECT_FLAG_UNSET(bin_, GST_ELEMENT_FLAG_SINK);
}

void StreamController::link_track(Session &session, const LocalTrack &track) {
  GstElement *queue = gst_element_factory_make("queue", nullptr);
  g_object_set(queue, "max-size-time", 200 * GST_MSECOND, "max-size-buffers", 0u, "max-size-bytes",
               0u, "leaky", 2 /* downstream: drop old */, nullptr);
  add_to_bin(queue);
  GstPad *sink = request_send_pad(session.webrtc, track.kind);
  GstPad *queue_src = gst_element_get_static_pad(queue, "src");
  gst_pad_link(queue_src, sink);
  gst_object_unref(queue_src);
  gst_object_unref(sink);
  gst_element_sync_state_with_parent(queue);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++session.branches_without_caps;
  }
  struct CapsWatch {
    StreamController *self;
    std::weak_ptr<Session> session;
  };
  GstPad *watched = gst_element_get_static_pad(queue, "src");
  gst_pad_add_probe(
      watched, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      [](GstPad *, GstPadProbeInfo *info, gpointer data) {
        if (GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) != GST_EVENT_CAPS)
          return GST_PAD_PROBE_OK;
        auto *watch = static_cast<CapsWatch *>(data);
        if (auto session = watch->session.lock()) {
          {
            std::lock_guard<std::mutex> lock(watch->self->mutex_);
            if (session->branches_without_caps > 0) --session->branches_without_caps;
          }
          watch->self->maybe_offer(session);
        }
        return GST_PAD_PROBE_REMOVE;
      },
      new CapsWatch{this, session.weak_from_this()},
      [](gpointer data) { delete static_cast<CapsWatch *>(data); });
  gst_object_unref(watched);
  GstPad *tee_pad = gst_element_request_pad_simple(track.tee, "src_%u");
  GstPad *queue_sink = gst_element_get_static_pad(queue, "sink");
  gst_pad_link(tee_pad, queue_sink);
  gst_object_unref(queue_sink);
  session.branches.push_back({track.tee, tee_pad, queue});
}

void StreamController::maybe_offer(const std::shared_ptr<Session> &session) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!session->offer_wanted || session->offered || session->branches_without_caps > 0 ||
        session_ != session) {
      return;
    }
    session->offered = true;
  }
  GST_INFO_OBJECT(bin_, "every track has caps: offering");
  // No data channel: nothing in amsrtcsink would use it, and an SCTP
  // association costs a timer thread waking every 10 ms (8 % of a
  // passed-through publish's CPU, docs/benchmarks.md).
  session->peer->create_offer();
}

void StreamController::end_session() {
  std::shared_ptr<Session> session;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    session.swap(session_);
  }
  if (!session) return;
  // webrtcbin holds buffers at its sink pads until a transceiver is
  // negotiated, so a queue feeding it can be blocked inside it: webrtcbin
  // stops first (its pads flush), then the queues can stop.
  g_signal_handlers_disconnect_by_data(session->webrtc, this);
  for (const auto &branch : session->branches) {
    gst_element_release_request_pad(branch.tee, branch.tee_pad);
    gst_object_unref(branch.tee_pad);
  }
  session->peer.reset();
  remove_from_bin(bin_, session->webrtc);
  for (const auto &branch : session->branches) remove_from_bin(bin_, branch.queue);
}

void StreamController::restart(const std::string &why) {
  if (stopping_) return;
  if (settings_.max_reconnect_attempts != 0 && attempts_ >= settings_.max_reconnect_attempts) {
    events_.error(
        publishing() ? "Publishing failed and could not be restarted."
                     : "Playing failed and could not be restarted.",
        why + "; gave up after " + std::to_string(attempts_) + " attempts (max-reconnect-attempts)",
        "");
    return;
  }
  if (!settings_.reconnect) {
    events_.error(publishing() ? "Publishing failed." : "Playing failed.",
                  why + " (set reconnect=true to start again automatically)", "");
    return;
  }
  ++attempts_;
  if (events_.warning) {
    events_.warning(publishing() ? "Publishing again." : "Playing again.",
                    why + "; attempt " + std::to_string(attempts_));
  }
  end_session();
  proto::Stop stop;
  stop.stream_id = wire_stream_id();
  send(stop);
  request_stream();
}

void StreamController::restart_ice() {
  std::shared_ptr<Session> session;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    session = session_;
  }
  if (!session || !publishing()) {
    GST_INFO_OBJECT(bin_, "no ICE restart: %s", publishing() ? "no session" : "playing");
    return;
  }
  post_job([this, session] {
    if (session->ice_restart.under_way() || !begin_ice_restart(session, "requested"))
      GST_INFO_OBJECT(bin_, "no ICE restart now (one is under way, or no connected session)");
  });
}

// Publish only: we offer, so we can restart (PROTOCOL.md §3.11: a new offer
// on the live publish session, as AMS's Android SDK sends). A player cannot:
// the server offers, and the protocol has no way to ask it for a new offer
// (see await_server_ice_restart).
bool StreamController::begin_ice_restart(const std::shared_ptr<Session> &session,
                                         const std::string &why) {
  if (!publishing() || stopping_ || !session->peer->restart_ice()) return false;
  ice_restart_under_way(session, why);
  return true;
}

// Play: the server offers, so only it can restart ICE (amsrtc-server does
// when the connection fails on its side, which happens within seconds of
// ours: both sides' keepalive checks go unanswered). Give it the same time a
// publisher's restart gets; a server that does not restart (AMS) costs those
// seconds before we play again.
bool StreamController::await_server_ice_restart(const std::shared_ptr<Session> &session,
                                                const std::string &why) {
  if (publishing() || stopping_) return false;
  ice_restart_under_way(session, why + "; waiting for the server to restart ICE");
  return true;
}

void StreamController::ice_restart_under_way(const std::shared_ptr<Session> &session,
                                             const std::string &why) {
  const unsigned generation = session->ice_restart.open();
  GST_INFO_OBJECT(bin_, "ICE restart (%s)", why.c_str());
  if (events_.message) {
    events_.message(gst_structure_new("amsrtc/ice-restart", "stream-id", G_TYPE_STRING,
                                      wire_stream_id().c_str(), "reason", G_TYPE_STRING,
                                      why.c_str(), nullptr));
  }
  std::weak_ptr<Session> weak = session;
  post_job(
      [this, weak, generation] {
        std::shared_ptr<Session> session = weak.lock();
        {
          std::lock_guard<std::mutex> lock(mutex_);
          if (!session || session_ != session) return;
        }
        if (!session->ice_restart.is_current(generation)) return;  // a newer restart
        if (session::is_connected(session->webrtc)) {
          GST_INFO_OBJECT(bin_, "ICE restart: connected again");
          session->ice_restart.close();
          return;
        }
        restart("an ICE restart did not connect within " +
                std::to_string(IceRestartWindow::kTimeout.count() / 1000) + " s");
      },
      IceRestartWindow::kTimeout);
}

void StreamController::on_pad_added(GstElement *, GstPad *pad, gpointer self) {
  if (GST_PAD_DIRECTION(pad) == GST_PAD_SRC) static_cast<StreamController *>(self)->expose_pad(pad);
}

// A played track: a receive chain and our src pad "<kind>_<member>", or the
// existing ones of that name when a new session resumes the track.
void StreamController::expose_pad(GstPad *webrtc_pad) {
  GstCaps *caps = gst_pad_get_current_caps(webrtc_pad);
  if (caps == nullptr) caps = gst_pad_query_caps(webrtc_pad, nullptr);
  const GstStructure *s = gst_caps_get_structure(caps, 0);
  const char *media = gst_structure_get_string(s, "media");
  const std::string kind = media != nullptr ? media : "video";
  std::string mid;
  GstWebRTCRTPTransceiver *transceiver = nullptr;
  g_object_get(webrtc_pad, "transceiver", &transceiver, nullptr);
  if (transceiver != nullptr) {
    gchar *value = nullptr;
    g_object_get(transceiver, "mid", &value, nullptr);
    if (value != nullptr) mid = value;
    g_free(value);
    gst_object_unref(transceiver);
  }
  std::string name;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = id_mapping_.find(mid);
    name = kind + "_" + (it != id_mapping_.end() ? member_of_track(it->second) : wire_stream_id());
  }
  Output *reused = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto &output : outputs_) {
      if (output->name != name) continue;
      GstPad *chain_sink = gst_element_get_static_pad(output->chain, "sink");
      const bool free = !gst_pad_is_linked(chain_sink);
      gst_object_unref(chain_sink);
      if (free) reused = output.get();
      break;
    }
  }
  if (reused != nullptr) {
    GST_INFO_OBJECT(bin_, "%s resumes on its pad", name.c_str());
    GstPad *chain_sink = gst_element_get_static_pad(reused->chain, "sink");
    gst_pad_link(webrtc_pad, chain_sink);
    gst_object_unref(chain_sink);
    gst_caps_unref(caps);
    return;
  }
  const std::string description = receive_chain_description(caps, settings_.decode);
  gst_caps_unref(caps);
  std::string error;
  GstElement *chain = description.empty() ? nullptr : make_chain(description, error);
  if (chain == nullptr) {
    GST_WARNING_OBJECT(bin_, "cannot receive track %s (%s): dropped", name.c_str(), error.c_str());
    chain = gst_element_factory_make("fakesink", nullptr);
    add_to_bin(chain);
    gst_element_sync_state_with_parent(chain);
    GstPad *sink = gst_element_get_static_pad(chain, "sink");
    gst_pad_link(webrtc_pad, sink);
    gst_object_unref(sink);
    track_exposed();  // no pad will come for it: don't keep playbin waiting
    return;
  }
  add_to_bin(chain);
  gst_element_sync_state_with_parent(chain);
  GstPad *chain_sink = gst_element_get_static_pad(chain, "sink");
  gst_pad_link(webrtc_pad, chain_sink);
  gst_object_unref(chain_sink);

  GstPad *chain_src = gst_element_get_static_pad(chain, "src");
  GstPadTemplate *templ = gst_element_class_get_pad_template(
      GST_ELEMENT_GET_CLASS(bin_), kind == "audio" ? "audio_%s" : "video_%s");
  GstPad *ghost = gst_ghost_pad_new_from_template(name.c_str(), chain_src, templ);
  // A track the application does not link (gst-launch links the first pad
  // it can) is dropped here instead of failing everything with not-linked.
  gst_pad_add_probe(
      chain_src,
      static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
      [](GstPad *, GstPadProbeInfo *, gpointer ghost) {
        return gst_pad_is_linked(GST_PAD(ghost)) ? GST_PAD_PROBE_OK : GST_PAD_PROBE_DROP;
      },
      gst_object_ref(ghost), gst_object_unref);
  gst_object_unref(chain_src);
  gst_pad_set_active(ghost, TRUE);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto output = std::make_unique<Output>();
    output->name = name;
    output->chain = chain;
    output->ghost = ghost;
    outputs_.push_back(std::move(output));
  }
  GST_INFO_OBJECT(bin_, "new src pad %s (%s)", name.c_str(), description.c_str());
  gst_element_add_pad(GST_ELEMENT(bin_), ghost);
  track_exposed();
}

void StreamController::track_exposed() {
  // Counted after gst_element_add_pad, not when the output is recorded:
  // tracks arrive on their own streaming threads, and no-more-pads posted
  // while another track's pad is still on its way makes playbin play
  // without that track (it links only the pads it has by then).
  bool all_exposed = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++exposed_tracks_;
    if (!no_more_pads_ && expected_pads_ != 0 && exposed_tracks_ >= expected_pads_) {
      no_more_pads_ = all_exposed = true;
    }
  }
  // Every track of the first offer has its pad (or was dropped): playbin and
  // decodebin wait for this before they go on.
  if (all_exposed) gst_element_no_more_pads(GST_ELEMENT(bin_));
}

bool StreamController::send_eos() {
  std::vector<GstPad *> sinks;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto &output : outputs_) {
      sinks.push_back(gst_element_get_static_pad(output->chain, "sink"));
    }
  }
  for (GstPad *sink : sinks) {
    gst_pad_send_event(sink, gst_event_new_eos());
    gst_object_unref(sink);
  }
  return !sinks.empty();
}

void StreamController::end_outputs_not_in(const std::vector<std::string> &names) {
  std::vector<std::unique_ptr<Output>> ended;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = outputs_.begin(); it != outputs_.end();) {
      if (std::find(names.begin(), names.end(), (*it)->name) != names.end()) {
        ++it;
        continue;
      }
      ended.push_back(std::move(*it));
      it = outputs_.erase(it);
    }
  }
  for (auto &output : ended) end_output(*output);
}

// Downstream learns the track ended, then the pad disappears.
void StreamController::end_output(Output &output) {
  GST_INFO_OBJECT(bin_, "%s ended: EOS, removing its pad", output.name.c_str());
  GstPad *sink = gst_element_get_static_pad(output.chain, "sink");
  gst_pad_send_event(sink, gst_event_new_eos());
  gst_object_unref(sink);
  gst_pad_set_active(output.ghost, FALSE);
  gst_element_remove_pad(GST_ELEMENT(bin_), output.ghost);
  remove_from_bin(bin_, output.chain);
}

void StreamController::schedule_stats() {
  if (settings_.stats_interval_ms == 0 || stats_scheduled_.exchange(true)) return;
  post_job([this] { collect_stats(); }, std::chrono::milliseconds(settings_.stats_interval_ms));
}

// On the worker: ask webrtcbin, read the answer on its thread; again after
// the interval.
void StreamController::collect_stats() {
  if (stopping_) return;
  post_job([this] { collect_stats(); }, std::chrono::milliseconds(settings_.stats_interval_ms));
  std::shared_ptr<Session> session;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    session = session_;
  }
  if (!session) return;
  session->feedback.listen(session->webrtc);
  struct Request {
    StreamController *self;
    std::shared_ptr<Session> session;
  };
  GstPromise *promise = gst_promise_new_with_change_func(
      [](GstPromise *promise, gpointer request_ptr) {
        auto *request = static_cast<Request *>(request_ptr);
        const GstStructure *reply = gst_promise_get_reply(promise);
        if (reply != nullptr && !request->self->stopping_) {
          request->self->report_stats(*request->session, read_send_stats(reply));
        }
        gst_promise_unref(promise);
      },
      new Request{this, session}, [](gpointer request) { delete static_cast<Request *>(request); });
  g_signal_emit_by_name(session->webrtc, "get-stats", nullptr, promise);
}

// On webrtcbin's thread: adapt the bitrate to the loss on our video, post
// amsrtc/stats and keep it for the `stats` property.
void StreamController::report_stats(Session &session, SendStats stats) {
  GstStructure *fields = nullptr;
  unsigned kbps = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stats.video_ssrc != 0) {
      // No feedback at all about a stream being sent: nothing was lost.
      const auto video =
          session.feedback.about(stats.video_ssrc).value_or(ReceiverFeedback::Stream{});
      if (const auto lost = session.video_loss.update(video, stats.video_packets_sent)) {
        kbps = bitrate_.update(*lost);
      }
      stats.fraction_lost = session.video_loss.last();
    }
    guint64 previous = 0;
    if (last_stats_ != nullptr) gst_structure_get_uint64(last_stats_, "bytes-sent", &previous);
    const double seconds = settings_.stats_interval_ms / 1000.0;
    const double bitrate =
        stats.bytes_sent >= previous ? (stats.bytes_sent - previous) * 8 / 1000.0 / seconds : 0;
    fields = gst_structure_new(
        "amsrtc/stats", "stream-id", G_TYPE_STRING, wire_stream_id().c_str(), "bitrate-kbps",
        G_TYPE_DOUBLE, bitrate, "target-bitrate-kbps", G_TYPE_UINT, bitrate_.current(), "rtt-ms",
        G_TYPE_DOUBLE, stats.round_trip_ms, "packets-sent", G_TYPE_UINT64,
        static_cast<guint64>(stats.packets_sent), "bytes-sent", G_TYPE_UINT64,
        static_cast<guint64>(stats.bytes_sent), "packets-lost", G_TYPE_INT64,
        static_cast<gint64>(stats.packets_lost), "fraction-lost", G_TYPE_DOUBLE,
        stats.fraction_lost, "nack-count", G_TYPE_UINT64, static_cast<guint64>(stats.nack_count),
        "pli-count", G_TYPE_UINT64, static_cast<guint64>(stats.pli_count), "fir-count",
        G_TYPE_UINT64, static_cast<guint64>(stats.fir_count), nullptr);
    if (last_stats_ != nullptr) gst_structure_free(last_stats_);
    last_stats_ = gst_structure_copy(fields);
  }
  if (kbps != 0 && events_.set_video_bitrate) events_.set_video_bitrate(kbps);
  if (events_.message) {
    events_.message(fields);
  } else {
    gst_structure_free(fields);
  }
}

}  // namespace amsrtc::plugin
