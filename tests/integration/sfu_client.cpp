#include "sfu_client.h"

#include <sstream>

#include <gtest/gtest.h>

#include "bin_elements.h"

namespace amsrtc::testing {

namespace proto = amsrtc::protocol;

namespace {

std::string publisher_description(const SfuClientConfig &config) {
  const std::string gop = std::to_string(config.keyframe_interval);
  std::string video =
      config.codec == "H264"
          ? "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=" + gop +
                " threads=1 bitrate=600 "
            "! video/x-h264,profile=constrained-baseline ! h264parse "
            "! rtph264pay config-interval=-1 aggregate-mode=zero-latency pt=96 "
            "! application/x-rtp,media=video,encoding-name=H264,payload=96,clock-rate=90000"
          : "vp8enc deadline=1 cpu-used=8 threads=1 target-bitrate=600000 end-usage=cbr "
            "lag-in-frames=0 keyframe-max-dist=" + gop + " ! rtpvp8pay pt=96 "
            "! application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000";
  std::string description =
      "webrtcbin name=webrtc latency=50 "
      "videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1 "
      "! videoconvert ! " +
      video + " ! webrtc. ";
  if (config.audio) {
    description +=
        "audiotestsrc is-live=true wave=sine ! audioconvert ! audioresample ! opusenc "
        "! rtpopuspay pt=111 ! application/x-rtp,media=audio,encoding-name=OPUS,payload=111,"
        "clock-rate=48000 ! webrtc. ";
  }
  return description;
}

void set_sendonly(GstElement *webrtc) {
  GstIterator *pads = gst_element_iterate_sink_pads(webrtc);
  GValue item = G_VALUE_INIT;
  while (gst_iterator_next(pads, &item) == GST_ITERATOR_OK) {
    GstWebRTCRTPTransceiver *transceiver = nullptr;
    g_object_get(g_value_get_object(&item), "transceiver", &transceiver, nullptr);
    if (transceiver != nullptr) {
      // Video with do-nack: webrtcbin then offers RTX and answers NACKs, as
      // a browser does. (The transceiver's kind is not known before caps.)
      GstCaps *caps = gst_pad_peer_query_caps(GST_PAD(g_value_get_object(&item)), nullptr);
      const char *media = gst_caps_is_empty(caps)
                              ? nullptr
                              : gst_structure_get_string(gst_caps_get_structure(caps, 0), "media");
      const bool video = g_strcmp0(media, "video") == 0;
      gst_caps_unref(caps);
      g_object_set(transceiver, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY,
                   "do-nack", video, nullptr);
      gst_object_unref(transceiver);
    }
    g_value_reset(&item);
  }
  g_value_unset(&item);
  gst_iterator_free(pads);
}

}  // namespace

SfuClient::SfuClient(SfuClientConfig config) : config_(std::move(config)) {
  GError *error = nullptr;
  if (config_.publish) {
    pipeline_ = gst_parse_launch(publisher_description(config_).c_str(), &error);
    if (pipeline_ == nullptr) {
      ADD_FAILURE() << error->message;
      g_clear_error(&error);
      return;
    }
    webrtc_ = gst_bin_get_by_name(GST_BIN(pipeline_), "webrtc");
  } else {
    // (gst_parse_launch of one element would return the element, not a bin.)
    pipeline_ = gst_pipeline_new(nullptr);
    webrtc_ = gst_element_factory_make("webrtcbin", "webrtc");
    g_object_set(webrtc_, "latency", config_.latency_ms, nullptr);
    gst_bin_add(GST_BIN(pipeline_), GST_ELEMENT(gst_object_ref(webrtc_)));
  }
  if (config_.publish) set_sendonly(webrtc_);
  g_signal_connect(webrtc_, "pad-added", G_CALLBACK(on_pad_added), this);
  g_signal_connect(webrtc_, "on-data-channel", G_CALLBACK(on_data_channel), this);

  session::IceSettings ice;
  ice.local_addresses = {"127.0.0.1"};
  session_ = std::make_unique<session::PeerSession>(
      webrtc_, ice,
      session::SessionCallbacks{
          [this](proto::SdpType type, const std::string &sdp) {
            proto::TakeConfiguration message;
            message.stream_id = config_.stream_id;
            message.type = type;
            message.sdp = config_.forced_offer.empty() ? sdp : config_.forced_offer;
            client_->send(message);
          },
          [this](unsigned mline, const std::string &mid, const std::string &candidate) {
            proto::TakeCandidate message;
            message.stream_id = config_.stream_id;
            message.label = mline;
            message.id = mid;
            message.candidate = candidate;
            client_->send(message);
          },
          [this](const std::string &error) { record_problem(error); },
          [this] { record_problem("the connection failed (ICE or DTLS)"); },
          [this](const std::string &states) { record_problem("not connected: " + states); }});

  client::ClientConfig client_config;
  client_config.uri = config_.url;
  client_ = std::make_unique<client::SignalingClient>(
      client_config,
      client::ClientCallbacks{[this](bool) { on_connected(); },
                              [this](const proto::Message &message) { on_message(message); },
                              nullptr, [this](const std::string &error) { record_problem(error); }});
}

SfuClient::~SfuClient() {
  if (client_) client_->stop();
  if (pipeline_ != nullptr) {
    gst_element_set_state(pipeline_, GST_STATE_NULL);
    session_.reset();
    if (channel_ != nullptr) g_object_unref(channel_);
    gst_object_unref(webrtc_);
    gst_object_unref(pipeline_);
  }
}

void SfuClient::start() {
  started_us_ = g_get_monotonic_time();
  ASSERT_NE(gst_element_set_state(pipeline_, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  ASSERT_TRUE(client_->start());
}

void SfuClient::on_connected() {
  if (config_.publish) {
    proto::Publish publish;
    publish.stream_id = config_.stream_id;
    publish.main_track = config_.main_track;
    publish.audio = config_.audio;
    client_->send(publish);
  } else {
    proto::Play play;
    play.stream_id = config_.stream_id;
    play.room = config_.room;
    play.user_publish_id = config_.user_publish_id;
    client_->send(play);
  }
}

namespace {

// The mids of audio/video m-lines that send (sendonly/sendrecv) but name no
// SSRC: a receiving webrtcbin 1.22 cannot map their packets to an m-line.
std::string sending_mlines_without_ssrc(const std::string &sdp) {
  std::string result;
  std::istringstream lines(sdp);
  std::string line, mid;
  bool media = false, sends = false, has_ssrc = false;
  auto close_section = [&] {
    if (media && sends && !has_ssrc) result += mid + " ";
  };
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("m=", 0) == 0) {
      close_section();
      media = line.rfind("m=audio", 0) == 0 || line.rfind("m=video", 0) == 0;
      sends = has_ssrc = false;
      mid.clear();
    } else if (line == "a=sendonly" || line == "a=sendrecv") {
      sends = true;
    } else if (line.rfind("a=ssrc:", 0) == 0) {
      has_ssrc = true;
    } else if (line.rfind("a=mid:", 0) == 0) {
      mid = line.substr(6);
    }
  }
  close_section();
  return result;
}

}  // namespace

// On the signaling client's thread.
void SfuClient::on_message(const proto::Message &message) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    messages_.push_back(message);
  }
  if (std::holds_alternative<proto::Start>(message)) {
    // The publisher's data channel, before its offer (§3.9).
    adopt_channel(session_->create_data_channel(config_.stream_id));
    session_->create_offer();
  } else if (const auto *config = std::get_if<proto::TakeConfiguration>(&message)) {
    if (config->type == proto::SdpType::kOffer) {
      ++offers_;
      const std::string unnamed = sending_mlines_without_ssrc(config->sdp);
      if (!unnamed.empty()) record_problem("offer sends on m-line(s) " + unnamed + "without a=ssrc");
      std::lock_guard<std::mutex> lock(mutex_);
      if (config->id_mapping) {
        for (const auto &[mid, track] : *config->id_mapping) id_mapping_[mid] = track;
      }
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      remote_sdp_ = config->sdp;
    }
    session_->set_remote_description(config->type, config->sdp);
  } else if (const auto *candidate = std::get_if<proto::TakeCandidate>(&message)) {
    session_->add_remote_candidate(static_cast<unsigned>(candidate->label), candidate->candidate);
  }
  g_main_context_wakeup(nullptr);
}

