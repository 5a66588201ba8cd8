#include "signaller_controller.h"

#include <utility>
#include <vector>

#include "element_common.h"
#include "server_errors.h"

GST_DEBUG_CATEGORY_EXTERN(amsrtc_signaller_debug);
#define GST_CAT_DEFAULT amsrtc_signaller_debug

namespace amsrtc::plugin {

namespace proto = amsrtc::protocol;

struct SignallerController::Session {
  SignallerController *owner;  // only while `gate` is open
  std::shared_ptr<Gate> gate;
  std::string peer;
  GstElement *webrtc;  // owned ref; the element itself is the application's
  // Held while restart_ice() (application thread) uses `negotiation` and
  // while end_session() (client thread) destroys it.
  std::mutex negotiation_mutex;
  std::unique_ptr<session::PeerSession> negotiation;
  gulong data_channel_handler = 0;
  std::mutex mutex;                         // what follows: set from webrtcbin's threads
  GstWebRTCDataChannel *channel = nullptr;  // owned ref
  gulong message_handler = 0;               // on `channel`
  bool ended = false;                       // no channel may be taken any more
};

namespace {

// Signal handlers hold a weak reference to their session: the application's
// webrtcbin keeps running after a session ends, and a handler already
// running on one of its threads then finds the session gone. (GLib keeps
// the data alive while a handler runs and frees it when disconnected.)
template <typename T>
gulong connect_weak(gpointer instance, const char *signal, GCallback callback,
                    const std::shared_ptr<T> &target) {
  return g_signal_connect_data(
      instance, signal, callback, new std::weak_ptr<T>(target),
      [](gpointer data, GClosure *) { delete static_cast<std::weak_ptr<T> *>(data); },
      static_cast<GConnectFlags>(0));
}

}  // namespace

// `f` wrapped so that it runs only while the controller is not stopped.
template <typename F>
auto SignallerController::guarded(F f) {
  return [gate = gate_, f](auto &&...args) {
    std::lock_guard<std::mutex> lock(gate->mutex);
    if (gate->open) f(std::forward<decltype(args)>(args)...);
  };
}

SignallerController::SignallerController(GstObject *owner, GstElement *webrtcbin,
                                         SignallerSettings settings, SignallerEvents events)
    : owner_(owner),
      spare_webrtcbin_(webrtcbin != nullptr ? GST_ELEMENT(gst_object_ref(webrtcbin)) : nullptr),
      settings_(std::move(settings)),
      events_(std::move(events)) {}

SignallerController::~SignallerController() {
  stop();
  if (spare_webrtcbin_ != nullptr) gst_object_unref(spare_webrtcbin_);
}

bool SignallerController::start() {
  if (settings_.stream_id.empty()) {
    events_.error("No stream id.", "set the stream-id property", "");
    return false;
  }
  if (settings_.mode == SignallerMode::kMesh && settings_.room.empty()) {
    events_.error("Mesh mode needs a room.", "set the room property", "");
    return false;
  }
  return start_element_signaling(
      client_, client_mutex_, owner_, settings_.server, settings_.ca_file,
      [this](bool reconnected) { on_connected(reconnected); },
      [this](const proto::Message &message) { on_message(message); }, events_.error);
}

void SignallerController::stop() {
  std::unique_ptr<client::SignalingClient> client;
  {
    // Callbacks still running on the client's or webrtcbin's threads see no
    // client from here on and drop what they would send.
    std::lock_guard<std::mutex> lock(client_mutex_);
    client = std::move(client_);
  }
  if (client) {
    switch (settings_.mode) {
      case SignallerMode::kPublish:
      case SignallerMode::kPlay: {
        proto::Stop stop;
        stop.stream_id = settings_.stream_id;
        client->send(stop);
        break;
      }
      case SignallerMode::kPeer: {
        proto::Leave leave;
        leave.stream_id = settings_.stream_id;
        client->send(leave);
        break;
      }
      case SignallerMode::kMesh: {
        proto::LeaveFromRoom leave;
        leave.room = settings_.room;
        leave.stream_id = settings_.stream_id;
        client->send(leave);
        break;
      }
    }
    client->stop();  // sends what is queued, closes, joins the thread
  }
  end_all_sessions();
  std::lock_guard<std::mutex> lock(gate_->mutex);
  gate_->open = false;
}

void SignallerController::send(proto::Message message) {
  std::lock_guard<std::mutex> lock(client_mutex_);
  if (client_) client_->send(std::move(message));
}

void SignallerController::on_connected(bool reconnected) {
  if (reconnected) {
    // The server forgot the old socket's sessions: they are over.
    GST_INFO_OBJECT(owner_, "signaling reconnected: starting %s again",
                    settings_.stream_id.c_str());
    end_all_sessions();
  }
  switch (settings_.mode) {
    case SignallerMode::kPublish: {
      proto::Publish publish;
      publish.stream_id = settings_.stream_id;
      publish.token = settings_.token;
      send(publish);
      break;
    }
    case SignallerMode::kPlay: {
      proto::Play play;
      play.stream_id = settings_.stream_id;
      play.token = settings_.token;
      play.room = settings_.room;
      send(play);
      break;
    }
    case SignallerMode::kPeer: {
      proto::Join join;
      join.stream_id = settings_.stream_id;
      join.mode = "both";
      join.token = settings_.token;
      send(join);
      break;
    }
    case SignallerMode::kMesh: {
      proto::JoinRoom join;
      join.room = settings_.room;
      join.stream_id = settings_.stream_id;
      join.token = settings_.token;
      send(join);
      break;
    }
  }
}

// Outside a mesh room every message of ours carries our stream id; in a
// room it carries the member's (the server rewrites ids both ways).
bool SignallerController::is_ours(const std::string &stream_id) const {
  return settings_.mode == SignallerMode::kMesh || stream_id == settings_.stream_id;
}

void SignallerController::on_message(const proto::Message &message) {
  if (const auto *start = std::get_if<proto::Start>(&message)) {
    // publish: the server is ready for our offer; peer: our partner arrived.
    const bool offerer =
        settings_.mode == SignallerMode::kPublish || settings_.mode == SignallerMode::kPeer;
    if (offerer && is_ours(start->stream_id)) offer(open_session(start->stream_id));
  } else if (const auto *config = std::get_if<proto::TakeConfiguration>(&message)) {
    if (!is_ours(config->stream_id)) return;
    auto session = config->type == proto::SdpType::kOffer ? open_session(config->stream_id)
                                                          : find_session(config->stream_id);
    if (session) session->negotiation->set_remote_description(config->type, config->sdp);
  } else if (const auto *candidate = std::get_if<proto::TakeCandidate>(&message)) {
    if (auto session = find_session(candidate->stream_id)) {
      session->negotiation->add_remote_candidate(static_cast<unsigned>(candidate->label),
                                                 candidate->candidate);
    }
  } else if (const auto *stop = std::get_if<proto::Stop>(&message)) {
    end_session(stop->stream_id);  // peer: we stay joined for the next partner (§12.2)
  } else if (const auto *notification = std::get_if<proto::Notification>(&message)) {
    on_notification(*notification);
  } else if (const auto *error = std::get_if<proto::Error>(&message)) {
    const ServerErrorReport report =
        describe_server_error(*error, settings_.stream_id, settings_.room);
    if (report.fatal) {
      events_.error(report.text, report.debug, report.definition);
    } else {
      GST_DEBUG_OBJECT(owner_, "server: %s", report.debug.c_str());
    }
  }
}

void SignallerController::on_notification(const proto::Notification &notification) {
  switch (notification.kind()) {
    case proto::NotificationKind::kPublishStarted:
    case proto::NotificationKind::kPlayStarted:
      GST_INFO_OBJECT(owner_, "%s %s", notification.definition.c_str(),
                      notification.stream_id.c_str());
      break;
    case proto::NotificationKind::kPublishFinished:
    case proto::NotificationKind::kPlayFinished:
      end_session(notification.stream_id);
      break;
    case proto::NotificationKind::kJoinedTheRoom:
      if (settings_.mode != SignallerMode::kMesh || !notification.members) break;
      // The newcomer offers to everyone already in the room.
      for (const auto &member : notification.members->entries) {
        if (member.stream_id == settings_.stream_id) continue;
        if (events_.peer_joined) events_.peer_joined(member.stream_id);
        offer(open_session(member.stream_id));
      }
      break;
    case proto::NotificationKind::kStreamJoined:
      // Mesh: the newcomer will offer to us. Play: a room member started.
      if (!settings_.room.empty() && notification.stream_id != settings_.stream_id &&
          events_.peer_joined)
        events_.peer_joined(notification.stream_id);
      break;
    case proto::NotificationKind::kStreamLeaved:
      if (settings_.mode == SignallerMode::kMesh) end_session(notification.stream_id);
      if (!settings_.room.empty() && events_.peer_left) events_.peer_left(notification.stream_id);
      break;
    default:
      break;
  }
}

std::shared_ptr<SignallerController::Session> SignallerController::find_session(
    const std::string &peer) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = sessions_.find(peer);
  return it == sessions_.end() ? nullptr : it->second;
}

