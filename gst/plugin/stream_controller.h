// The logic of amsrtcsink (publish, PROTOCOL.md §3.2) and amsrtcsrc (play,
// §3.3), apart from their GObject shells: one stream id, one webrtcbin at a
// time (a "session"), the signaling around it, and recovery.
//
//   publish: local track tee -> queue -> webrtcbin      (tees made by the element)
//   play:    webrtcbin src -> receive chain -> ghost src pad "video_<id>"/"audio_<id>"
//
// Conference: publish with `room` is a member (main-track style: publish with
// mainTrack=<room>; legacy: joinRoom, then publish). Play with `room` plays
// the room once and names each pad after the member the server's idMapping
// gives its m-line; re-offers add and end members' pads.
//
// Recovery: when the signaling socket comes back after a drop the server has
// forgotten us, so the session is rebuilt and published / played again. When
// ICE fails, first an ICE restart on the live session: a publisher sends a
// new offer with new credentials; a player waits for the server's (the
// server offers). If that does not connect within IceRestartWindow::kTimeout, the
// session is rebuilt over the live socket. A player keeps its output
// pads across sessions, so downstream sees the media resume on the same pads.
//
// Threads: protocol events arrive on the signaling client's thread, media
// events on GStreamer threads; restarts, retries and stats polls on a
// worker thread of the controller's own. `mutex_`
// guards the session and outputs and is never held while calling into
// webrtcbin or the client.
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "element_common.h"
#include "gst/session/peer_session.h"
#include "ice_restart_window.h"
#include "input_tracks.h"
#include "job_worker.h"
#include "signaling/client/signaling_client.h"
#include "stream_stats.h"

namespace amsrtc::plugin {

enum class StreamMode { kPublish, kPlay };
enum class RoomStyle { kMainTrack, kLegacy };

struct StreamSettings {
  std::string server;  // ws:// or wss:// URI
  std::string
      stream_id;     // publish: the stream; play: the stream, or with a room our own (excluded)
  std::string room;  // conference room ("" for a plain stream)
  RoomStyle room_style = RoomStyle::kMainTrack;  // publish only
  std::string token;
  std::string ca_file;
  unsigned latency_ms = 50;  // play: receive jitterbuffer
  bool decode = true;        // play: decoded output (else depayloaded)
  bool reconnect = true;
  unsigned max_reconnect_attempts = 10;    // 0: no limit
  unsigned stats_interval_ms = 1000;       // 0: no periodic stats
  unsigned max_video_bitrate_kbps = 1500;  // publish: the adaptation's ceiling
  session::IceSettings ice;
};

struct StreamEvents {
  ElementError error;  // fatal: post an element error
  std::function<void(const std::string &text, const std::string &debug)> warning;
  // An element message `name` ("amsrtc/publish-started", ...); takes `fields`.
  std::function<void(GstStructure *fields)> message;
  // publish: the encoders' bitrate should become `kbps` (receiver feedback).
  std::function<void(unsigned kbps)> set_video_bitrate;
};

class StreamController {
 public:
  StreamController(GstBin *bin, StreamMode mode, StreamSettings settings, StreamEvents events);
  ~StreamController();  // stop()s

  void add_track(const LocalTrack &track);  // publish: before start()
  // Connects and publishes / plays; false (after an error) when the settings
  // cannot work.
  bool start();
  // Stops the stream on the server, closes the socket, removes every element
  // and pad the controller added.
  void stop();

  // Play: EOS into every output (the application ends the recording, e.g.
  // gst-launch-1.0 -e on Ctrl-C); the pads stay. False when there is none.
  bool send_eos();

  // The last stats (a copy; nullptr before the first).
  GstStructure *last_stats();

  // Publish: restarts ICE on the live session (after a network change),
  // as happens by itself when ICE fails; posts amsrtc/ice-restart when it
  // begins. Nothing happens without a connected session, or when playing
  // (only the server could).
  void restart_ice();

 private:
  struct Session;
  struct Output;

  bool publishing() const { return mode_ == StreamMode::kPublish; }
  // The stream id on the wire: play of a room plays the room.
  std::string wire_stream_id() const;
  void on_connected(bool reconnected);
  void on_message(const protocol::Message &message);
  void on_notification(const protocol::Notification &notification);
  void on_server_error(const protocol::Error &error);
  void send(protocol::Message message);
  void post_job(std::function<void()> job, std::chrono::milliseconds delay = {});
  void cancel_jobs();  // the delayed retries
  void post(const char *name, const std::string &stream_id = "");

  void request_stream();  // publish / play (or joinRoom first, legacy)
  std::shared_ptr<Session> ensure_session();
  void end_session();
  // ICE failed or a reconnect: a new session, bounded by max-reconnect-attempts.
  void restart(const std::string &why);
  // Publish: an ICE restart on the live session; a new session if it has
  // not connected within IceRestartWindow::kTimeout. False when none could start.
  bool begin_ice_restart(const std::shared_ptr<Session> &session, const std::string &why);
  // Play: after our connection failed, the server's restart is awaited.
  bool await_server_ice_restart(const std::shared_ptr<Session> &session, const std::string &why);
  // Posts amsrtc/ice-restart and arms the deadline of this restart.
  void ice_restart_under_way(const std::shared_ptr<Session> &session, const std::string &why);
  void add_to_bin(GstElement *element);
  void link_track(Session &session, const LocalTrack &track);
  void maybe_offer(const std::shared_ptr<Session> &session);

  static void on_pad_added(GstElement *webrtc, GstPad *pad, gpointer self);
  void expose_pad(GstPad *webrtc_pad);
  void track_exposed();  // play: posts no-more-pads after the first offer's last track
  void end_outputs_not_in(const std::vector<std::string> &active_mids);
  void end_output(Output &output);
  void schedule_stats();
  void collect_stats();
  void report_stats(Session &session, SendStats stats);

  GstBin *bin_;  // not owned: the element owns us
  const StreamMode mode_;
  StreamSettings settings_;
  StreamEvents events_;
  std::mutex client_mutex_;  // guards client_: send() runs on any thread, stop() resets it
  std::unique_ptr<client::SignalingClient> client_;

  std::mutex mutex_;
  std::vector<LocalTrack> tracks_;
  std::shared_ptr<Session> session_;
  std::vector<std::unique_ptr<Output>> outputs_;  // play: kept across sessions
  protocol::IdMapping id_mapping_;                // play: mid -> track id, from the offers
  unsigned expected_pads_ = 0;   // play: sending m-lines of the first offer (no-more-pads)
  unsigned exposed_tracks_ = 0;  // play: tracks whose pad was added (or that were dropped)
  bool no_more_pads_ = false;
  unsigned attempts_ = 0;            // restarts since the last media flowed
  bool waiting_for_stream_ = false;  // play: no_stream_exist, waiting for streaming_started
  std::atomic<bool> stopping_{false};

  JobWorker worker_;  // restarts and retries, off GStreamer's threads (which post to it)
  std::atomic<bool> stats_scheduled_{false};
  BitrateAdapter bitrate_;
  GstStructure *last_stats_ = nullptr;
};

}  // namespace amsrtc::plugin
