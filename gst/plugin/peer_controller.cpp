#include "peer_controller.h"

#include <atomic>
#include <utility>

#include "element_common.h"
#include "gst/session/nack.h"
#include "ice_restart_window.h"
#include "media_chains.h"
#include "payload_type_rewrite.h"
#include "server_errors.h"

GST_DEBUG_CATEGORY_EXTERN(amsrtc_peer_debug);
#define GST_CAT_DEFAULT amsrtc_peer_debug

namespace amsrtc::plugin {

namespace proto = amsrtc::protocol;

namespace {

// How long the side that answered waits for the offerer's restart before it
// restarts itself: both see the failure within about a second of each other,
// and an offer from each at once would collide (webrtcbin cannot roll back).
constexpr auto kAnswererRestartDelay = std::chrono::seconds(3);

}  // namespace

struct PeerController::Remote {
  PeerController *owner;
  std::string peer;    // the remote's stream id (in P2P, the call id)
  GstElement *webrtc;  // in the bin
  std::unique_ptr<session::PeerSession> session;
  GstWebRTCDataChannel *channel = nullptr;  // owned ref: ours (offerer) or the peer's
  bool channel_announced = false;           // channel_open reported (once)
  struct Branch {
    GstElement *tee;
    GstPad *tee_pad;  // request pad of the tee
    GstElement *queue;
  };
  std::vector<Branch> branches;
  struct Output {
    GstElement *chain;  // receive chain in the bin
    GstPad *ghost;      // our src pad
  };
  std::mutex mutex;  // outputs and channel: pad-added and the channel run on streaming threads
  std::vector<Output> outputs;
  // We sent the first offer (set on the client's thread, read on the worker).
  std::atomic<bool> we_offered{false};
  IceRestartWindow ice_restart;  // ours or the peer's; worker thread only
};

PeerController::PeerController(GstBin *bin, PeerSettings settings, PeerEvents events)
    : bin_(bin), settings_(std::move(settings)), events_(std::move(events)) {}

PeerController::~PeerController() { stop(); }

void PeerController::add_track(const LocalTrack &track) {
  std::lock_guard<std::mutex> lock(mutex_);
  tracks_.push_back(track);
}

bool PeerController::start() {
  if (settings_.stream_id.empty()) {
    events_.error("No stream id to call.", "set the stream-id property", "");
    return false;
  }
  worker_.start();
  return start_element_signaling(
      client_, client_mutex_, GST_OBJECT(bin_), settings_.server, settings_.ca_file,
      [this](bool reconnected) { on_connected(reconnected); },
      [this](const proto::Message &message) { on_message(message); }, events_.error);
}

void PeerController::stop() {
  std::unique_ptr<client::SignalingClient> client;
  {
    // Callbacks still running on the client's or webrtcbin's threads see no
    // client from here on and drop what they would send.
    std::lock_guard<std::mutex> lock(client_mutex_);
    client = std::move(client_);
  }
  if (client) {
    if (mesh()) {
      proto::LeaveFromRoom leave;
      leave.room = settings_.room;
      leave.stream_id = settings_.stream_id;
      client->send(leave);
    } else {
      proto::Leave leave;
      leave.stream_id = settings_.stream_id;
      client->send(leave);
    }
    client->stop();  // sends what is queued, closes, joins the thread
  }
  worker_.stop();  // joins: no ICE restart runs from here on
  std::vector<std::string> peers;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto &[peer, remote] : remotes_) peers.push_back(peer);
  }
  for (const auto &peer : peers) remove_remote(peer);
}

void PeerController::post_job(std::function<void()> job, std::chrono::milliseconds delay) {
  worker_.post(std::move(job), delay);
}

void PeerController::send(proto::Message message) {
  std::lock_guard<std::mutex> lock(client_mutex_);
  if (client_) client_->send(std::move(message));
}

