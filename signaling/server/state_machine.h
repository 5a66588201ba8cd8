// The signaling state machine of amsrtc-server: every rule of PROTOCOL.md
// §3 and §12 that decides who gets which message.
//
// Pure: it owns no socket and no GStreamer object, reads no clock (callers
// pass the time in) and never blocks. Input is (connection, text frame) or a
// connection event; output is an Outbox of messages and closes for the I/O
// layer to carry out. That is what makes every flow unit-testable step by
// step, and the server single-threaded without locks.
//
// Files: state_machine.cpp (dispatch, limits, tokens, simple commands),
// p2p.cpp (join/leave/relay, §3.4 + §12.2), rooms.cpp (joinRoom and mesh
// relay, §3.7 + §12.5).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "media_events.h"
#include "outbox.h"
#include "rate_limiter.h"
#include "signaling/protocol/codec.h"
#include "token.h"

namespace amsrtc::server {

struct ServerLimits {
  std::size_t max_message_bytes = 1024 * 1024;
  std::size_t room_member_limit = 16;
  std::size_t max_sessions_per_socket = 32;
  double rate_limit_per_second = 200;  // 0 = unlimited
};

// What getIceServerConfig answers (§3.1).
struct IceServerSettings {
  std::string stun_server;  // "stun:host:port"
  std::string turn_server;  // "turn:host:port"; preferred when set
  std::string turn_username;
  std::string turn_password;
};

struct StateMachineConfig {
  ServerLimits limits;
  IceServerSettings ice;
  std::string token_secret;  // empty: tokens are not checked
  // A media plane executes CreatePublisher/CreatePlayer/...; without one,
  // publish and play answer webrtc_not_enabled (a signaling-only server).
  bool media_plane = false;
  int64_t publish_timeout_us =
      10'000'000;  // no media this long after the answer: publishTimeoutError
};

// The time of an input, read by the caller.
struct Clock {
  int64_t monotonic_us = 0;  // for rate limiting
  int64_t unix_seconds = 0;  // for token expiry
};

class StateMachine {
 public:
  explicit StateMachine(StateMachineConfig config);

  // A WebSocket connection was accepted.
  void on_open(ConnectionId connection);
  // One text frame arrived: rate limit, decode, then on_message().
  Outbox on_text(ConnectionId connection, std::string_view text, const Clock &now);
  // A binary frame arrived; the protocol has none.
  Outbox on_binary(ConnectionId connection, const Clock &now);
  // A decoded message (after the rate limit); public for unit tests.
  Outbox on_message(ConnectionId connection, const protocol::Message &message, const Clock &now);
  // The connection is gone: end every session it had (§12.7).
  Outbox on_close(ConnectionId connection);
  // SIGINT/SIGTERM: tell everyone, then close every connection with 1001.
  Outbox on_shutdown();
  // What the media plane reports about an endpoint (media_flows.cpp).
  Outbox on_media_event(const MediaEvent &event, const Clock &now);
  // Call about once a second: ends publications that never sent media.
  Outbox on_tick(const Clock &now);

  // Introspection for tests, logs and benchmarks.
  bool is_publishing(std::string_view stream_id) const;
  std::size_t player_count(std::string_view stream_id) const;
  std::size_t connection_count() const { return connections_.size(); }
  std::size_t session_count(ConnectionId connection) const;
  std::vector<std::string> room_members(std::string_view room) const;

 private:
  struct Connection {
    explicit Connection(double rate_per_second) : limiter(rate_per_second) {}
    RateLimiter limiter;
    int64_t last_rate_notice_us = 0;  // when rate_limited was last sent
    uint64_t dropped_since_notice = 0;
    std::set<std::string> p2p_streams;         // streamIds joined with `join`
    std::map<std::string, std::string> rooms;  // room -> own streamId in it
    std::set<std::string> published;           // streamIds this socket publishes (SFU)
    std::set<std::string> played;              // streamIds this socket plays (SFU)
    std::size_t session_count() const {
      return p2p_streams.size() + rooms.size() + published.size() + played.size();
    }
  };

  struct P2pPeer {
    ConnectionId connection;
    bool play_only;  // joined with mode "play"
  };
  // At most two peers, in join order (§12.2).
  struct P2pPair {
    std::vector<P2pPeer> peers;
  };

  struct RoomMember {
    std::string stream_id;
    ConnectionId connection;
    std::string stream_name;
    std::string metadata;
  };
  // Members in join order.
  struct Room {
    std::vector<RoomMember> members;
  };

  // One context per handled message: who sent it and what goes out.
  struct Context {
    ConnectionId sender;
    Connection &connection;
    const Clock &now;
    Outbox &out;
    std::string_view text;  // the frame as received; "" from on_message()
  };

  // state_machine.cpp
  Connection &connection_for(ConnectionId connection);
  void dispatch(Context &ctx, const protocol::Message &message);
  void send(Outbox &out, ConnectionId to, protocol::Message message,
            std::string_view verbatim = {}) const;
  void send_error(Context &ctx, std::string_view definition, std::string_view stream_id,
                  std::string information = {}) const;
  bool check_token(Context &ctx, std::string_view token, const TokenRequest &request,
                   std::string_view stream_id);
  bool has_room_for_another_session(Context &ctx, std::string_view stream_id);
  protocol::IceServerConfig ice_server_config() const;
  void refuse_media(Context &ctx, const std::string &stream_id, const std::string &token,
                    const char *type);

