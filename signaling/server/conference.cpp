// Main-track conferences on the SFU (PROTOCOL.md §3.6, §12.6): a room is a
// main track; a member publishes with `mainTrack:<room>`; one `play` of the
// room receives every other live member's tracks on one peer connection,
// re-offered as members come and go, with subtrackAdded/subtrackRemoved.
//
// The legacy style (joinRoom, publish one's own id, play each member's) needs
// nothing here: it is plain publish and play (media_flows.cpp) plus the room
// roster (rooms.cpp).
#include <algorithm>

#include "state_machine.h"

namespace amsrtc::server {

namespace proto = amsrtc::protocol;

bool StateMachine::is_main_track(const std::string &stream_id, const proto::Play &play) const {
  if (play.room == stream_id || rooms_.count(stream_id) != 0) return true;
  return std::any_of(publications_.begin(), publications_.end(),
                     [&](const auto &p) { return p.second.main_track == stream_id; });
}

std::vector<std::string> StateMachine::live_members(const std::string &room) const {
  std::vector<std::string> members;
  for (const auto &[id, publication] : publications_) {
    if (publication.main_track == room && publication.state == Publication::State::kLive)
      members.push_back(id);
  }
  return members;
}

std::vector<std::string> StateMachine::main_track_sources(ConnectionId player,
                                                          const std::string &room,
                                                          const MainTrackPlayer &settings) const {
  std::vector<std::string> sources;
  for (const auto &id : live_members(room)) {
    // Never one's own stream back: by userPublishId, or published on this socket.
    if (id == settings.own_stream || publications_.at(id).connection == player) continue;
    if (settings.excluded.count(id) != 0) continue;
    if (!settings.only.empty() && settings.only.count(id) == 0) continue;
    sources.push_back(id);
  }
  return sources;
}

void StateMachine::play_main_track(Context &ctx, const proto::Play &play) {
  const std::string &room = play.stream_id;
  auto &players = main_track_players_[room];
  if (players.count(ctx.sender) != 0) {
    end_main_track_player(ctx.out, ctx.sender, room, false);  // a restart (§12.7)
  } else if (!has_room_for_another_session(ctx, room)) {
    if (players.empty()) main_track_players_.erase(room);
    return;
  }
  MainTrackPlayer settings;
  settings.own_stream = play.user_publish_id;
  for (const auto &entry : play.track_list) {
    if (!entry.empty() && entry[0] == '!') {
      settings.excluded.insert(entry.substr(1));
    } else if (!entry.empty()) {
      settings.only.insert(entry);
    }
  }
  settings.sources = main_track_sources(ctx.sender, room, settings);
  ctx.out.push_back(CreatePlayer{EndpointKey{ctx.sender, room, true}, settings.sources});
  main_track_players_[room][ctx.sender] = std::move(settings);
  ctx.connection.played.insert(room);
}

void StateMachine::main_track_changed(Outbox &out, const std::string &room,
                                      const std::string &member, bool added) {
  auto players = main_track_players_.find(room);
  if (players == main_track_players_.end()) return;
  for (auto &[connection, settings] : players->second) {
    auto sources = main_track_sources(connection, room, settings);
    if (sources == settings.sources) continue;
    settings.sources = sources;
    out.push_back(UpdatePlayerSources{EndpointKey{connection, room, true}, sources});
    proto::Notification notice;
    notice.definition = added ? "subtrackAdded" : "subtrackRemoved";
    notice.stream_id = room;
    notice.track_id = member;
    send(out, connection, std::move(notice));
  }
}

void StateMachine::end_main_track_player(Outbox &out, ConnectionId connection,
                                         const std::string &room, bool tell_player) {
  auto players = main_track_players_.find(room);
  if (players != main_track_players_.end()) {
    players->second.erase(connection);
    if (players->second.empty()) main_track_players_.erase(players);
  }
  auto c = connections_.find(connection);
  if (c != connections_.end()) c->second.played.erase(room);
  out.push_back(RemoveEndpoint{EndpointKey{connection, room, true}});
  if (tell_player) {
    proto::Notification notice;
    notice.definition = "play_finished";
    notice.stream_id = room;
    send(out, connection, std::move(notice));
  }
}

// getRoomInfo of a main-track room: its live members (the asker's own
// stream left out, as AMS does). False when `room` has no main-track member.
bool StateMachine::main_track_room_info(Context &ctx, const proto::GetRoomInfo &request) {
  if (rooms_.count(request.room) != 0) return false;  // a joinRoom roster answers
  const auto members = live_members(request.room);
  if (members.empty()) return false;
  proto::RoomInformation info;
  info.room = request.room;
  info.stream_id = request.stream_id;
  for (const auto &id : members) {
    if (id == request.stream_id) continue;
    const Publication &p = publications_.at(id);
    info.members.entries.push_back({id, p.stream_name, p.meta_data});
  }
  send(ctx.out, ctx.sender, std::move(info));
  return true;
}

}  // namespace amsrtc::server