void PeerController::on_connected(bool reconnected) {
  if (reconnected) {
    // The server forgot the old socket's call: start over.
    GST_INFO_OBJECT(bin_, "signaling reconnected: joining %s again", settings_.stream_id.c_str());
    std::vector<std::string> peers;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (const auto &[peer, remote] : remotes_) peers.push_back(peer);
    }
    for (const auto &peer : peers) remove_remote(peer);
  }
  if (mesh()) {
    proto::JoinRoom join;
    join.room = settings_.room;
    join.stream_id = settings_.stream_id;
    join.token = settings_.token;
    send(join);
    return;
  }
  proto::Join join;
  join.stream_id = settings_.stream_id;
  join.mode = "both";
  join.token = settings_.token;
  send(join);
}

void PeerController::on_message(const proto::Message &message) {
  auto find_remote = [this](const std::string &peer) -> std::shared_ptr<Remote> {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = remotes_.find(peer);
    return it == remotes_.end() ? nullptr : it->second;
  };
  if (const auto *start = std::get_if<proto::Start>(&message)) {
    if (mesh() || start->stream_id != settings_.stream_id) return;
    // The partner arrived and we are the offerer (PROTOCOL.md §3.4).
    offer_to(ensure_remote(start->stream_id));
  } else if (const auto *config = std::get_if<proto::TakeConfiguration>(&message)) {
    // P2P: the call's id. Mesh: the sending member's id (rewritten by the server).
    if (!mesh() && config->stream_id != settings_.stream_id) return;
    auto remote = config->type == proto::SdpType::kOffer
                      ? ensure_remote(config->stream_id, config->sdp)
                      : find_remote(config->stream_id);
    if (remote) remote->session->set_remote_description(config->type, config->sdp);
  } else if (const auto *candidate = std::get_if<proto::TakeCandidate>(&message)) {
    if (auto remote = find_remote(candidate->stream_id)) {
      remote->session->add_remote_candidate(static_cast<unsigned>(candidate->label),
                                            candidate->candidate);
    }
  } else if (const auto *stop = std::get_if<proto::Stop>(&message)) {
    // The partner left; we stay joined and wait for the next one (§12.2).
    remove_remote(stop->stream_id);
  } else if (const auto *notification = std::get_if<proto::Notification>(&message)) {
    on_room_notification(*notification);
  } else if (const auto *error = std::get_if<proto::Error>(&message)) {
    on_server_error(*error);
  }
}

void PeerController::offer_to(const std::shared_ptr<Remote> &remote) {
  if (!remote || !remote->session) return;
  remote->we_offered = true;
  // The offerer creates the data channel (PROTOCOL.md §3.9).
  if (settings_.data_channel && remote->channel == nullptr) {
    watch_channel(*remote, remote->session->create_data_channel(remote->peer));
  }
  remote->session->create_offer();
}

// Mesh rooms: the newcomer offers to every member it finds in
// joinedTheRoom; members it is told about later (streamJoined) offer to it.
void PeerController::on_room_notification(const proto::Notification &notification) {
  const bool ours = notification.stream_id == settings_.stream_id;
  if (notification.kind() == proto::NotificationKind::kJoined && !mesh() && ours) {
    if (events_.joined) events_.joined();
    return;
  }
  if (!mesh()) return;
  switch (notification.kind()) {
    case proto::NotificationKind::kJoinedTheRoom:
      if (events_.joined) events_.joined();
      if (!notification.members) return;
      for (const auto &member : notification.members->entries) {
        if (member.stream_id != settings_.stream_id) offer_to(ensure_remote(member.stream_id));
      }
      break;
    case proto::NotificationKind::kStreamLeaved:
      remove_remote(notification.stream_id);
      break;
    default:
      break;
  }
}

void PeerController::on_server_error(const proto::Error &error) {
  const ServerErrorReport report =
      describe_server_error(error, settings_.stream_id, settings_.room);
  if (!report.fatal) {
    GST_DEBUG_OBJECT(bin_, "server: %s", report.debug.c_str());
    return;
  }
  events_.error(report.text, report.debug, report.definition);
}