std::shared_ptr<SignallerController::Session> SignallerController::open_session(
    const std::string &peer) {
  if (auto existing = find_session(peer)) return existing;  // a renegotiation
  GstElement *webrtc = events_.request_webrtcbin ? events_.request_webrtcbin(peer) : nullptr;
  if (webrtc == nullptr) webrtc = std::exchange(spare_webrtcbin_, nullptr);
  if (webrtc == nullptr) {
    const std::string text = "No webrtcbin for the session with " + peer + ".";
    const std::string debug =
        "the webrtcbin property serves one session (a re-opened signaling connection starts a "
        "new one); connect to request-webrtcbin to give each session its own";
    // Publishing or playing is the element's one job: without a webrtcbin
    // it has stopped. A peer or room member can still serve others.
    if (settings_.mode == SignallerMode::kPublish || settings_.mode == SignallerMode::kPlay) {
      events_.error(text, debug, "");
    } else {
      events_.warning(text + " Ignored.", debug);
    }
    return nullptr;
  }
  auto session = std::make_shared<Session>();
  session->owner = this;
  session->gate = gate_;
  session->peer = peer;
  session->webrtc = webrtc;
  // What we send for this session carries its stream id: ours, the call's,
  // or the member's in a mesh room.
  session->negotiation = std::make_unique<session::PeerSession>(
      webrtc, settings_.ice,
      session::SessionCallbacks{
          guarded([this, peer](proto::SdpType type, const std::string &sdp) {
            proto::TakeConfiguration message;
            message.stream_id = peer;
            message.type = type;
            message.sdp = sdp;
            send(message);
          }),
          guarded(
              [this, peer](unsigned mline, const std::string &mid, const std::string &candidate) {
                proto::TakeCandidate message;
                message.stream_id = peer;
                message.label = mline;
                message.id = mid;
                message.candidate = candidate;
                send(message);
              }),
          guarded([this](const std::string &error) {
            events_.error("WebRTC negotiation failed.", error, "");
          }),
          guarded([this, peer] {
            events_.warning("The WebRTC connection with " + peer + " failed.",
                            "ICE or DTLS failed: check local-addresses, stun-server and "
                            "turn-servers (on one machine set local-addresses=127.0.0.1)");
          }),
          guarded([this, peer](const std::string &states) {
            events_.warning("The WebRTC connection with " + peer + " is not up after 10 s.",
                            states + " (check local-addresses, stun-server and turn-servers)");
          })});
  // The remote restarting ICE: answered by PeerSession; told here.
  session->negotiation->set_remote_ice_restart_handler(guarded([this, peer] {
    if (events_.ice_restart) {
      events_.ice_restart(peer, settings_.mode == SignallerMode::kPlay
                                    ? "the server restarted ICE"
                                    : "the peer restarted ICE");
    }
  }));
  // The answerer's side of the channel the offerer opens.
  session->data_channel_handler = connect_weak(
      webrtc, "on-data-channel",
      G_CALLBACK(+[](GstElement *, GstWebRTCDataChannel *channel, gpointer weak) {
        auto session = static_cast<std::weak_ptr<Session> *>(weak)->lock();
        if (!session) return;
        std::lock_guard<std::mutex> lock(session->gate->mutex);
        if (session->gate->open) {
          session->owner->watch_channel(session, GST_WEBRTC_DATA_CHANNEL(g_object_ref(channel)));
        }
      }),
      session);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    sessions_[peer] = session;
  }
  GST_INFO_OBJECT(owner_, "session with %s started on %s", peer.c_str(), GST_ELEMENT_NAME(webrtc));
  if (events_.session_started) events_.session_started(peer);
  return session;
}

