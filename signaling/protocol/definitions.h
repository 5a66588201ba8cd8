// The `definition` values of `notification` and `error` messages
// (PROTOCOL.md §6, §7 and our profile §12).
//
// Messages keep the definition as the text that was on the wire, so values a
// newer server invents survive a decode/encode round trip; these enums are a
// typed view of that text for code that wants to switch on it. A text we do
// not know maps to kUnknown.
#pragma once

#include <string_view>

namespace amsrtc::protocol {

#define AMSRTC_NOTIFICATION_DEFINITIONS(X)         \
  X(kPublishStarted, "publish_started")            \
  X(kPublishFinished, "publish_finished")          \
  X(kPlayStarted, "play_started")                  \
  X(kPlayFinished, "play_finished")                \
  X(kSessionRestored, "session_restored")          \
  X(kJoined, "joined")                             \
  X(kLeaved, "leaved")                             \
  X(kJoinedTheRoom, "joinedTheRoom")               \
  X(kLeavedFromRoom, "leavedFromRoom")             \
  X(kStreamJoined, "streamJoined")                 \
  X(kStreamLeaved, "streamLeaved")                 \
  X(kServerWillStop, "server_will_stop")           \
  X(kBitrateMeasurement, "bitrateMeasurement")     \
  X(kResolutionChangeInfo, "resolutionChangeInfo") \
  X(kBroadcastObject, "broadcastObject")           \
  X(kSubtrackList, "subtrackList")                 \
  X(kSubtrackCount, "subtrackCount")               \
  X(kSubtrackAdded, "subtrackAdded")               \
  X(kSubtrackRemoved, "subtrackRemoved")           \
  X(kSubscriberCount, "subscriberCount")           \
  X(kSubscriberList, "subscriberList")             \
  X(kDebugInfo, "debugInfo")                       \
  X(kStreamingStarted, "streaming_started")        \
  X(kStreamingStartsSoon, "streaming_starts_soon")

#define AMSRTC_ERROR_DEFINITIONS(X)                                                    \
  X(kNoStreamNameSpecified, "noStreamNameSpecified")                                   \
  X(kInvalidStreamName, "invalidStreamName")                                           \
  X(kStreamIdInUse, "streamIdInUse")                                                   \
  X(kNoStreamExist, "no_stream_exist")                                                 \
  X(kNotInitializedYet, "not_initialized_yet")                                         \
  X(kServerErrorCheckLogs, "server_error_check_logs")                                  \
  X(kNotSetRemoteDescription, "notSetRemoteDescription")                               \
  X(kNotSetLocalDescription, "notSetLocalDescription")                                 \
  X(kNoActiveStreamsInRoom, "no_active_streams_in_room")                               \
  X(kNotAllowedUnregisteredStreams, "not_allowed_unregistered_streams")                \
  X(kRoomFull, "main_track_has_max_subtrack_count__not_allowed_to_add_more_subtracks") \
  X(kNoRoomSpecified, "no_room_specified")                                             \
  X(kRoomNotActiveOrExpired, "room_not_active_or_expired")                             \
  X(kStreamNotActiveOrExpired, "stream_not_active_or_expired")                         \
  X(kUnauthorizedAccess, "unauthorized_access")                                        \
  X(kUserBlocked, "user_blocked")                                                      \
  X(kAlreadyPlaying, "already_playing")                                                \
  X(kAlreadyPublishing, "already_publishing")                                          \
  X(kNoCodecEnabledInTheServer, "no_codec_enabled_in_the_server")                      \
  X(kHighResourceUsage, "highResourceUsage")                                           \
  X(kViewerLimitReached, "viewerLimitReached")                                         \
  X(kEncoderNotOpened, "encoderNotOpened")                                             \
  X(kEncoderBlocked, "encoderBlocked")                                                 \
  X(kPublishTimeoutError, "publishTimeoutError")                                       \
  X(kNoPacketReceivedForTimeoutDuration, "noPacketReceivedForTimeoutDuration")         \
  X(kMainTrackDbOperationFailed, "mainTrackDBOperationFailed")                         \
  X(kStreamNotExistOrNotStreaming, "stream_not_exist_or_not_streaming")                \
  X(kWebrtcNotEnabled, "webrtc_not_enabled")                                           \
  X(kNoPeerAssociatedBefore, "no_peer_associated_before")                              \
  X(kDataStoreNotAvailable, "data_store_not_available")                                \
  X(kLicenseSuspended, "license_suspended_please_renew_license")                       \
  X(kAuthenticationTokenNotValid, "authenticationTokenNotValid")                       \
  X(kMissingParameter, "missingParameter")                                             \
  X(kNoEncoderSettings, "no_encoder_settings")                                         \
  /* amsrtc profile (PROTOCOL.md §12.1, §12.10) */                                   \
  X(kUnsupportedCommand, "unsupported_command")                                        \
  X(kInvalidJson, "invalid_json")                                                      \
  X(kInvalidParameter, "invalidParameter")                                             \
  X(kRateLimited, "rate_limited")                                                      \
  X(kTooManySessions, "too_many_sessions")

#define AMSRTC_ENUM_ENTRY(name, text) name,

enum class NotificationKind { AMSRTC_NOTIFICATION_DEFINITIONS(AMSRTC_ENUM_ENTRY) kUnknown };

enum class ErrorKind { AMSRTC_ERROR_DEFINITIONS(AMSRTC_ENUM_ENTRY) kUnknown };

#undef AMSRTC_ENUM_ENTRY

// Text -> kind; kUnknown for text this library does not know.
NotificationKind notification_kind(std::string_view definition);
ErrorKind error_kind(std::string_view definition);

// Kind -> wire text; "" for kUnknown.
std::string_view definition_text(NotificationKind kind);
std::string_view definition_text(ErrorKind kind);

}  // namespace amsrtc::protocol