std::shared_ptr<PeerController::Remote> PeerController::ensure_remote(const std::string &peer,
                                                                      const std::string &offer) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = remotes_.find(peer);
    if (it != remotes_.end()) return it->second;
  }
  auto remote = std::make_shared<Remote>();
  remote->owner = this;
  remote->peer = peer;
  remote->webrtc = gst_element_factory_make("webrtcbin", nullptr);
  if (remote->webrtc == nullptr) {
    events_.error("webrtcbin is missing.", "install gstreamer1.0-plugins-bad and gstreamer1.0-nice",
                  "");
    return remote;
  }
  g_object_set(remote->webrtc, "latency", settings_.latency_ms, nullptr);
  session::request_lost_packets(remote->webrtc);  // NACK, as browsers do (gst/session/nack.h)
  session::make_rtcp_timely(remote->webrtc);      // NACKs and feedback every ~50 ms
  gst_bin_add(bin_, remote->webrtc);
  // What we send about this remote carries its stream id: the call in P2P,
  // the member in a mesh room (the server turns it into ours for them).
  const std::string stream_id = peer;
  Remote *raw = remote.get();
  std::weak_ptr<Remote> weak = remote;
  remote->session = std::make_unique<session::PeerSession>(
      remote->webrtc, settings_.ice,
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
            // On webrtcbin's thread: what follows may tear it down.
            post_job([this, weak] {
              std::lock_guard<std::mutex> restart_lock(restart_mutex_);
              if (auto remote = live(weak)) on_connection_failed(remote);
            });
          },
          [this, peer](const std::string &states) {
            if (events_.warning) {
              events_.warning("The WebRTC connection with " + peer + " is not up after 10 s.",
                              states + " (check local-addresses, stun-server and turn-servers)");
            }
          }});
  const auto offer_media =
      offer.empty() ? std::vector<session::SdpMedia>{}
                    : session::parse_sdp_media(offer).value_or(std::vector<session::SdpMedia>{});
  remote->session->set_payload_types_follow_offer(!offer_media.empty());
  // The peer's restarting offer (answered by PeerSession): a new deadline.
  remote->session->set_remote_ice_restart_handler([this, weak] {
    post_job([this, weak] {
      std::lock_guard<std::mutex> restart_lock(restart_mutex_);
      if (auto remote = live(weak)) ice_restart_under_way(remote, "the peer restarted ICE");
    });
  });
  g_signal_connect(remote->webrtc, "pad-added", G_CALLBACK(on_pad_added), raw);
  g_signal_connect(remote->webrtc, "on-data-channel", G_CALLBACK(on_data_channel), raw);
  std::vector<LocalTrack> tracks;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    tracks = tracks_;
    remotes_[peer] = remote;
  }
  // webrtcbin first, then the branches feeding it: a queue that pushes into
  // a webrtcbin still in NULL gets FLUSHING and stops for good.
  gst_element_sync_state_with_parent(remote->webrtc);
  for (const LocalTrack &track : tracks) link_track(*remote, track, offer_media);
  // The pipeline handed out its latency before this webrtcbin existed: ask
  // for it again, or webrtcbin's RTP sessions cannot tell the running time
  // of what they send (and warn about it for every packet).
  gst_element_post_message(GST_ELEMENT(bin_), gst_message_new_latency(GST_OBJECT(bin_)));
  GST_INFO_OBJECT(bin_, "call with %s formed", peer.c_str());
  if (events_.peer_joined) events_.peer_joined(peer);
  return remote;
}

void PeerController::link_track(Remote &remote, const LocalTrack &track,
                                const std::vector<session::SdpMedia> &offer) {
  GstElement *queue = gst_element_factory_make("queue", nullptr);
  g_object_set(queue, "max-size-time", 200 * GST_MSECOND, "max-size-buffers", 0u, "max-size-bytes",
               0u, "leaky", 2 /* downstream: drop old */, nullptr);
  gst_bin_add(bin_, queue);
  if (!offer.empty()) {
    // Before the tee's caps reach this branch.
    GstPad *queue_src = gst_element_get_static_pad(queue, "src");
    follow_offered_payload_types(queue_src, offer);
    gst_object_unref(queue_src);
  }
  GstPad *sink = request_send_pad(remote.webrtc, track.kind);
  GstPad *queue_src = gst_element_get_static_pad(queue, "src");
  gst_pad_link(queue_src, sink);
  gst_object_unref(queue_src);
  gst_object_unref(sink);
  gst_element_sync_state_with_parent(queue);
  GstPad *tee_pad = gst_element_request_pad_simple(track.tee, "src_%u");
  GstPad *queue_sink = gst_element_get_static_pad(queue, "sink");
  gst_pad_link(tee_pad, queue_sink);
  gst_object_unref(queue_sink);
  remote.branches.push_back({track.tee, tee_pad, queue});
}