void SignallerController::offer(const std::shared_ptr<Session> &session) {
  if (!session) return;
  // The offerer creates the data channel (PROTOCOL.md §3.9).
  bool has_channel;
  {
    std::lock_guard<std::mutex> lock(session->mutex);
    has_channel = session->channel != nullptr;
  }
  if (settings_.data_channel && !has_channel) {
    watch_channel(session, session->negotiation->create_data_channel(session->peer));
  }
  session->negotiation->create_offer();
}

// Takes `channel` (transfer full) as the session's data channel, unless the
// session has ended meanwhile.
void SignallerController::watch_channel(const std::shared_ptr<Session> &session,
                                        GstWebRTCDataChannel *channel) {
  if (channel == nullptr) return;
  const gulong handler =
      connect_weak(channel, "on-message-string",
                   G_CALLBACK(+[](GstWebRTCDataChannel *, gchar *text, gpointer weak) {
                     auto session = static_cast<std::weak_ptr<Session> *>(weak)->lock();
                     if (session && session->owner->events_.data_received && text != nullptr)
                       session->owner->events_.data_received(session->peer, text);
                   }),
                   session);
  GstWebRTCDataChannel *previous = nullptr;
  gulong previous_handler = 0;
  bool ended;
  {
    std::lock_guard<std::mutex> lock(session->mutex);
    ended = session->ended;
    if (!ended) {
      previous = std::exchange(session->channel, channel);
      previous_handler = std::exchange(session->message_handler, handler);
    }
  }
  if (ended) {
    g_signal_handler_disconnect(channel, handler);
    g_object_unref(channel);
  }
  if (previous != nullptr) {
    g_signal_handler_disconnect(previous, previous_handler);
    g_object_unref(previous);
  }
}