void SfuClient::stop_session() {
  proto::Stop stop;
  stop.stream_id = config_.stream_id;
  client_->send(stop);
}

void SfuClient::disconnect() { client_->stop(); }

int SfuClient::drop_every_nth_sent_packet(unsigned n) {
  drop_period_ = n;
  return for_each_element(webrtc_, "nicesink", [this](GstElement *nicesink) {
    GstPad *pad = gst_element_get_static_pad(nicesink, "sink");
    gst_pad_add_probe(
        pad,
        static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
        on_sent_packets, this, nullptr);
    gst_object_unref(pad);
  });
}

GstPadProbeReturn SfuClient::on_sent_packets(GstPad *, GstPadProbeInfo *info, gpointer self_ptr) {
  auto *self = static_cast<SfuClient *>(self_ptr);
  auto drop = [self](GstBuffer *buffer) {
    const unsigned period = self->drop_period_;
    if (period == 0 || !is_rtp_on_the_wire(buffer) || ++self->sent_rtp_ % period != 0) return false;
    ++self->dropped_;
    return true;
  };
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    return drop(GST_PAD_PROBE_INFO_BUFFER(info)) ? GST_PAD_PROBE_DROP : GST_PAD_PROBE_OK;
  }
  GstBufferList *list = gst_buffer_list_make_writable(GST_PAD_PROBE_INFO_BUFFER_LIST(info));
  GST_PAD_PROBE_INFO_DATA(info) = list;
  for (guint i = gst_buffer_list_length(list); i > 0; --i) {
    if (drop(gst_buffer_list_get(list, i - 1))) gst_buffer_list_remove(list, i - 1, 1);
  }
  return GST_PAD_PROBE_OK;
}

