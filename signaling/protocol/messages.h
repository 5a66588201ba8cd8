// The typed model of every message of the Ant Media Server WebSocket
// protocol (PROTOCOL.md §4-§7) and of our profile (§12).
//
// One struct per `command`. Each struct names its wire command in kCommand
// and lists its JSON members in fields() (see field.h), which is all the
// codec needs. Commands that travel in both directions (takeConfiguration,
// takeCandidate, stop, peerMessageCommand) have one struct carrying the
// fields of both directions.
//
// Conventions: an empty std::string means "absent" (the protocol treats
// missing, null and "" alike); std::optional marks members whose presence
// itself matters (idMapping, numbers without a natural default).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <variant>
#include <vector>

#include "definitions.h"
#include "field.h"

namespace amsrtc::protocol {

// Any JSON value kept as compact JSON text (e.g. the `data` of a
// peerMessageCommand). Empty text means "absent". The codec stores what it
// decoded in the compact form json-glib writes; when encoding, text that is
// not valid JSON is written as null.
struct RawJson {
  std::string text;
  bool operator==(const RawJson &other) const { return text == other.text; }
  bool operator!=(const RawJson &other) const { return !(*this == other); }
};

// `type` of takeConfiguration.
enum class SdpType { kOffer, kAnswer };

// Map from an m-line's mid to the track id the server plays on it
// (`ARDAMSv<streamId>` / `ARDAMSa<streamId>`, PROTOCOL.md §3.3 (8)).
using IdMapping = std::map<std::string, std::string>;

constexpr IntRange kMlineIndexRange{0, 65535};
constexpr IntRange kCountRange{0, 2147483647};
constexpr IntRange kPixelRange{0, 65535};
constexpr IntRange kBitrateRange{0, 1'000'000'000'000};

// ---------------------------------------------------------------------------
// Nested objects

// One entry of `streamList` (joinedTheRoom, roomInformation).
struct StreamListEntry {
  std::string stream_id;
  std::string stream_name;
  std::string meta_data;
  static constexpr auto fields() {
    return std::make_tuple(field("streamId", &StreamListEntry::stream_id, kRequired | kStreamId),
                           field("streamName", &StreamListEntry::stream_name),
                           field("metaData", &StreamListEntry::meta_data));
  }
};

// The members of a room. On the wire this is two members that must agree:
// `streams` (ids) and `streamList` (objects); we send both and accept either
// (PROTOCOL.md §12.1).
struct RoomMembers {
  std::vector<StreamListEntry> entries;
  std::vector<std::string> ids() const;
};

// One entry of streamInformation's `streamInfo`.
struct StreamInfo {
  int64_t stream_width = 0;
  int64_t stream_height = 0;
  int64_t video_bitrate = 0;
  int64_t audio_bitrate = 0;
  std::string video_codec;
  static constexpr auto fields() {
    return std::make_tuple(
        int_field("streamWidth", &StreamInfo::stream_width, kPixelRange, kAlwaysEmit),
        int_field("streamHeight", &StreamInfo::stream_height, kPixelRange, kAlwaysEmit),
        int_field("videoBitrate", &StreamInfo::video_bitrate, kBitrateRange, kAlwaysEmit),
        int_field("audioBitrate", &StreamInfo::audio_bitrate, kBitrateRange, kAlwaysEmit),
        field("videoCodec", &StreamInfo::video_codec, kAlwaysEmit));
  }
};

// ---------------------------------------------------------------------------
// Shared shapes (several commands carry exactly these members)

// Commands whose only member is the stream id.
struct StreamIdOnly {
  std::string stream_id;
  static constexpr auto fields() {
    return std::make_tuple(field("streamId", &StreamIdOnly::stream_id, kRequired | kStreamId));
  }
};

// Commands with a stream id and a page (offset, size).
struct PagedRequest {
  std::string stream_id;
  std::optional<int64_t> offset;
  std::optional<int64_t> size;
  static constexpr auto fields() {
    return std::make_tuple(field("streamId", &PagedRequest::stream_id, kRequired | kStreamId),
                           int_field("offset", &PagedRequest::offset, kCountRange),
                           int_field("size", &PagedRequest::size, kCountRange));
  }
};

// toggleVideo / toggleAudio (PROTOCOL.md §3.3 (10)).
struct TrackToggle {
  std::string stream_id;
  std::string track_id;
  bool enabled = true;
  static constexpr auto fields() {
    return std::make_tuple(field("streamId", &TrackToggle::stream_id, kRequired | kStreamId),
                           field("trackId", &TrackToggle::track_id),
                           field("enabled", &TrackToggle::enabled, kRequired | kAlwaysEmit));
  }
};

// ---------------------------------------------------------------------------
// Client -> server (PROTOCOL.md §4)

struct Ping {
  static constexpr std::string_view kCommand = "ping";
  static constexpr auto fields() { return std::tuple<>(); }
};

struct GetIceServerConfig {
  static constexpr std::string_view kCommand = "getIceServerConfig";
  static constexpr auto fields() { return std::tuple<>(); }
};

struct Publish {
  static constexpr std::string_view kCommand = "publish";
  std::string stream_id;
  std::string token;
  std::string subscriber_id;
  std::string subscriber_code;
  std::string stream_name;
  std::string main_track;  // the room, for main-track conferences (§3.6)
  bool video = true;
  bool audio = true;
  std::string meta_data;
  std::string role;
  static constexpr auto fields() {
    return std::make_tuple(
        field("streamId", &Publish::stream_id, kRequired | kStreamId),
        field("token", &Publish::token, kAlwaysEmit),
        field("subscriberId", &Publish::subscriber_id, kAlwaysEmit),
        field("subscriberCode", &Publish::subscriber_code, kAlwaysEmit),
        field("streamName", &Publish::stream_name, kAlwaysEmit),
        field("mainTrack", "room", &Publish::main_track, kAlwaysEmit | kStreamId),
        field("video", &Publish::video, kAlwaysEmit), field("audio", &Publish::audio, kAlwaysEmit),
        field("metaData", "metadata", &Publish::meta_data, kAlwaysEmit),
        field("role", &Publish::role, kAlwaysEmit));
  }
};

struct Play {
  static constexpr std::string_view kCommand = "play";
  std::string stream_id;
  std::string token;
  std::string room;
  // Sub-tracks to enable when playing a main track; "!id" excludes one.
  std::vector<std::string> track_list;
  std::string subscriber_id;
  std::string subscriber_code;
  std::string viewer_info;
  std::string role;
  std::string user_publish_id;  // own stream, not to be played back (§3.6)
  std::string subscriber_name;
  std::optional<bool> disable_tracks_by_default;
  static constexpr auto fields() {
    return std::make_tuple(field("streamId", &Play::stream_id, kRequired | kStreamId),
                           field("token", &Play::token, kAlwaysEmit),
                           field("room", &Play::room, kAlwaysEmit | kStreamId),
                           field("trackList", &Play::track_list, kAlwaysEmit),
                           field("subscriberId", &Play::subscriber_id, kAlwaysEmit),
                           field("subscriberCode", &Play::subscriber_code, kAlwaysEmit),
                           field("viewerInfo", &Play::viewer_info, kAlwaysEmit),
                           field("role", &Play::role, kAlwaysEmit),
                           field("userPublishId", &Play::user_publish_id, kAlwaysEmit),
                           field("subscriberName", &Play::subscriber_name),
                           field("disableTracksByDefault", &Play::disable_tracks_by_default));
  }
};

// Both directions: the client's offer (publish, P2P) or answer (play), the
// server's answer (publish) or offer (play, with idMapping).
struct TakeConfiguration {
  static constexpr std::string_view kCommand = "takeConfiguration";
  std::string stream_id;
  SdpType type = SdpType::kOffer;
  std::string sdp;
  std::optional<IdMapping> id_mapping;
  std::string link_session;
  std::string subscriber_id;
  static constexpr auto fields() {
    return std::make_tuple(field("streamId", &TakeConfiguration::stream_id, kRequired | kStreamId),
                           field("type", &TakeConfiguration::type, kRequired),
                           field("sdp", &TakeConfiguration::sdp, kRequired),
                           field("idMapping", &TakeConfiguration::id_mapping),
                           field("linkSession", &TakeConfiguration::link_session),
                           field("subscriberId", &TakeConfiguration::subscriber_id));
  }
};

// Both directions. `label` is the m-line index, `id` the m-line's a=mid.
// An empty `candidate` is the browser's end-of-candidates; receivers ignore it.
struct TakeCandidate {
  static constexpr std::string_view kCommand = "takeCandidate";
  std::string stream_id;
  int64_t label = 0;
  std::string id;
  std::string candidate;
  std::string link_session;
  std::string subscriber_id;
  static constexpr auto fields() {
    return std::make_tuple(field("streamId", &TakeCandidate::stream_id, kRequired | kStreamId),
                           int_field("label", &TakeCandidate::label, kMlineIndexRange,
                                     kRequired | kAlwaysEmit | kNumericString),
                           field("id", &TakeCandidate::id),
                           field("candidate", &TakeCandidate::candidate, kAlwaysEmit),
                           field("linkSession", &TakeCandidate::link_session),
                           field("subscriberId", &TakeCandidate::subscriber_id));
  }
};

// Both directions: the client ends a publish/play; the server ends a P2P
// session whose partner left.
struct Stop : StreamIdOnly {
  static constexpr std::string_view kCommand = "stop";
};

struct Join {
  static constexpr std::string_view kCommand = "join";
  std::string stream_id;
  bool multi_peer = false;
  std::string mode;  // "both" or "play"
  std::string token;
  static constexpr auto fields() {
    return std::make_tuple(field("streamId", &Join::stream_id, kRequired | kStreamId),
                           field("multiPeer", &Join::multi_peer, kAlwaysEmit),
                           field("mode", &Join::mode), field("token", &Join::token));
  }
};

struct Leave : StreamIdOnly {
  static constexpr std::string_view kCommand = "leave";
};

// Both directions: relayed unchanged to the other peer(s) (§12.4).
struct PeerMessageCommand {
  static constexpr std::string_view kCommand = "peerMessageCommand";
  std::string stream_id;
  std::string definition;
  RawJson data;
  static constexpr auto fields() {
    return std::make_tuple(field("streamId", &PeerMessageCommand::stream_id, kRequired | kStreamId),
                           field("definition", &PeerMessageCommand::definition),
                           field("data", &PeerMessageCommand::data));
  }
};

struct JoinRoom {
  static constexpr std::string_view kCommand = "joinRoom";
  std::string room;
  std::string stream_id;
  std::string mode;  // legacy | mcu | amcu | multitrack
  std::string stream_name;
  std::string role;
  std::string metadata;
  std::string token;
  static constexpr auto fields() {
    return std::make_tuple(
        field("room", "mainTrack", &JoinRoom::room, kRequired | kStreamId | kEmitAlias),
        field("streamId", &JoinRoom::stream_id, kStreamId), field("mode", &JoinRoom::mode),
        field("streamName", &JoinRoom::stream_name), field("role", &JoinRoom::role),
        field("metadata", "metaData", &JoinRoom::metadata), field("token", &JoinRoom::token));
  }
};

struct LeaveFromRoom {
  static constexpr std::string_view kCommand = "leaveFromRoom";
  std::string room;
  std::string stream_id;
  static constexpr auto fields() {
    return std::make_tuple(
        field("room", "mainTrack", &LeaveFromRoom::room, kRequired | kStreamId | kEmitAlias),
        field("streamId", &LeaveFromRoom::stream_id, kStreamId));
  }
};

struct GetRoomInfo {
  static constexpr std::string_view kCommand = "getRoomInfo";
  std::string room;
  std::string stream_id;
  static constexpr auto fields() {
    return std::make_tuple(field("streamId", &GetRoomInfo::stream_id, kStreamId),
                           field("room", "mainTrack", &GetRoomInfo::room, kRequired | kStreamId));
  }
};

struct GetStreamInfo : StreamIdOnly {
  static constexpr std::string_view kCommand = "getStreamInfo";
};

struct GetTrackList {
  static constexpr std::string_view kCommand = "getTrackList";
  std::string stream_id;
  std::string token;
  static constexpr auto fields() {
    return std::make_tuple(field("streamId", &GetTrackList::stream_id, kRequired | kStreamId),
                           field("token", &GetTrackList::token));
  }
};

struct EnableTrack {
  static constexpr std::string_view kCommand = "enableTrack";
  std::string stream_id;  // the main track
  std::string track_id;
  bool enabled = true;
  static constexpr auto fields() {
    return std::make_tuple(field("streamId", &EnableTrack::stream_id, kRequired | kStreamId),
                           field("trackId", &EnableTrack::track_id, kRequired),
                           field("enabled", &EnableTrack::enabled, kRequired | kAlwaysEmit));
  }
};

struct ToggleVideo : TrackToggle {
  static constexpr std::string_view kCommand = "toggleVideo";
};

struct ToggleAudio : TrackToggle {
  static constexpr std::string_view kCommand = "toggleAudio";
};

struct ForceStreamQuality {
  static constexpr std::string_view kCommand = "forceStreamQuality";
  std::string stream_id;
  int64_t stream_height = 0;  // 0 = automatic
  std::string track_id;       // Android only
  static constexpr auto fields() {
    return std::make_tuple(field("streamId", &ForceStreamQuality::stream_id, kRequired | kStreamId),
                           int_field("streamHeight", &ForceStreamQuality::stream_height,
                                     kPixelRange, kRequired | kAlwaysEmit),
                           field("trackId", &ForceStreamQuality::track_id));
  }
};

struct UpdateStreamMetaData {
  static constexpr std::string_view kCommand = "updateStreamMetaData";
  std::string stream_id;
  std::string meta_data;
  static constexpr auto fields() {
    return std::make_tuple(
        field("streamId", &UpdateStreamMetaData::stream_id, kRequired | kStreamId),
        field("metaData", "metadata", &UpdateStreamMetaData::meta_data, kAlwaysEmit));
  }
};

struct GetBroadcastObject : StreamIdOnly {
  static constexpr std::string_view kCommand = "getBroadcastObject";
};

struct GetSubtracks {
  static constexpr std::string_view kCommand = "getSubtracks";
  std::string stream_id;
  std::string role;
  std::optional<int64_t> offset;
  std::optional<int64_t> size;
  static constexpr auto fields() {
    return std::make_tuple(field("streamId", &GetSubtracks::stream_id, kRequired | kStreamId),
                           field("role", &GetSubtracks::role),
                           int_field("offset", &GetSubtracks::offset, kCountRange),
                           int_field("size", &GetSubtracks::size, kCountRange));
  }
};

struct GetSubtracksCount {
  static constexpr std::string_view kCommand = "getSubtracksCount";
  std::string stream_id;
  std::string role;
  std::string status;
  static constexpr auto fields() {
    return std::make_tuple(field("streamId", &GetSubtracksCount::stream_id, kRequired | kStreamId),
                           field("role", &GetSubtracksCount::role),
                           field("status", &GetSubtracksCount::status));
  }
};

struct GetSubscriberCount : StreamIdOnly {
  static constexpr std::string_view kCommand = "getSubscriberCount";
};

struct GetSubscribers : PagedRequest {
  static constexpr std::string_view kCommand = "getSubscribers";
};

struct GetVideoTrackAssignments : StreamIdOnly {
  static constexpr std::string_view kCommand = "getVideoTrackAssignmentsCommand";
};

struct AssignVideoTrack {
  static constexpr std::string_view kCommand = "assignVideoTrackCommand";
  std::string stream_id;  // the participant to pin
  std::string video_track_id;
  bool enabled = true;
  static constexpr auto fields() {
    return std::make_tuple(field("streamId", &AssignVideoTrack::stream_id, kRequired | kStreamId),
                           field("videoTrackId", &AssignVideoTrack::video_track_id),
                           field("enabled", &AssignVideoTrack::enabled, kAlwaysEmit));
  }
};

struct UpdateVideoTrackAssignments : PagedRequest {
  static constexpr std::string_view kCommand = "updateVideoTrackAssignmentsCommand";
};

struct SetMaxVideoTrackCount {
  static constexpr std::string_view kCommand = "setMaxVideoTrackCountCommand";
  std::string stream_id;
  int64_t max_track_count = 0;
  static constexpr auto fields() {
    return std::make_tuple(
        field("streamId", &SetMaxVideoTrackCount::stream_id, kRequired | kStreamId),
        int_field("maxTrackCount", &SetMaxVideoTrackCount::max_track_count, kCountRange,
                  kRequired | kAlwaysEmit));
  }
};

struct GetDebugInfo : StreamIdOnly {
  static constexpr std::string_view kCommand = "getDebugInfo";
};

struct RegisterPushNotificationToken {
  static constexpr std::string_view kCommand = "registerPushNotificationToken";
  std::string subscriber_id;
  std::string token;
  std::string pns_registration_token;
  std::string pns_type;  // "fcm" | "apn"
  static constexpr auto fields() {
    return std::make_tuple(
        field("subscriberId", &RegisterPushNotificationToken::subscriber_id),
        field("token", &RegisterPushNotificationToken::token),
        field("pnsRegistrationToken", &RegisterPushNotificationToken::pns_registration_token),
        field("pnsType", &RegisterPushNotificationToken::pns_type));
  }
};

struct SendPushNotification {
  static constexpr std::string_view kCommand = "sendPushNotification";
  std::string subscriber_id;
  std::string token;
  RawJson push_notification_content;
  std::vector<std::string> subscriber_ids_to_notify;
  std::string topic;
  static constexpr auto fields() {
    return std::make_tuple(
        field("subscriberId", &SendPushNotification::subscriber_id),
        field("token", &SendPushNotification::token),
        field("pushNotificationContent", &SendPushNotification::push_notification_content),
        field("subscriberIdsToNotify", &SendPushNotification::subscriber_ids_to_notify),
        field("topic", "pushNotificationTopic", &SendPushNotification::topic));
  }
};

// ---------------------------------------------------------------------------
// Server -> client (PROTOCOL.md §5-§7)

struct Start {
  static constexpr std::string_view kCommand = "start";
  std::string stream_id;
  std::string subscriber_id;
  static constexpr auto fields() {
    return std::make_tuple(field("streamId", &Start::stream_id, kRequired | kStreamId),
                           field("subscriberId", &Start::subscriber_id));
  }
};

struct Pong {
  static constexpr std::string_view kCommand = "pong";
  static constexpr auto fields() { return std::tuple<>(); }
};

// `notification` with a `definition` (§6). Which members a definition
// carries is listed in docs/protocol.md; all are optional here.
struct Notification {
  static constexpr std::string_view kCommand = "notification";
  std::string definition;
  std::string stream_id;
  std::string subscriber_id;
  std::string room;  // also written as ATTR_ROOM_NAME
  std::optional<RoomMembers> members;
  std::optional<int64_t> max_track_count;
  std::string track_id;
  std::optional<int64_t> stream_height;
  std::optional<int64_t> count;
  std::optional<int64_t> target_bitrate;
  std::optional<int64_t> video_bitrate;
  std::optional<int64_t> audio_bitrate;
  std::string broadcast;  // JSON text of a Broadcast object
  std::optional<std::vector<std::string>> subtrack_list;
  std::optional<std::vector<std::string>> subscriber_list;
  std::string debug_info;
  std::optional<bool> success;
  std::string information;

