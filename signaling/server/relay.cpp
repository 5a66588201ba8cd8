// Relay of SDP, ICE candidates and peer messages between clients: to the P2P
// partner of a joined streamId, or to the mesh-room member the streamId
// names (PROTOCOL.md §12.3-§12.5). A client can only reach sessions it is
// part of; anything else gets no_peer_associated_before.
#include "state_machine.h"

namespace amsrtc::server {

namespace proto = amsrtc::protocol;

namespace {

// §12.3: the JS SDK throws in ontrack when an offer has no idMapping.
// Returns true when it had to change the message.
bool prepare_for_relay(proto::TakeConfiguration &message) {
  if (message.type == proto::SdpType::kOffer && !message.id_mapping) {
    message.id_mapping = proto::IdMapping{};
    return true;
  }
  return false;
}
bool prepare_for_relay(proto::TakeCandidate &) { return false; }
bool prepare_for_relay(proto::PeerMessageCommand &) { return false; }

}  // namespace

template <typename Relayed>
void StateMachine::relay(Context &ctx, Relayed message) {
  const std::string target = message.stream_id;
  if (ctx.connection.p2p_streams.count(target) != 0) {
    const P2pPeer *partner = p2p_partner(ctx.sender, target);
    if (partner == nullptr) {
      send_error(ctx, "no_peer_associated_before", target, "the other peer has not joined yet");
      return;
    }
    // Unchanged messages go out as they came in.
    const bool changed = prepare_for_relay(message);
    send(ctx.out, partner->connection, std::move(message), changed ? std::string_view{} : ctx.text);
    return;
  }
  std::string sender_stream_id;
  if (const RoomMember *member = mesh_target(ctx.sender, target, &sender_stream_id)) {
    // The receiver learns who is talking: the streamId becomes the sender's.
    message.stream_id = sender_stream_id;
    prepare_for_relay(message);
    send(ctx.out, member->connection, std::move(message));
    return;
  }
  send_error(ctx, "no_peer_associated_before", target,
             "join this stream id (or a room holding it) before signaling to it");
}

template void StateMachine::relay(Context &, proto::TakeConfiguration);
template void StateMachine::relay(Context &, proto::TakeCandidate);

void StateMachine::relay_peer_message(Context &ctx, proto::PeerMessageCommand message) {
  const std::string target = message.stream_id;
  // To a whole mesh room: streamId names the room, or the sender's own id
  // in it. Relayed unchanged to every other member (§12.4).
  for (const auto &[room_name, own_id] : ctx.connection.rooms) {
    if (target != room_name && target != own_id) continue;
    auto room = rooms_.find(room_name);
    if (room == rooms_.end()) continue;
    for (const RoomMember &member : room->second.members) {
      if (member.connection != ctx.sender) send(ctx.out, member.connection, message, ctx.text);
    }
    return;
  }
  // Otherwise exactly like SDP: the P2P partner or one named member.
  relay(ctx, std::move(message));
}

template void StateMachine::relay(Context &, proto::PeerMessageCommand);

}  // namespace amsrtc::server
