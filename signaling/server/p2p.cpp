// P2P calls (`join`/`leave`, PROTOCOL.md §3.4) with the pairing rules of
// §12.2: at most two peers per streamId; `start` goes to the first joiner
// unless it is play-only and the other is not; the one left behind stays
// joined and is paired (and started) again by the next joiner.
#include "state_machine.h"

#include <algorithm>

namespace amsrtc::server {

namespace proto = amsrtc::protocol;

void StateMachine::handle_join(Context &ctx, const proto::Join &join) {
  const std::string &id = join.stream_id;
  const bool play_only = join.mode == "play";
  if (!check_token(ctx, join.token,
                   {id, false, play_only ? "play" : "publish", "", ctx.now.unix_seconds}, id)) {
    return;
  }
  proto::Notification joined;
  joined.definition = "joined";
  joined.stream_id = id;
  if (ctx.connection.p2p_streams.count(id) != 0) {
    send(ctx.out, ctx.sender, std::move(joined));  // a repeated join changes nothing
    return;
  }
  auto existing = p2p_pairs_.find(id);
  if (existing != p2p_pairs_.end() && existing->second.peers.size() >= 2) {
    send_error(ctx, "streamIdInUse", id, "two peers are already in this call");
    return;
  }
  if (!has_room_for_another_session(ctx, id)) return;

  P2pPair &pair = p2p_pairs_[id];
  pair.peers.push_back(P2pPeer{ctx.sender, play_only});
  ctx.connection.p2p_streams.insert(id);
  send(ctx.out, ctx.sender, std::move(joined));
  if (pair.peers.size() == 2) {
    const P2pPeer &first = pair.peers[0];
    const P2pPeer &second = pair.peers[1];
    const P2pPeer &offerer = (first.play_only && !second.play_only) ? second : first;
    proto::Start start;
    start.stream_id = id;
    send(ctx.out, offerer.connection, std::move(start));
  }
}

void StateMachine::handle_leave(Context &ctx, const proto::Leave &leave) {
  if (ctx.connection.p2p_streams.erase(leave.stream_id) != 0) {
    remove_p2p_peer(ctx.out, ctx.sender, leave.stream_id);
  }
  // Answered even when not joined: leaving twice is harmless (§12.8 spirit).
  proto::Notification leaved;
  leaved.definition = "leaved";
  leaved.stream_id = leave.stream_id;
  send(ctx.out, ctx.sender, std::move(leaved));
}

void StateMachine::remove_p2p_peer(Outbox &out, ConnectionId connection,
                                   const std::string &stream_id) {
  auto it = p2p_pairs_.find(stream_id);
  if (it == p2p_pairs_.end()) return;
  auto &peers = it->second.peers;
  peers.erase(std::remove_if(peers.begin(), peers.end(),
                             [&](const P2pPeer &peer) { return peer.connection == connection; }),
              peers.end());
  auto own = connections_.find(connection);
  if (own != connections_.end()) own->second.p2p_streams.erase(stream_id);
  if (peers.empty()) {
    p2p_pairs_.erase(it);
    return;
  }
  // The one left behind closes its peer connection and waits for the next.
  proto::Stop stop;
  stop.stream_id = stream_id;
  send(out, peers.front().connection, std::move(stop));
}

const StateMachine::P2pPeer *StateMachine::p2p_partner(ConnectionId connection,
                                                       const std::string &stream_id) const {
  auto it = p2p_pairs_.find(stream_id);
  if (it == p2p_pairs_.end()) return nullptr;
  for (const P2pPeer &peer : it->second.peers) {
    if (peer.connection != connection) return &peer;
  }
  return nullptr;
}

}  // namespace amsrtc::server
