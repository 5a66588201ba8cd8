// A plain webrtcbin client of amsrtc-server's SFU for the tests: the
// protocol through signaling/client, the webrtcbin through gst/session,
// nothing of the amsrtc elements. A publisher sends a live test pattern
// (VP8 or H.264) and Opus; a player decodes whatever it is offered and
// counts frames per track id (idMapping). Both record every server message
// and the data channel text they get.
#pragma once

#include <gst/gst.h>
#include <gst/webrtc/webrtc.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gst/session/peer_session.h"
#include "rtp_loss.h"
#include "signaling/client/signaling_client.h"

namespace amsrtc::testing {

struct SfuClientConfig {
  std::string url;        // ws://.../WebRTCAppEE/websocket
  std::string stream_id;  // published, or played (a room for a main-track play)
  bool publish = false;
  std::string codec = "VP8";  // publisher: VP8 or H264
  bool audio = true;          // publisher: also Opus
  int keyframe_interval = 60;  // publisher: frames between keyframes
  std::string main_track;     // publisher: the conference room
  std::string room;           // player: play.room (a main-track play of that room)
  std::string user_publish_id;
  // Player: how long its jitterbuffer waits for a missing packet.
  unsigned latency_ms = 50;
  // Instead of its real offer, a publisher sends this text (bad input tests).
  std::string forced_offer;
};

class SfuClient {
 public:
  explicit SfuClient(SfuClientConfig config);
  ~SfuClient();
  SfuClient(const SfuClient &) = delete;
  SfuClient &operator=(const SfuClient &) = delete;

  // Starts the pipeline and connects; publish/play is sent once connected.
  void start();
  // Sends stop for our stream and keeps the socket.
  void stop_session();
  // Closes the socket without stop (a vanished client).
  void disconnect();

  // Decoded video frames: all, and per track id of the idMapping.
  int frames() const { return frames_; }
  int frames_of(const std::string &track_id);
  int audio_buffers() const { return audio_buffers_; }
  // Microseconds from start() to the first decoded video frame (0: none yet).
  int64_t first_frame_us() const { return first_frame_us_; }
  // Server messages so far.
  std::vector<protocol::Message> messages();
  int count_notification(const std::string &definition);
  int count_error(const std::string &definition);
  std::string error_information(const std::string &definition);
  int offers_received() const { return offers_; }
  std::string received_text();
  bool channel_open();
  void send_text(const std::string &text);
  // Local problems (negotiation, connection).
  std::string problems();
  std::string last_remote_sdp();
  // The tracks webrtcbin gave us: "[pad mid=... track=...]" each.
  std::string pads();

  // Publisher: from now on, every nth RTP packet its webrtcbin sends is
  // dropped before the socket (loss on the way to the server; RTCP and DTLS
  // pass). Returns how many nicesinks it found (0: not connected yet).
  int drop_every_nth_sent_packet(unsigned n);
  int dropped_packets() const { return dropped_; }
  // Player: video RTP packets out of webrtcbin (after its jitterbuffer), and
  // how many sequence numbers were missing between them.
  int video_packets() const { return video_.packets; }
  int video_seqnum_gaps() const { return video_.missing; }

 private:
  void on_connected();
  void on_message(const protocol::Message &message);
  static void on_pad_added(GstElement *webrtc, GstPad *pad, gpointer self);
  static GstPadProbeReturn on_sent_packets(GstPad *, GstPadProbeInfo *info, gpointer self);
  static void on_decoded_pad(GstElement *decodebin, GstPad *pad, gpointer context);
  static void on_data_channel(GstElement *, GstWebRTCDataChannel *channel, gpointer self);
  void adopt_channel(GstWebRTCDataChannel *channel);
  void record_problem(const std::string &problem);

  SfuClientConfig config_;
  GstElement *pipeline_ = nullptr;
  GstElement *webrtc_ = nullptr;
  std::unique_ptr<session::PeerSession> session_;
  std::unique_ptr<client::SignalingClient> client_;
  int64_t started_us_ = 0;
  std::atomic<int> frames_{0};
  std::atomic<int> audio_buffers_{0};
  std::atomic<int64_t> first_frame_us_{0};
  std::atomic<int> offers_{0};
  std::atomic<unsigned> drop_period_{0};
  std::atomic<unsigned> sent_rtp_{0};
  std::atomic<int> dropped_{0};
  SeqnumGaps video_;

  std::mutex mutex_;  // guards what follows
  std::vector<protocol::Message> messages_;
  std::map<std::string, std::string> id_mapping_;
  std::map<std::string, int> frames_by_track_;
  GstWebRTCDataChannel *channel_ = nullptr;
  std::string text_;
  std::string problems_;
  std::string remote_sdp_;
  std::string pads_;
};

}  // namespace amsrtc::testing
