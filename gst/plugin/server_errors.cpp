#include "server_errors.h"

namespace amsrtc::plugin {

namespace proto = amsrtc::protocol;

ServerErrorReport describe_server_error(const proto::Error &error, const std::string &stream_id,
                                        const std::string &room) {
  ServerErrorReport report;
  report.definition = error.definition;
  const std::string information = error.information.empty() ? "" : ": " + error.information;
  switch (error.kind()) {
    case proto::ErrorKind::kNoPeerAssociatedBefore:
      // Candidates still trickling when the partner left.
      report.fatal = false;
      report.text = "The server had no partner for a late message.";
      report.debug = "no_peer_associated_before for " + error.stream_id;
      break;
    case proto::ErrorKind::kStreamIdInUse:
      report.text = room.empty() ? "The stream id is already in use (a call has two peers, or "
                                   "someone publishes it)."
                                 : "Another member of the room has this stream id.";
      report.debug = "stream id " + stream_id + " is in use; choose another stream-id";
      break;
    case proto::ErrorKind::kRoomFull:
      report.text = "The room is full.";
      report.debug = "room " + room + information;
      break;
    case proto::ErrorKind::kUnauthorizedAccess:
    case proto::ErrorKind::kAuthenticationTokenNotValid:
      report.text = "The server refused the token.";
      report.debug =
          error.definition + " for " + stream_id + information + " (set a valid token property)";
      break;
    case proto::ErrorKind::kNoStreamExist:
    case proto::ErrorKind::kStreamNotExistOrNotStreaming:
      report.text = "The stream to play does not exist or is not streaming.";
      report.debug = "stream " + stream_id + information + " (start publishing it first)";
      break;
    case proto::ErrorKind::kAlreadyPublishing:
      report.text = "The stream is already being published.";
      report.debug = "stream " + stream_id + " has a publisher; choose another stream-id";
      break;
    case proto::ErrorKind::kWebrtcNotEnabled:
      report.text = "The server does not carry WebRTC media.";
      report.debug = "webrtc_not_enabled for " + stream_id +
                     " (the server is signaling-only: use P2P calls or mesh rooms, or a server "
                     "with an SFU)";
      break;
    case proto::ErrorKind::kInvalidStreamName:
    case proto::ErrorKind::kNoStreamNameSpecified:
      report.text = "The server refused the stream id.";
      report.debug =
          error.definition + " for '" + stream_id + "': use 1-128 characters of [A-Za-z0-9_.-]";
      break;
    default:
      report.text = "The signaling server reported an error.";
      report.debug = error.definition + information;
      break;
  }
  return report;
}

}  // namespace amsrtc::plugin