  NotificationKind kind() const { return notification_kind(definition); }

  static constexpr auto fields() {
    return std::make_tuple(field("definition", &Notification::definition, kRequired),
                           field("streamId", &Notification::stream_id),
                           field("subscriberId", &Notification::subscriber_id),
                           field("room", "ATTR_ROOM_NAME", &Notification::room, kEmitAlias),
                           field("streamList", "streams", &Notification::members, kEmitAlias),
                           int_field("maxTrackCount", &Notification::max_track_count, kCountRange),
                           field("trackId", &Notification::track_id),
                           int_field("streamHeight", &Notification::stream_height, kPixelRange),
                           int_field("count", &Notification::count, kCountRange),
                           int_field("targetBitrate", &Notification::target_bitrate, kBitrateRange),
                           int_field("videoBitrate", &Notification::video_bitrate, kBitrateRange),
                           int_field("audioBitrate", &Notification::audio_bitrate, kBitrateRange),
                           field("broadcast", &Notification::broadcast),
                           field("subtrackList", &Notification::subtrack_list),
                           field("subscriberList", &Notification::subscriber_list),
                           field("debugInfo", &Notification::debug_info),
                           field("success", &Notification::success),
                           field("information", &Notification::information));
  }
};

// `error` with a `definition` (§7, §12.10). `command_name` and `parameter`
// say which request failed and why (unsupported_command, missingParameter,
// invalidParameter); the name is not `command` because that key is the
// envelope's own (docs/protocol.md explains).
struct Error {
  static constexpr std::string_view kCommand = "error";
  std::string definition;
  std::string stream_id;
  std::string subscriber_id;
  std::string room;
  std::string command_name;
  std::string parameter;
  std::string error_code;   // "404" with no_stream_exist
  std::string information;  // human-readable detail

