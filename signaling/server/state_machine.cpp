// Dispatch, limits, tokens and the commands answered directly.
#include "state_machine.h"

#include <type_traits>
#include <utility>

namespace amsrtc::server {

namespace proto = amsrtc::protocol;

namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

// Commands only a server sends; a client sending one is confused.
template <typename T>
constexpr bool kServerOnly =
    std::is_same_v<T, proto::Start> || std::is_same_v<T, proto::Pong> ||
    std::is_same_v<T, proto::Notification> || std::is_same_v<T, proto::Error> ||
    std::is_same_v<T, proto::StreamInformation> || std::is_same_v<T, proto::RoomInformation> ||
    std::is_same_v<T, proto::TrackList> || std::is_same_v<T, proto::ConnectWithNewId> ||
    std::is_same_v<T, proto::IceServerConfig> || std::is_same_v<T, proto::StartNewP2PConnection>;

}  // namespace

StateMachine::StateMachine(StateMachineConfig config) : config_(std::move(config)) {}

void StateMachine::on_open(ConnectionId connection) { connection_for(connection); }

// The state of `connection`, created on first use: a frame can only come
// from an open socket, so an unknown id is simply a new one.
StateMachine::Connection &StateMachine::connection_for(ConnectionId connection) {
  return connections_.try_emplace(connection, config_.limits.rate_limit_per_second).first->second;
}

Outbox StateMachine::on_text(ConnectionId connection, std::string_view text, const Clock &now) {
  Outbox out;
  Context ctx{connection, connection_for(connection), now, out, text};
  // The limit comes first, before any parsing cost (§12.10). The excess is
  // dropped; the sender is told with one rate_limited per second at most,
  // so a flood is not reflected back message for message (answering each
  // one cost the other sockets ~25 ms of latency per 5,000-message burst).
  if (!ctx.connection.limiter.allow(now.monotonic_us)) {
    Connection &c = ctx.connection;
    ++c.dropped_since_notice;
    constexpr int64_t kNoticeIntervalUs = 1'000'000;
    if (c.last_rate_notice_us == 0 ||
        now.monotonic_us - c.last_rate_notice_us >= kNoticeIntervalUs) {
      send_error(ctx, "rate_limited", {},
                 "more than " +
                     std::to_string(static_cast<int>(config_.limits.rate_limit_per_second)) +
                     " messages per second: " + std::to_string(c.dropped_since_notice) +
                     " dropped; further excess is dropped silently for a second");
      c.last_rate_notice_us = now.monotonic_us;
      c.dropped_since_notice = 0;
    }
    return out;
  }
  const proto::Decoded decoded =
      proto::decode(text, proto::DecodeLimits{config_.limits.max_message_bytes, 32});
  if (!decoded) {
    if (decoded.error().kind == proto::DecodeErrorKind::kTooLarge) {
      out.push_back(CloseConnection{connection, 1009, "message too big"});
    } else {
      send(out, connection, proto::error_reply_for(decoded.error()));
    }
    return out;
  }
  dispatch(ctx, decoded.message());
  return out;
}

Outbox StateMachine::on_binary(ConnectionId connection, const Clock &now) {
  Outbox out;
  auto it = connections_.find(connection);
  if (it == connections_.end()) return out;
  Context ctx{connection, it->second, now, out, {}};
  send_error(ctx, "invalid_json", {}, "binary frames are not part of the protocol; send text");
  return out;
}

Outbox StateMachine::on_message(ConnectionId connection, const proto::Message &message,
                                const Clock &now) {
  Outbox out;
  Context ctx{connection, connection_for(connection), now, out, {}};
  dispatch(ctx, message);
  return out;
}

Outbox StateMachine::on_close(ConnectionId connection) {
  Outbox out;
  auto it = connections_.find(connection);
  if (it == connections_.end()) return out;
  // Copies: the removals below edit these sets.
  const std::set<std::string> p2p_streams = it->second.p2p_streams;
  const std::map<std::string, std::string> rooms = it->second.rooms;
  for (const auto &stream_id : p2p_streams) remove_p2p_peer(out, connection, stream_id);
  for (const auto &[room, own_id] : rooms) remove_room_member(out, connection, room);
  end_media_sessions(out, connection);
  connections_.erase(connection);
  return out;
}

Outbox StateMachine::on_shutdown() {
  Outbox out;
  for (const auto &[id, connection] : connections_) {
    proto::Notification notice;
    notice.definition = "server_will_stop";
    send(out, id, std::move(notice));
    out.push_back(CloseConnection{id, 1001, "server shutting down"});
  }
  return out;
}

std::size_t StateMachine::session_count(ConnectionId connection) const {
  auto it = connections_.find(connection);
  return it == connections_.end() ? 0 : it->second.session_count();
}