  // p2p.cpp
  void handle_join(Context &ctx, const protocol::Join &join);
  void handle_leave(Context &ctx, const protocol::Leave &leave);
  void remove_p2p_peer(Outbox &out, ConnectionId connection, const std::string &stream_id);
  const P2pPeer *p2p_partner(ConnectionId connection, const std::string &stream_id) const;

  // rooms.cpp
  void handle_join_room(Context &ctx, const protocol::JoinRoom &join);
  void handle_leave_room(Context &ctx, const protocol::LeaveFromRoom &leave);
  void handle_room_info(Context &ctx, const protocol::GetRoomInfo &request);
  void remove_room_member(Outbox &out, ConnectionId connection, const std::string &room);
  protocol::Notification joined_the_room(const std::string &room,
                                         const std::string &stream_id) const;
  // The member `target` of a room the sender is in, with the sender's own
  // streamId in that room; null when `target` is no such member.
  const RoomMember *mesh_target(ConnectionId sender, std::string_view target,
                                std::string *sender_stream_id) const;
  std::string generate_stream_id(const Room &room);

  // Relay of takeConfiguration / takeCandidate / peerMessageCommand: to the
  // P2P partner or the mesh member the streamId names (p2p.cpp).
  template <typename Relayed>
  void relay(Context &ctx, Relayed message);
  void relay_peer_message(Context &ctx, protocol::PeerMessageCommand message);

  // A stream published through the media plane.
  struct Publication {
    ConnectionId connection = 0;
    enum class State { kAwaitingOffer, kNegotiating, kLive } state = State::kAwaitingOffer;
    int64_t answered_at_us = 0;      // when our answer went out (for the publish timeout)
    std::set<ConnectionId> players;  // sockets playing it
    std::string main_track;          // the conference room it is a member of (§3.6), or ""
    std::string stream_name;
    std::string meta_data;
    protocol::StreamInfo info;  // the media plane's last measurement
  };
  // A socket playing a main track (a conference room, §3.6): it receives
  // every live member's tracks except its own and the excluded ones.
  struct MainTrackPlayer {
    std::string own_stream;              // userPublishId
    std::set<std::string> only;          // trackList ids to play (empty: all)
    std::set<std::string> excluded;      // trackList "!id" entries
    std::vector<std::string> sources;    // what the media plane was last told
  };

  // media_flows.cpp
  void handle_publish(Context &ctx, const protocol::Publish &publish);
  void handle_play(Context &ctx, const protocol::Play &play);
  void handle_stop(Context &ctx, const protocol::Stop &stop);
  // A takeConfiguration/takeCandidate of a publish or play session: to the
  // media plane. False when it is not one (then it is relayed, p2p.cpp).
  bool media_configuration(Context &ctx, const protocol::TakeConfiguration &message);
  bool media_candidate(Context &ctx, const protocol::TakeCandidate &message);
  // Ends a publication: its players get play_finished, the publisher
  // publish_finished when `tell_publisher`.
  void end_publication(Outbox &out, const std::string &stream_id, bool tell_publisher);
  void end_player(Outbox &out, ConnectionId connection, const std::string &stream_id,
                  bool tell_player);
  void end_media_sessions(Outbox &out, ConnectionId connection);
  bool session_exists(const EndpointKey &key) const;
  void publication_live(Outbox &out, const std::string &stream_id);
  void handle_stream_info(Context &ctx, const protocol::GetStreamInfo &request);
  void handle_track_list(Context &ctx, const protocol::GetTrackList &request);
  void set_track_enabled(Context &ctx, const std::string &stream_id, const std::string &track_id,
                         const char *kind, bool enabled);

  // conference.cpp: main-track conferences on the SFU (§3.6, §12.6).
  bool is_main_track(const std::string &stream_id, const protocol::Play &play) const;
  void play_main_track(Context &ctx, const protocol::Play &play);
  // The live members of `room`, in stream id order.
  std::vector<std::string> live_members(const std::string &room) const;
  std::vector<std::string> main_track_sources(ConnectionId player, const std::string &room,
                                              const MainTrackPlayer &settings) const;
  // A member started or stopped: every player of the room is re-offered and
  // told (subtrackAdded / subtrackRemoved).
  void main_track_changed(Outbox &out, const std::string &room, const std::string &member,
                          bool added);
  void end_main_track_player(Outbox &out, ConnectionId connection, const std::string &room,
                             bool tell_player);
  bool main_track_room_info(Context &ctx, const protocol::GetRoomInfo &request);

  StateMachineConfig config_;
  std::map<std::string, Publication> publications_;
  // Main-track players by room, then by socket.
  std::map<std::string, std::map<ConnectionId, MainTrackPlayer>> main_track_players_;
  // play before publish: who gets streaming_started when it starts (§12.7).
  std::map<std::string, std::set<ConnectionId>> waiting_players_;
  std::unordered_map<ConnectionId, Connection> connections_;
  std::map<std::string, P2pPair> p2p_pairs_;
  std::map<std::string, Room> rooms_;
  uint64_t generated_ids_ = 0;
};

}  // namespace amsrtc::server