// A remote track: decodebin (whatever the codec), then a counting fakesink.
void SfuClient::on_pad_added(GstElement *, GstPad *pad, gpointer self_ptr) {
  auto *self = static_cast<SfuClient *>(self_ptr);
  if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC) return;
  GstCaps *caps = gst_pad_get_current_caps(pad);
  if (caps == nullptr) caps = gst_pad_query_caps(pad, nullptr);
  const gchar *media = gst_structure_get_string(gst_caps_get_structure(caps, 0), "media");
  if (g_strcmp0(media, "video") == 0)
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, SeqnumGaps::probe, &self->video_, nullptr);
  gst_caps_unref(caps);
  std::string track;
  GstWebRTCRTPTransceiver *transceiver = nullptr;
  g_object_get(pad, "transceiver", &transceiver, nullptr);
  if (transceiver != nullptr) {
    gchar *mid = nullptr;
    g_object_get(transceiver, "mid", &mid, nullptr);
    std::lock_guard<std::mutex> lock(self->mutex_);
    if (mid != nullptr && self->id_mapping_.count(mid) != 0) track = self->id_mapping_[mid];
    self->pads_ += std::string("[pad mid=") + (mid ? mid : "null") + " track=" + track + "] ";
    g_free(mid);
    gst_object_unref(transceiver);
  }
  GstElement *decoder = gst_element_factory_make("decodebin", nullptr);
  auto *context = new std::pair<SfuClient *, std::string>(self, track);
  g_signal_connect_data(decoder, "pad-added", G_CALLBACK(on_decoded_pad), context,
                        [](gpointer data, GClosure *) {
                          delete static_cast<std::pair<SfuClient *, std::string> *>(data);
                        },
                        static_cast<GConnectFlags>(0));
  gst_bin_add(GST_BIN(self->pipeline_), decoder);
  gst_element_sync_state_with_parent(decoder);
  GstPad *sink = gst_element_get_static_pad(decoder, "sink");
  gst_pad_link(pad, sink);
  gst_object_unref(sink);
}