void StateMachine::dispatch(Context &ctx, const proto::Message &message) {
  std::visit(Overloaded{
                 [&](const proto::Ping &) { send(ctx.out, ctx.sender, proto::Pong{}); },
                 [&](const proto::GetIceServerConfig &) {
                   send(ctx.out, ctx.sender, ice_server_config());
                 },
                 [&](const proto::Publish &m) {
                   if (!config_.media_plane)
                     return refuse_media(ctx, m.stream_id, m.token, "publish");
                   handle_publish(ctx, m);
                 },
                 [&](const proto::Play &m) {
                   if (!config_.media_plane) return refuse_media(ctx, m.stream_id, m.token, "play");
                   handle_play(ctx, m);
                 },
                 [&](const proto::TakeConfiguration &m) {
                   if (!media_configuration(ctx, m)) relay(ctx, m);
                 },
                 [&](const proto::TakeCandidate &m) {
                   if (!media_candidate(ctx, m)) relay(ctx, m);
                 },
                 [&](const proto::PeerMessageCommand &m) { relay_peer_message(ctx, m); },
                 [&](const proto::Stop &m) { handle_stop(ctx, m); },
                 [&](const proto::Join &m) { handle_join(ctx, m); },
                 [&](const proto::Leave &m) { handle_leave(ctx, m); },
                 [&](const proto::JoinRoom &m) { handle_join_room(ctx, m); },
                 [&](const proto::LeaveFromRoom &m) { handle_leave_room(ctx, m); },
                 [&](const proto::GetRoomInfo &m) { handle_room_info(ctx, m); },
                 [&](const proto::GetStreamInfo &m) { handle_stream_info(ctx, m); },
                 [&](const proto::GetTrackList &m) { handle_track_list(ctx, m); },
                 [&](const proto::EnableTrack &m) {
                   set_track_enabled(ctx, m.stream_id, m.track_id, "", m.enabled);
                 },
                 [&](const proto::ToggleVideo &m) {
                   set_track_enabled(ctx, m.stream_id, m.track_id, "video", m.enabled);
                 },
                 [&](const proto::ToggleAudio &m) {
                   set_track_enabled(ctx, m.stream_id, m.track_id, "audio", m.enabled);
                 },
                 [&](const auto &m) {
                   using T = std::decay_t<decltype(m)>;
                   proto::Error error;
                   error.definition = "unsupported_command";
                   error.command_name = std::string(T::kCommand);
                   error.stream_id = std::string(proto::stream_id_of(message));
                   error.information =
                       kServerOnly<T>
                           ? "'" + error.command_name + "' is sent by servers, not by clients"
                           : "amsrtc-server does not support '" + error.command_name +
                                 "' (docs/server.md)";
                   send(ctx.out, ctx.sender, std::move(error));
                 },
             },
             message);
}

// publish/play until the SFU lands: the token is still checked first, so a
// client learns about a bad token before anything else (§12.9).
void StateMachine::refuse_media(Context &ctx, const std::string &stream_id,
                                const std::string &token, const char *type) {
  if (!check_token(ctx, token, {stream_id, false, type, "", ctx.now.unix_seconds}, stream_id)) {
    return;
  }
  send_error(ctx, "webrtc_not_enabled", stream_id,
             "this amsrtc-server has no media plane: publish/play are not available");
}

void StateMachine::send(Outbox &out, ConnectionId to, proto::Message message,
                        std::string_view verbatim) const {
  out.push_back(SendMessage{to, std::move(message), std::string(verbatim)});
}

void StateMachine::send_error(Context &ctx, std::string_view definition, std::string_view stream_id,
                              std::string information) const {
  proto::Error error;
  error.definition = std::string(definition);
  error.stream_id = std::string(stream_id);
  error.information = std::move(information);
  send(ctx.out, ctx.sender, std::move(error));
}

bool StateMachine::check_token(Context &ctx, std::string_view token, const TokenRequest &request,
                               std::string_view stream_id) {
  if (config_.token_secret.empty()) return true;  // §12.9: no secret, no check
  const TokenVerdict verdict = verify_token(token, config_.token_secret, request);
  if (verdict == TokenVerdict::kValid) return true;
  send_error(ctx, "unauthorized_access", stream_id, describe(verdict));
  return false;
}

bool StateMachine::has_room_for_another_session(Context &ctx, std::string_view stream_id) {
  const std::size_t limit = config_.limits.max_sessions_per_socket;
  if (ctx.connection.session_count() < limit) return true;
  send_error(ctx, "too_many_sessions", stream_id,
             "at most " + std::to_string(limit) + " sessions per socket");
  return false;
}

proto::IceServerConfig StateMachine::ice_server_config() const {
  proto::IceServerConfig reply;
  if (!config_.ice.turn_server.empty()) {
    reply.stun_server_uri = config_.ice.turn_server;
    reply.turn_server_username = config_.ice.turn_username;
    reply.turn_server_credential = config_.ice.turn_password;
  } else {
    reply.stun_server_uri = config_.ice.stun_server;
  }
  return reply;
}

}  // namespace amsrtc::server