  ErrorKind kind() const { return error_kind(definition); }

  static constexpr auto fields() {
    return std::make_tuple(
        field("definition", &Error::definition, kRequired), field("streamId", &Error::stream_id),
        field("subscriberId", &Error::subscriber_id), field("room", &Error::room),
        field("commandName", &Error::command_name), field("parameter", &Error::parameter),
        field("error_code", &Error::error_code), field("information", &Error::information));
  }
};

struct StreamInformation {
  static constexpr std::string_view kCommand = "streamInformation";
  std::string stream_id;
  std::vector<StreamInfo> stream_info;
  static constexpr auto fields() {
    return std::make_tuple(field("streamId", &StreamInformation::stream_id, kRequired | kStreamId),
                           field("streamInfo", &StreamInformation::stream_info, kAlwaysEmit));
  }
};

struct RoomInformation {
  static constexpr std::string_view kCommand = "roomInformation";
  std::string room;  // also written as ATTR_ROOM_NAME
  std::string stream_id;
  RoomMembers members;
  static constexpr auto fields() {
    return std::make_tuple(
        field("room", "ATTR_ROOM_NAME", &RoomInformation::room, kEmitAlias),
        field("streamId", &RoomInformation::stream_id),
        field("streamList", "streams", &RoomInformation::members, kAlwaysEmit | kEmitAlias));
  }
};

struct TrackList {
  static constexpr std::string_view kCommand = "trackList";
  std::string stream_id;
  std::vector<std::string> track_list;
  static constexpr auto fields() {
    return std::make_tuple(field("streamId", &TrackList::stream_id, kRequired | kStreamId),
                           field("trackList", &TrackList::track_list, kAlwaysEmit));
  }
};

struct ConnectWithNewId : StreamIdOnly {
  static constexpr std::string_view kCommand = "connectWithNewId";
};

struct IceServerConfig {
  static constexpr std::string_view kCommand = "iceServerConfig";
  std::string stun_server_uri;  // "stun:…" or "turn:…"; "" when none
  std::string turn_server_username;
  std::string turn_server_credential;
  static constexpr auto fields() {
    return std::make_tuple(field("stunServerUri", &IceServerConfig::stun_server_uri, kAlwaysEmit),
                           field("turnServerUsername", &IceServerConfig::turn_server_username),
                           field("turnServerCredential", &IceServerConfig::turn_server_credential));
  }
};

// Defined by the server constants; no client handles it (§5). Modelled so a
// server that sends it is not reported as speaking an unknown command.
struct StartNewP2PConnection {
  static constexpr std::string_view kCommand = "startNewP2PConnection";
  std::string stream_id;
  static constexpr auto fields() {
    return std::make_tuple(field("streamId", &StartNewP2PConnection::stream_id, kStreamId));
  }
};

// ---------------------------------------------------------------------------

// Every message the library knows, in both directions.
using Message = std::variant<
    // client -> server
    Ping, GetIceServerConfig, Publish, Play, TakeConfiguration, TakeCandidate, Stop, Join, Leave,
    PeerMessageCommand, JoinRoom, LeaveFromRoom, GetRoomInfo, GetStreamInfo, GetTrackList,
    EnableTrack, ToggleVideo, ToggleAudio, ForceStreamQuality, UpdateStreamMetaData,
    GetBroadcastObject, GetSubtracks, GetSubtracksCount, GetSubscriberCount, GetSubscribers,
    GetVideoTrackAssignments, AssignVideoTrack, UpdateVideoTrackAssignments, SetMaxVideoTrackCount,
    GetDebugInfo, RegisterPushNotificationToken, SendPushNotification,
    // server -> client
    Start, Pong, Notification, Error, StreamInformation, RoomInformation, TrackList,
    ConnectWithNewId, IceServerConfig, StartNewP2PConnection>;

// The wire `command` of a message.
std::string_view command_name(const Message &message);

// The `streamId` of a message, or "" for messages without one.
std::string_view stream_id_of(const Message &message);

// Field-by-field equality for every message and nested struct above.
template <typename T, typename = decltype(T::fields())>
bool operator==(const T &a, const T &b) {
  return std::apply([&](const auto &...f) { return ((a.*(f.member) == b.*(f.member)) && ...); },
                    T::fields());
}

template <typename T, typename = decltype(T::fields())>
bool operator!=(const T &a, const T &b) {
  return !(a == b);
}

inline bool operator==(const RoomMembers &a, const RoomMembers &b) {
  return a.entries == b.entries;
}

}  // namespace amsrtc::protocol
