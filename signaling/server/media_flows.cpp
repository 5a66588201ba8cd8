// Publish and play through the media plane (PROTOCOL.md §3.2, §3.3, §12.7):
// which session exists, what the media plane is asked to do, and what each
// client is told. The media plane itself (webrtcbin endpoints) is elsewhere;
// it reports back through on_media_event().
//
//   publish:  publish -> start -> client offer -> CreatePublisher -> our
//             answer -> candidates -> first media -> publish_started
//   play:     play -> CreatePlayer -> our offer (with idMapping) -> client
//             answer -> candidates -> media flowing -> play_started
#include "state_machine.h"

namespace amsrtc::server {

namespace proto = amsrtc::protocol;

namespace {

proto::Notification notification(const char *definition, const std::string &stream_id) {
  proto::Notification n;
  n.definition = definition;
  n.stream_id = stream_id;
  return n;
}

}  // namespace

bool StateMachine::is_publishing(std::string_view stream_id) const {
  auto it = publications_.find(std::string(stream_id));
  return it != publications_.end() && it->second.state == Publication::State::kLive;
}

std::size_t StateMachine::player_count(std::string_view stream_id) const {
  auto it = publications_.find(std::string(stream_id));
  return it == publications_.end() ? 0 : it->second.players.size();
}

void StateMachine::handle_publish(Context &ctx, const proto::Publish &publish) {
  const std::string &id = publish.stream_id;
  if (!check_token(ctx, publish.token, {id, false, "publish", "", ctx.now.unix_seconds}, id)) {
    return;
  }
  auto existing = publications_.find(id);
  if (existing != publications_.end()) {
    if (existing->second.connection != ctx.sender) {
      send_error(ctx, "streamIdInUse", id, "another client publishes this stream");
      return;
    }
    // The same socket publishes it again: a restart (§12.7).
    end_publication(ctx.out, id, false);
  }
  if (!has_room_for_another_session(ctx, id)) return;
  Publication publication;
  publication.connection = ctx.sender;
  publication.main_track = publish.main_track == id ? "" : publish.main_track;
  publication.stream_name = publish.stream_name;
  publication.meta_data = publish.meta_data;
  publications_[id] = publication;
  ctx.connection.published.insert(id);
  proto::Start start;
  start.stream_id = id;
  send(ctx.out, ctx.sender, std::move(start));
}

void StateMachine::handle_play(Context &ctx, const proto::Play &play) {
  const std::string &id = play.stream_id;
  if (!check_token(ctx, play.token, {id, false, "play", "", ctx.now.unix_seconds}, id)) return;
  auto publication = publications_.find(id);
  const bool live = publication != publications_.end() &&
                    publication->second.state == Publication::State::kLive;
  if (!live && is_main_track(id, play)) return play_main_track(ctx, play);
  if (!live) {
    proto::Error error;
    error.definition = "no_stream_exist";
    error.stream_id = id;
    error.error_code = "404";
    error.information = "nothing is published under this id yet; streaming_started follows";
    send(ctx.out, ctx.sender, std::move(error));
    waiting_players_[id].insert(ctx.sender);
    return;
  }
  if (ctx.connection.played.count(id) != 0) {
    end_player(ctx.out, ctx.sender, id, false);  // a restart (§12.7)
  } else if (!has_room_for_another_session(ctx, id)) {
    return;
  }
  publication->second.players.insert(ctx.sender);
  ctx.connection.played.insert(id);
  ctx.out.push_back(CreatePlayer{EndpointKey{ctx.sender, id, true}, {id}});
}

bool StateMachine::media_configuration(Context &ctx, const proto::TakeConfiguration &message) {
  const std::string &id = message.stream_id;
  if (ctx.connection.published.count(id) != 0) {
    auto &publication = publications_[id];
    const EndpointKey key{ctx.sender, id, false};
    if (message.type != proto::SdpType::kOffer) {
      send_error(ctx, "notSetRemoteDescription", id, "a publisher sends an offer, not an answer");
    } else if (publication.state == Publication::State::kAwaitingOffer) {
      publication.state = Publication::State::kNegotiating;
      ctx.out.push_back(CreatePublisher{key, message.sdp});
    } else {
      // A new offer on the same session (renegotiation).
      ctx.out.push_back(ApplyRemoteDescription{key, proto::SdpType::kOffer, message.sdp});
    }
    return true;
  }
  if (ctx.connection.played.count(id) != 0) {
    if (message.type != proto::SdpType::kAnswer) {
      send_error(ctx, "notSetRemoteDescription", id, "a player answers the server's offer");
    } else {
      ctx.out.push_back(
          ApplyRemoteDescription{EndpointKey{ctx.sender, id, true}, message.type, message.sdp});
    }
    return true;
  }
  return false;
}

bool StateMachine::media_candidate(Context &ctx, const proto::TakeCandidate &message) {
  const std::string &id = message.stream_id;
  const bool publisher = ctx.connection.published.count(id) != 0;
  if (!publisher && ctx.connection.played.count(id) == 0) return false;
  ctx.out.push_back(ApplyRemoteCandidate{EndpointKey{ctx.sender, id, !publisher},
                                         static_cast<unsigned>(message.label), message.candidate});
  return true;
}

void StateMachine::handle_stop(Context &ctx, const proto::Stop &stop) {
  // §12.7: stop of an unknown session is ignored (the SDK's watchdog sends
  // it freely). P2P calls end with `leave`.
  if (ctx.connection.published.count(stop.stream_id) != 0) {
    end_publication(ctx.out, stop.stream_id, true);
  } else if (ctx.connection.played.count(stop.stream_id) != 0) {
    if (main_track_players_.count(stop.stream_id) != 0 &&
        main_track_players_[stop.stream_id].count(ctx.sender) != 0) {
      end_main_track_player(ctx.out, ctx.sender, stop.stream_id, true);
    } else {
      end_player(ctx.out, ctx.sender, stop.stream_id, true);
    }
  }
}

void StateMachine::end_publication(Outbox &out, const std::string &stream_id, bool tell_publisher) {
  auto it = publications_.find(stream_id);
  if (it == publications_.end()) return;
  const Publication publication = it->second;
  publications_.erase(it);
  for (ConnectionId player : publication.players) {
    out.push_back(RemoveEndpoint{EndpointKey{player, stream_id, true}});
    auto connection = connections_.find(player);
    if (connection != connections_.end()) connection->second.played.erase(stream_id);
    send(out, player, notification("play_finished", stream_id));
  }
  if (publication.state != Publication::State::kAwaitingOffer) {
    out.push_back(RemoveEndpoint{EndpointKey{publication.connection, stream_id, false}});
  }
  auto publisher = connections_.find(publication.connection);
  if (publisher != connections_.end()) publisher->second.published.erase(stream_id);
  if (tell_publisher)
    send(out, publication.connection, notification("publish_finished", stream_id));
  if (!publication.main_track.empty() && publication.state == Publication::State::kLive) {
    main_track_changed(out, publication.main_track, stream_id, false);
  }
}

void StateMachine::end_player(Outbox &out, ConnectionId connection, const std::string &stream_id,
                              bool tell_player) {
  auto it = publications_.find(stream_id);
  if (it != publications_.end()) it->second.players.erase(connection);
  auto c = connections_.find(connection);
  if (c != connections_.end()) c->second.played.erase(stream_id);
  out.push_back(RemoveEndpoint{EndpointKey{connection, stream_id, true}});
  if (tell_player) send(out, connection, notification("play_finished", stream_id));
}

// A closed socket: its publications end (their players are told), its
// player endpoints go, and it waits for no stream any more.
void StateMachine::end_media_sessions(Outbox &out, ConnectionId connection) {
  auto it = connections_.find(connection);
  if (it == connections_.end()) return;
  const std::set<std::string> published = it->second.published;
  const std::set<std::string> played = it->second.played;
  for (const auto &id : published) end_publication(out, id, false);
  for (const auto &id : played) {
    auto room = main_track_players_.find(id);
    if (room != main_track_players_.end() && room->second.count(connection) != 0) {
      end_main_track_player(out, connection, id, false);
    } else {
      end_player(out, connection, id, false);
    }
  }
  for (auto &[id, waiting] : waiting_players_) waiting.erase(connection);
}

bool StateMachine::session_exists(const EndpointKey &key) const {
  if (key.player) {
    auto room = main_track_players_.find(key.stream_id);
    if (room != main_track_players_.end() && room->second.count(key.connection) != 0) return true;
  }
  auto it = publications_.find(key.stream_id);
  if (it == publications_.end()) return false;
  return key.player ? it->second.players.count(key.connection) != 0
                    : it->second.connection == key.connection;
}

Outbox StateMachine::on_media_event(const MediaEvent &event, const Clock &now) {
  Outbox out;
  std::visit(
      [&](const auto &e) {
        // An event about a session that ended meanwhile changes nothing.
        if (!session_exists(e.key)) return;
        using T = std::decay_t<decltype(e)>;
        const std::string &id = e.key.stream_id;
        if constexpr (std::is_same_v<T, LocalDescription>) {
          proto::TakeConfiguration message;
          message.stream_id = id;
          message.type = e.type;
          message.sdp = e.sdp;
          if (e.key.player) message.id_mapping = e.id_mapping;
          if (!e.key.player) publications_[id].answered_at_us = now.monotonic_us;
          send(out, e.key.connection, std::move(message));
        } else if constexpr (std::is_same_v<T, LocalCandidate>) {
          proto::TakeCandidate message;
          message.stream_id = id;
          message.label = e.mline;
          message.id = e.mid;
          message.candidate = e.candidate;
          send(out, e.key.connection, std::move(message));
        } else if constexpr (std::is_same_v<T, MediaFlowing>) {
          if (e.key.player) {
            send(out, e.key.connection, notification("play_started", id));
            return;
          }
          publication_live(out, id);
        } else if constexpr (std::is_same_v<T, EndpointFailed>) {
          if (!e.definition.empty()) {
            proto::Error error;
            error.definition = e.definition;
            error.stream_id = id;
            error.information = e.information;
            send(out, e.key.connection, std::move(error));
          }
          if (!e.key.player) {
            end_publication(out, id, false);
          } else if (main_track_players_.count(id) != 0 &&
                     main_track_players_[id].count(e.key.connection) != 0) {
            end_main_track_player(out, e.key.connection, id, false);
          } else {
            end_player(out, e.key.connection, id, false);
          }
        } else if constexpr (std::is_same_v<T, StreamStats>) {
          if (!e.key.player) publications_[id].info = e.info;
        }
      },
      event);
  return out;
}

void StateMachine::publication_live(Outbox &out, const std::string &id) {
  auto &publication = publications_[id];
  if (publication.state == Publication::State::kLive) return;
  publication.state = Publication::State::kLive;
  send(out, publication.connection, notification("publish_started", id));
  auto waiting = waiting_players_.find(id);
  if (waiting != waiting_players_.end()) {
    for (ConnectionId c : waiting->second) send(out, c, notification("streaming_started", id));
    waiting_players_.erase(waiting);
  }
  if (!publication.main_track.empty()) main_track_changed(out, publication.main_track, id, true);
}

void StateMachine::handle_stream_info(Context &ctx, const proto::GetStreamInfo &request) {
  auto it = publications_.find(request.stream_id);
  if (it == publications_.end() || it->second.state != Publication::State::kLive) {
    proto::Error error;
    error.definition = "no_stream_exist";
    error.stream_id = request.stream_id;
    error.error_code = "404";
    error.information = "no stream is published under this id";
    send(ctx.out, ctx.sender, std::move(error));
    return;
  }
  proto::StreamInformation info;
  info.stream_id = request.stream_id;
  info.stream_info.push_back(it->second.info);
  send(ctx.out, ctx.sender, std::move(info));
}

// A main track lists its live members; a plain stream is its own track.
void StateMachine::handle_track_list(Context &ctx, const proto::GetTrackList &request) {
  proto::TrackList list;
  list.stream_id = request.stream_id;
  list.track_list = live_members(request.stream_id);
  if (list.track_list.empty()) {
    auto it = publications_.find(request.stream_id);
    if (it == publications_.end() || it->second.state != Publication::State::kLive) {
      send_error(ctx, "no_stream_exist", request.stream_id, "no stream is published under this id");
      return;
    }
    list.track_list.push_back(request.stream_id);
  }
  send(ctx.out, ctx.sender, std::move(list));
}

// toggleVideo/toggleAudio (trackId: a member of a main track, or the stream
// itself) and enableTrack, on the sender's own play session only.
void StateMachine::set_track_enabled(Context &ctx, const std::string &stream_id,
                                     const std::string &track_id, const char *kind, bool enabled) {
  if (ctx.connection.played.count(stream_id) == 0) {
    send_error(ctx, "no_stream_exist", stream_id, "this socket does not play this stream");
    return;
  }
  const std::string source = track_id.empty() ? stream_id : track_id;
  ctx.out.push_back(SetTrackEnabled{EndpointKey{ctx.sender, stream_id, true}, source, kind, enabled});
}

Outbox StateMachine::on_tick(const Clock &now) {
  Outbox out;
  std::vector<std::string> timed_out;
  for (const auto &[id, publication] : publications_) {
    if (publication.state == Publication::State::kNegotiating && publication.answered_at_us != 0 &&
        now.monotonic_us - publication.answered_at_us >= config_.publish_timeout_us) {
      timed_out.push_back(id);
    }
  }
  for (const auto &id : timed_out) {
    proto::Error error;
    error.definition = "publishTimeoutError";
    error.stream_id = id;
    error.information = "no media arrived within 10 s of the answer";
    send(out, publications_[id].connection, std::move(error));
    end_publication(out, id, false);
  }
  return out;
}

}  // namespace amsrtc::server