unsigned SignallerController::send_text(const std::string &text) {
  std::vector<std::shared_ptr<Session>> sessions;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto &[peer, session] : sessions_) sessions.push_back(session);
  }
  unsigned sent = 0;
  for (const auto &session : sessions) {
    GstWebRTCDataChannel *channel = nullptr;
    {
      std::lock_guard<std::mutex> lock(session->mutex);
      if (session->channel != nullptr)
        channel = GST_WEBRTC_DATA_CHANNEL(g_object_ref(session->channel));
    }
    if (channel == nullptr) continue;
    if (send_text_if_open(channel, text)) ++sent;
    g_object_unref(channel);
  }
  return sent;
}

unsigned SignallerController::restart_ice() {
  if (settings_.mode == SignallerMode::kPlay) {
    GST_INFO_OBJECT(owner_, "restart-ice: nothing to do when playing (the server restarts ICE)");
    return 0;
  }
  std::vector<std::shared_ptr<Session>> sessions;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto &[peer, session] : sessions_) sessions.push_back(session);
  }
  unsigned restarted = 0;
  for (const auto &session : sessions) {
    bool began;
    {
      std::lock_guard<std::mutex> lock(session->negotiation_mutex);
      began = session->negotiation && session->negotiation->restart_ice();
    }
    GST_INFO_OBJECT(owner_, "restart-ice with %s: %s", session->peer.c_str(),
                    began ? "restarting" : "not yet negotiated, nothing to restart");
    if (!began) continue;
    ++restarted;
    if (events_.ice_restart) events_.ice_restart(session->peer, "requested");
  }
  return restarted;
}

void SignallerController::end_session(const std::string &peer) {
  std::shared_ptr<Session> session;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = sessions_.find(peer);
    if (it == sessions_.end()) return;
    session = it->second;
    sessions_.erase(it);
  }
  GST_INFO_OBJECT(owner_, "session with %s ended", peer.c_str());
  g_signal_handler_disconnect(session->webrtc, session->data_channel_handler);
  GstWebRTCDataChannel *channel;
  gulong message_handler;
  {
    std::lock_guard<std::mutex> lock(session->mutex);
    session->ended = true;
    channel = std::exchange(session->channel, nullptr);
    message_handler = session->message_handler;
  }
  if (channel != nullptr) {
    g_signal_handler_disconnect(channel, message_handler);
    g_object_unref(channel);
  }
  {
    std::lock_guard<std::mutex> lock(session->negotiation_mutex);
    session->negotiation.reset();
  }
  gst_object_unref(session->webrtc);
  if (events_.session_ended) events_.session_ended(peer);
}

void SignallerController::end_all_sessions() {
  std::vector<std::string> peers;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto &[peer, session] : sessions_) peers.push_back(peer);
  }
  for (const auto &peer : peers) end_session(peer);
}

}  // namespace amsrtc::plugin