void SfuClient::on_decoded_pad(GstElement *, GstPad *pad, gpointer data) {
  auto *context = static_cast<std::pair<SfuClient *, std::string> *>(data);
  SfuClient *self = context->first;
  GstCaps *caps = gst_pad_query_caps(pad, nullptr);
  const bool video = g_str_has_prefix(gst_structure_get_name(gst_caps_get_structure(caps, 0)),
                                      "video/");
  gst_caps_unref(caps);
  GstElement *sink = gst_element_factory_make("fakesink", nullptr);
  g_object_set(sink, "sync", FALSE, "async", FALSE, nullptr);
  gst_bin_add(GST_BIN(self->pipeline_), sink);
  gst_element_sync_state_with_parent(sink);
  GstPad *sink_pad = gst_element_get_static_pad(sink, "sink");
  gst_pad_link(pad, sink_pad);
  struct Counter {
    SfuClient *self;
    std::string track;
    bool video;
  };
  gst_pad_add_probe(
      sink_pad, GST_PAD_PROBE_TYPE_BUFFER,
      [](GstPad *, GstPadProbeInfo *, gpointer data) -> GstPadProbeReturn {
        auto *counter = static_cast<Counter *>(data);
        SfuClient *self = counter->self;
        if (!counter->video) {
          ++self->audio_buffers_;
          return GST_PAD_PROBE_OK;
        }
        if (self->frames_++ == 0) self->first_frame_us_ = g_get_monotonic_time() - self->started_us_;
        {
          std::lock_guard<std::mutex> lock(self->mutex_);
          ++self->frames_by_track_[counter->track];
        }
        g_main_context_wakeup(nullptr);
        return GST_PAD_PROBE_OK;
      },
      new Counter{self, context->second, video},
      [](gpointer data) { delete static_cast<Counter *>(data); });
  gst_object_unref(sink_pad);
}

void SfuClient::on_data_channel(GstElement *, GstWebRTCDataChannel *channel, gpointer self) {
  static_cast<SfuClient *>(self)->adopt_channel(GST_WEBRTC_DATA_CHANNEL(g_object_ref(channel)));
}

void SfuClient::adopt_channel(GstWebRTCDataChannel *channel) {
  if (channel == nullptr) return;
  g_signal_connect(channel, "on-message-string",
                   G_CALLBACK(+[](GstWebRTCDataChannel *, gchar *text, gpointer self_ptr) {
                     auto *self = static_cast<SfuClient *>(self_ptr);
                     std::lock_guard<std::mutex> lock(self->mutex_);
                     self->text_ += std::string(text) + "\n";
                     g_main_context_wakeup(nullptr);
                   }),
                   this);
  std::lock_guard<std::mutex> lock(mutex_);
  if (channel_ != nullptr) g_object_unref(channel_);
  channel_ = channel;
}

int SfuClient::frames_of(const std::string &track_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = frames_by_track_.find(track_id);
  return it == frames_by_track_.end() ? 0 : it->second;
}

std::vector<proto::Message> SfuClient::messages() {
  std::lock_guard<std::mutex> lock(mutex_);
  return messages_;
}

int SfuClient::count_notification(const std::string &definition) {
  int n = 0;
  for (const auto &m : messages()) {
    if (const auto *notice = std::get_if<proto::Notification>(&m))
      n += notice->definition == definition;
  }
  return n;
}

int SfuClient::count_error(const std::string &definition) {
  int n = 0;
  for (const auto &m : messages()) {
    if (const auto *error = std::get_if<proto::Error>(&m)) n += error->definition == definition;
  }
  return n;
}

std::string SfuClient::error_information(const std::string &definition) {
  for (const auto &m : messages()) {
    if (const auto *error = std::get_if<proto::Error>(&m)) {
      if (error->definition == definition) return error->information;
    }
  }
  return {};
}

std::string SfuClient::received_text() {
  std::lock_guard<std::mutex> lock(mutex_);
  return text_;
}

bool SfuClient::channel_open() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (channel_ == nullptr) return false;
  GstWebRTCDataChannelState state = GST_WEBRTC_DATA_CHANNEL_STATE_CLOSED;
  g_object_get(channel_, "ready-state", &state, nullptr);
  return state == GST_WEBRTC_DATA_CHANNEL_STATE_OPEN;
}

void SfuClient::send_text(const std::string &text) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (channel_ != nullptr) g_signal_emit_by_name(channel_, "send-string", text.c_str());
}

void SfuClient::record_problem(const std::string &problem) {
  std::lock_guard<std::mutex> lock(mutex_);
  problems_ += config_.stream_id + (config_.publish ? " publisher: " : " player: ") + problem + "\n";
  g_main_context_wakeup(nullptr);
}

std::string SfuClient::problems() {
  std::lock_guard<std::mutex> lock(mutex_);
  return problems_;
}

std::string SfuClient::pads() {
  std::lock_guard<std::mutex> lock(mutex_);
  return pads_;
}

std::string SfuClient::last_remote_sdp() {
  std::lock_guard<std::mutex> lock(mutex_);
  return remote_sdp_;
}

}  // namespace amsrtc::testing
