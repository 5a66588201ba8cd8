// Rooms joined with `joinRoom` (PROTOCOL.md §3.7) and used as mesh rooms
// (§12.5): members learn of each other through joinedTheRoom, streamJoined
// and streamLeaved, and signal to each other through the relay (relay.cpp).
#include "state_machine.h"

#include <algorithm>

namespace amsrtc::server {

namespace proto = amsrtc::protocol;

namespace {

proto::Notification room_notification(const char *definition, const std::string &stream_id,
                                      const std::string &room) {
  proto::Notification notice;
  notice.definition = definition;
  notice.stream_id = stream_id;
  notice.room = room;
  return notice;
}

}  // namespace

void StateMachine::handle_join_room(Context &ctx, const proto::JoinRoom &join) {
  const std::string &room_name = join.room;
  if (!check_token(ctx, join.token, {room_name, true, "publish", "play", ctx.now.unix_seconds},
                   join.stream_id)) {
    return;
  }
  auto &own_rooms = ctx.connection.rooms;
  if (auto mine = own_rooms.find(room_name); mine != own_rooms.end()) {
    if (join.stream_id.empty() || join.stream_id == mine->second) {
      // A repeated join is answered again and changes nothing.
      send(ctx.out, ctx.sender, joined_the_room(room_name, mine->second));
      return;
    }
    // Same socket, new id in the same room: the old membership ends.
    remove_room_member(ctx.out, ctx.sender, room_name);
  }

  auto existing = rooms_.find(room_name);
  if (existing != rooms_.end()) {
    const auto &members = existing->second.members;
    const bool id_taken = !join.stream_id.empty() &&
                          std::any_of(members.begin(), members.end(), [&](const RoomMember &m) {
                            return m.stream_id == join.stream_id;
                          });
    if (id_taken) {
      send_error(ctx, "streamIdInUse", join.stream_id, "another member of the room has this id");
      return;
    }
    if (members.size() >= config_.limits.room_member_limit) {
      proto::Error error;
      error.definition = "main_track_has_max_subtrack_count__not_allowed_to_add_more_subtracks";
      error.stream_id = join.stream_id;
      error.room = room_name;
      error.information =
          "the room is full (" + std::to_string(config_.limits.room_member_limit) + " members)";
      send(ctx.out, ctx.sender, std::move(error));
      return;
    }
  }
  if (!has_room_for_another_session(ctx, join.stream_id)) return;

  Room &room = rooms_[room_name];
  const std::string stream_id = join.stream_id.empty() ? generate_stream_id(room) : join.stream_id;

  for (const RoomMember &member : room.members) {
    send(ctx.out, member.connection, room_notification("streamJoined", stream_id, room_name));
  }
  room.members.push_back(RoomMember{stream_id, ctx.sender, join.stream_name, join.metadata});
  own_rooms[room_name] = stream_id;
  send(ctx.out, ctx.sender, joined_the_room(room_name, stream_id));
}

proto::Notification StateMachine::joined_the_room(const std::string &room_name,
                                                  const std::string &stream_id) const {
  proto::Notification joined = room_notification("joinedTheRoom", stream_id, room_name);
  joined.members = proto::RoomMembers{};
  if (auto room = rooms_.find(room_name); room != rooms_.end()) {
    for (const RoomMember &member : room->second.members) {
      if (member.stream_id == stream_id) continue;  // the others only
      joined.members->entries.push_back({member.stream_id, member.stream_name, member.metadata});
    }
  }
  joined.max_track_count = static_cast<int64_t>(config_.limits.room_member_limit);
  return joined;
}

void StateMachine::handle_leave_room(Context &ctx, const proto::LeaveFromRoom &leave) {
  std::string own_id;
  if (auto mine = ctx.connection.rooms.find(leave.room); mine != ctx.connection.rooms.end()) {
    own_id = mine->second;
    remove_room_member(ctx.out, ctx.sender, leave.room);
  }
  send(ctx.out, ctx.sender, room_notification("leavedFromRoom", own_id, leave.room));
}

void StateMachine::handle_room_info(Context &ctx, const proto::GetRoomInfo &request) {
  if (main_track_room_info(ctx, request)) return;
  auto room = rooms_.find(request.room);
  if (room == rooms_.end() || room->second.members.empty()) {
    proto::Error error;
    error.definition = "no_active_streams_in_room";
    error.room = request.room;
    error.stream_id = request.stream_id;
    send(ctx.out, ctx.sender, std::move(error));
    return;
  }
  proto::RoomInformation info;
  info.room = request.room;
  info.stream_id = request.stream_id;
  for (const RoomMember &member : room->second.members) {
    // As in AMS, the asker's own stream is not listed.
    if (member.stream_id == request.stream_id) continue;
    info.members.entries.push_back({member.stream_id, member.stream_name, member.metadata});
  }
  send(ctx.out, ctx.sender, std::move(info));
}

void StateMachine::remove_room_member(Outbox &out, ConnectionId connection,
                                      const std::string &room_name) {
  auto own = connections_.find(connection);
  if (own != connections_.end()) own->second.rooms.erase(room_name);
  auto room = rooms_.find(room_name);
  if (room == rooms_.end()) return;
  auto &members = room->second.members;
  auto leaving = std::find_if(members.begin(), members.end(),
                              [&](const RoomMember &m) { return m.connection == connection; });
  if (leaving == members.end()) return;
  const std::string stream_id = leaving->stream_id;
  members.erase(leaving);
  for (const RoomMember &member : members) {
    send(out, member.connection, room_notification("streamLeaved", stream_id, room_name));
  }
  if (members.empty()) rooms_.erase(room);
}

const StateMachine::RoomMember *StateMachine::mesh_target(ConnectionId sender,
                                                          std::string_view target,
                                                          std::string *sender_stream_id) const {
  auto own = connections_.find(sender);
  if (own == connections_.end()) return nullptr;
  for (const auto &[room_name, own_id] : own->second.rooms) {
    if (own_id == target) continue;
    auto room = rooms_.find(room_name);
    if (room == rooms_.end()) continue;
    for (const RoomMember &member : room->second.members) {
      if (member.stream_id == target && member.connection != sender) {
        *sender_stream_id = own_id;
        return &member;
      }
    }
  }
  return nullptr;
}

std::string StateMachine::generate_stream_id(const Room &room) {
  for (;;) {
    std::string id = "member" + std::to_string(++generated_ids_);
    const bool taken = std::any_of(room.members.begin(), room.members.end(),
                                   [&](const RoomMember &m) { return m.stream_id == id; });
    if (!taken) return id;
  }
}

std::vector<std::string> StateMachine::room_members(std::string_view room_name) const {
  std::vector<std::string> ids;
  auto room = rooms_.find(std::string(room_name));
  if (room == rooms_.end()) return ids;
  for (const RoomMember &member : room->second.members) ids.push_back(member.stream_id);
  return ids;
}

}  // namespace amsrtc::server