// The answerer's side of the channel the offerer opened.
void PeerController::on_data_channel(GstElement *, GstWebRTCDataChannel *channel,
                                     gpointer remote_ptr) {
  auto *remote = static_cast<Remote *>(remote_ptr);
  remote->owner->watch_channel(*remote, GST_WEBRTC_DATA_CHANNEL(g_object_ref(channel)));
}

// Takes `channel` (transfer full) as this remote's data channel.
void PeerController::watch_channel(Remote &remote, GstWebRTCDataChannel *channel) {
  if (channel == nullptr) return;
  g_signal_connect(channel, "on-open", G_CALLBACK(+[](GstWebRTCDataChannel *, gpointer r) {
                     auto *remote = static_cast<Remote *>(r);
                     if (remote->owner->events_.channel_open)
                       remote->owner->events_.channel_open(remote->peer);
                   }),
                   &remote);
  g_signal_connect(channel, "on-message-string",
                   G_CALLBACK(+[](GstWebRTCDataChannel *, gchar *text, gpointer r) {
                     auto *remote = static_cast<Remote *>(r);
                     if (remote->owner->events_.data_received && text != nullptr) {
                       remote->owner->events_.data_received(remote->peer, text);
                     }
                   }),
                   &remote);
  GstWebRTCDataChannel *previous = nullptr;
  {
    std::lock_guard<std::mutex> lock(remote.mutex);
    previous = remote.channel;
    remote.channel = channel;
  }
  if (previous != nullptr) {
    g_signal_handlers_disconnect_by_data(previous, &remote);
    g_object_unref(previous);
  }
  // It may have opened before we connected to on-open.
  GstWebRTCDataChannelState state = GST_WEBRTC_DATA_CHANNEL_STATE_CLOSED;
  g_object_get(channel, "ready-state", &state, nullptr);
  if (state == GST_WEBRTC_DATA_CHANNEL_STATE_OPEN && events_.channel_open)
    events_.channel_open(remote.peer);
}

unsigned PeerController::send_text(const std::string &text) {
  std::vector<std::shared_ptr<Remote>> remotes;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto &[peer, remote] : remotes_) remotes.push_back(remote);
  }
  unsigned sent = 0;
  for (const auto &remote : remotes) {
    GstWebRTCDataChannel *channel = nullptr;
    {
      std::lock_guard<std::mutex> lock(remote->mutex);
      if (remote->channel != nullptr)
        channel = GST_WEBRTC_DATA_CHANNEL(g_object_ref(remote->channel));
    }
    if (channel == nullptr) continue;
    if (send_text_if_open(channel, text)) ++sent;
    g_object_unref(channel);
  }
  return sent;
}

void PeerController::on_pad_added(GstElement *, GstPad *pad, gpointer remote_ptr) {
  auto *remote = static_cast<Remote *>(remote_ptr);
  if (GST_PAD_DIRECTION(pad) == GST_PAD_SRC) remote->owner->expose_remote_pad(*remote, pad);
}

// A remote track: receive chain, then a src pad named after the remote.
void PeerController::expose_remote_pad(Remote &remote, GstPad *pad) {
  GstCaps *caps = gst_pad_get_current_caps(pad);
  if (caps == nullptr) caps = gst_pad_query_caps(pad, nullptr);
  const GstStructure *s = gst_caps_get_structure(caps, 0);
  const char *media = gst_structure_get_string(s, "media");
  const std::string kind = media != nullptr ? media : "video";
  const std::string description = receive_chain_description(caps, settings_.decode);
  gst_caps_unref(caps);
  std::string error;
  GstElement *chain = description.empty() ? nullptr : make_chain(description, error);
  if (chain == nullptr) {
    GST_WARNING_OBJECT(bin_, "cannot receive this track (%s): dropped", error.c_str());
    chain = gst_element_factory_make("fakesink", nullptr);
    gst_bin_add(bin_, chain);
    gst_element_sync_state_with_parent(chain);
    GstPad *sink = gst_element_get_static_pad(chain, "sink");
    gst_pad_link(pad, sink);
    gst_object_unref(sink);
    return;
  }
  gst_bin_add(bin_, chain);
  gst_element_sync_state_with_parent(chain);
  GstPad *chain_sink = gst_element_get_static_pad(chain, "sink");
  gst_pad_link(pad, chain_sink);
  gst_object_unref(chain_sink);

  GstPad *chain_src = gst_element_get_static_pad(chain, "src");
  std::string name = kind + "_" + remote.peer;
  // A second track of the same kind from the same peer gets a suffix.
  for (int n = 1; GstPad *existing = gst_element_get_static_pad(GST_ELEMENT(bin_), name.c_str());
       ++n) {
    gst_object_unref(existing);
    name = kind + "_" + remote.peer + "_" + std::to_string(n);
  }
  GstPadTemplate *templ = gst_element_class_get_pad_template(
      GST_ELEMENT_GET_CLASS(bin_), kind == "audio" ? "audio_%s" : "video_%s");
  GstPad *ghost = gst_ghost_pad_new_from_template(name.c_str(), chain_src, templ);
  // A remote track the application does not link (gst-launch links the
  // first pad it can) is dropped here instead of failing the whole call
  // with not-linked.
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
    std::lock_guard<std::mutex> lock(remote.mutex);
    remote.outputs.push_back({chain, ghost});
  }
  GST_INFO_OBJECT(bin_, "new src pad %s (%s)", name.c_str(), description.c_str());
  gst_element_add_pad(GST_ELEMENT(bin_), ghost);
}


void PeerController::remove_remote(const std::string &peer) {
  std::shared_ptr<Remote> remote;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = remotes_.find(peer);
    if (it == remotes_.end()) return;
    remote = it->second;
    remotes_.erase(it);
  }
  GST_INFO_OBJECT(bin_, "%s left: EOS on its pads, removing them", peer.c_str());
  // Order matters. webrtcbin holds buffers at its sink pads until a
  // transceiver is negotiated, so a queue feeding it can be blocked inside
  // it: webrtcbin stops first (its pads flush), then the queues can stop.
  if (remote->webrtc != nullptr) {
    g_signal_handlers_disconnect_by_data(remote->webrtc, remote.get());
  }
  for (const auto &branch : remote->branches) {
    gst_element_release_request_pad(branch.tee, branch.tee_pad);
    gst_object_unref(branch.tee_pad);
  }
  // Downstream learns the track ended, then the pads disappear.
  std::vector<Remote::Output> outputs;
  {
    std::lock_guard<std::mutex> lock(remote->mutex);
    outputs.swap(remote->outputs);
  }
  for (const auto &output : outputs) {
    GstPad *sink = gst_element_get_static_pad(output.chain, "sink");
    gst_pad_send_event(sink, gst_event_new_eos());
    gst_object_unref(sink);
  }
  // Our data channel ref goes before webrtcbin stops, so the channel's
  // elements are torn down by webrtcbin with everything else.
  GstWebRTCDataChannel *channel = nullptr;
  {
    std::lock_guard<std::mutex> lock(remote->mutex);
    channel = std::exchange(remote->channel, nullptr);
  }
  if (channel != nullptr) {
    g_signal_handlers_disconnect_by_data(channel, remote.get());
    g_object_unref(channel);
  }
  if (remote->webrtc != nullptr) {
    // Not while an ICE-restart job uses them (it checks live() under this lock).
    std::lock_guard<std::mutex> restart_lock(restart_mutex_);
    remote->session.reset();
    remove_from_bin(bin_, remote->webrtc);
  }
  for (const auto &branch : remote->branches) remove_from_bin(bin_, branch.queue);
  for (const auto &output : outputs) {
    gst_pad_set_active(output.ghost, FALSE);
    gst_element_remove_pad(GST_ELEMENT(bin_), output.ghost);
    remove_from_bin(bin_, output.chain);
  }
  if (events_.peer_left) events_.peer_left(peer);
}

// --- ICE restart -------------------------------------------------------------

// Every job below holds restart_mutex_ from its live() check to its end:
// remove_remote destroys a remote's session and webrtcbin under it, on the
// client's thread, so a remote found live stays whole for the job.
std::shared_ptr<PeerController::Remote> PeerController::live(const std::weak_ptr<Remote> &weak) {
  std::shared_ptr<Remote> remote = weak.lock();
  if (!remote) return nullptr;
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = remotes_.find(remote->peer);
  return it != remotes_.end() && it->second == remote ? remote : nullptr;
}

void PeerController::restart_ice() {
  post_job([this] {
    std::vector<std::weak_ptr<Remote>> remotes;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (const auto &[peer, remote] : remotes_) remotes.push_back(remote);
    }
    for (const auto &weak : remotes) {
      std::lock_guard<std::mutex> restart_lock(restart_mutex_);
      std::shared_ptr<Remote> remote = live(weak);
      if (!remote) continue;
      if (remote->ice_restart.under_way() || !begin_ice_restart(remote, "requested")) {
        GST_INFO_OBJECT(bin_, "no ICE restart with %s now (one is under way, or no exchange yet)",
                        remote->peer.c_str());
      }
    }
  });
}

void PeerController::on_connection_failed(const std::shared_ptr<Remote> &remote) {
  if (remote->ice_restart.under_way()) {
    // libnice keeps the old pair's consent timer until a new pair is
    // chosen, so one more "failed" can follow a restart: its deadline decides.
    GST_INFO_OBJECT(bin_, "connection with %s failed during an ICE restart: its deadline decides",
                    remote->peer.c_str());
    return;
  }
  if (remote->we_offered) {
    if (!begin_ice_restart(remote, "ICE failed")) connection_lost(remote->peer);
    return;
  }
  // We answered: the offerer restarts first. Ours follows if it does not.
  GST_INFO_OBJECT(bin_, "connection with %s failed: waiting for the peer to restart ICE",
                  remote->peer.c_str());
  const unsigned generation = remote->ice_restart.generation();
  std::weak_ptr<Remote> weak = remote;
  post_job(
      [this, weak, generation] {
        std::lock_guard<std::mutex> restart_lock(restart_mutex_);
        std::shared_ptr<Remote> remote = live(weak);
        if (!remote || !remote->ice_restart.is_current(generation)) return;  // it did
        if (session::is_connected(remote->webrtc)) return;
        if (!begin_ice_restart(remote, "ICE failed; the peer did not restart it")) {
          connection_lost(remote->peer);
        }
      },
      kAnswererRestartDelay);
}

bool PeerController::begin_ice_restart(const std::shared_ptr<Remote> &remote,
                                       const std::string &why) {
  if (!remote->session->restart_ice()) return false;
  ice_restart_under_way(remote, why);
  return true;
}

void PeerController::ice_restart_under_way(const std::shared_ptr<Remote> &remote,
                                           const std::string &why) {
  const unsigned generation = remote->ice_restart.open();
  GST_INFO_OBJECT(bin_, "ICE restart with %s (%s)", remote->peer.c_str(), why.c_str());
  if (events_.ice_restart) events_.ice_restart(remote->peer, why);
  std::weak_ptr<Remote> weak = remote;
  post_job(
      [this, weak, generation] {
        std::lock_guard<std::mutex> restart_lock(restart_mutex_);
        std::shared_ptr<Remote> remote = live(weak);
        if (!remote || !remote->ice_restart.is_current(generation)) return;  // a newer one
        remote->ice_restart.close();
        if (session::is_connected(remote->webrtc)) {
          GST_INFO_OBJECT(bin_, "ICE restart with %s: connected again", remote->peer.c_str());
          return;
        }
        connection_lost(remote->peer);
      },
      IceRestartWindow::kTimeout);
}

// P2P: the call cannot work. Mesh: the other members still can.
void PeerController::connection_lost(const std::string &peer) {
  const std::string text = "The WebRTC connection with " + peer + " failed.";
  const std::string debug =
      "ICE or DTLS failed and no ICE restart brought it back: check local-addresses, "
      "stun-server and turn-servers (on one machine set local-addresses=127.0.0.1)";
  if (mesh()) {
    if (events_.warning) events_.warning(text, debug);
  } else {
    events_.error(text, debug, "");
  }
}

}  // namespace amsrtc::plugin
