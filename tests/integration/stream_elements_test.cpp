// amsrtcsink and amsrtcsrc in real pipelines against the real amsrtc-server
// (its SFU) on loopback: publish -> play with decoded frames for raw H.264,
// raw VP8 and H.264 passed through from an RTSP server; a conference of
// three gst pipelines with a late joiner and a leave; the server killed and
// restarted under a publisher and a player, or gone for good (bounded
// retries); bitrate adaptation to real packet loss; ICE restart (on demand,
// after a real ICE failure, and the full re-publish when it cannot connect);
// the legacy room style; playbin with an amsrtc:// URI; what a user sees
// when something is wrong.
#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>
#include <gst/webrtc/webrtc.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "bin_elements.h"
#include "gst_log_tail.h"
#include "rtp_loss.h"
#include "server_process.h"
#include "stream_pipeline.h"
#include "wait.h"
#include "webrtc_probes.h"
#include "ws_client.h"

namespace amsrtc::testing {
namespace {

const std::string kVideo =
    "videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1 ";
const std::string kAudio =
    "audiotestsrc is-live=true wave=ticks ! audio/x-raw,rate=48000,channels=2 ";

std::string state(StreamPipeline &p) {
  return "pads: " + p.pads() + "\nerrors: " + p.errors() + "warnings: " + p.warnings();
}

// Counts the buffers a sink receives with decoded caps of one media type.
struct RawBufferCounter {
  explicit RawBufferCounter(const char *media_type) : media_type(media_type) {}
  void watch(GstElement *sink) {
    GstPad *pad = gst_element_get_static_pad(sink, "sink");
    gst_pad_add_probe(
        pad, GST_PAD_PROBE_TYPE_BUFFER,
        [](GstPad *pad, GstPadProbeInfo *, gpointer data) {
          auto *self = static_cast<RawBufferCounter *>(data);
          GstCaps *caps = gst_pad_get_current_caps(pad);
          if (caps != nullptr &&
              gst_structure_has_name(gst_caps_get_structure(caps, 0), self->media_type.c_str())) {
            ++self->count;
          }
          if (caps != nullptr) gst_caps_unref(caps);
          return GST_PAD_PROBE_OK;
        },
        this, nullptr);
    gst_object_unref(pad);
  }
  const std::string media_type;
  std::atomic<int> count{0};
};

// The pad's caps: decoded output is raw.
std::string caps_name(StreamPipeline &p, const std::string &pad_name) {
  GstElement *src = gst_bin_get_by_name(GST_BIN(p.pipeline()), "src");
  if (src == nullptr) return "no src";
  GstPad *pad = gst_element_get_static_pad(src, pad_name.c_str());
  gst_object_unref(src);
  if (pad == nullptr) return "no pad " + pad_name;
  GstCaps *caps = gst_pad_get_current_caps(pad);
  gst_object_unref(pad);
  if (caps == nullptr) return "no caps";
  std::string name = gst_structure_get_name(gst_caps_get_structure(caps, 0));
  gst_caps_unref(caps);
  return name;
}

// Names of the encoders inside the element `name` (recursively).
std::string encoders_in(StreamPipeline &p, const std::string &name) {
  GstElement *bin = gst_bin_get_by_name(GST_BIN(p.pipeline()), name.c_str());
  if (bin == nullptr) return "no " + name;
  std::string found;
  GstIterator *it = gst_bin_iterate_recurse(GST_BIN(bin));
  GValue item = G_VALUE_INIT;
  while (gst_iterator_next(it, &item) == GST_ITERATOR_OK) {
    GstElementFactory *factory = gst_element_get_factory(GST_ELEMENT(g_value_get_object(&item)));
    const gchar *klass = factory != nullptr
                             ? gst_element_factory_get_metadata(factory, GST_ELEMENT_METADATA_KLASS)
                             : nullptr;
    if (klass != nullptr && g_strrstr(klass, "Encoder") != nullptr &&
        g_strrstr(klass, "Video") != nullptr) {
      found += std::string(GST_OBJECT_NAME(factory)) + " ";
    }
    g_value_reset(&item);
  }
  g_value_unset(&item);
  gst_iterator_free(it);
  gst_object_unref(bin);
  return found;
}

// Loses every `period`-th packet the element's ICE transport would send
// while `active` is set: real loss on the wire, seen by the server, which
// reports it back in RTCP receiver reports. A probe on each nicesink.
struct PacketLoss {
  std::atomic<bool> active{false};
  std::atomic<unsigned> counter{0};
  unsigned period = 4;

  bool drop_next() { return active && ++counter % period == 0; }

  // Returns how many nicesinks were found inside `bin`.
  int attach(GstElement *bin) {
    return for_each_element(bin, "nicesink", [this](GstElement *nicesink) {
      GstPad *pad = gst_element_get_static_pad(nicesink, "sink");
      gst_pad_add_probe(
          pad,
          static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
          [](GstPad *, GstPadProbeInfo *info, gpointer self_ptr) {
            auto *self = static_cast<PacketLoss *>(self_ptr);
            if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
              return self->drop_next() ? GST_PAD_PROBE_DROP : GST_PAD_PROBE_OK;
            }
            GstBufferList *list =
                gst_buffer_list_make_writable(GST_PAD_PROBE_INFO_BUFFER_LIST(info));
            GST_PAD_PROBE_INFO_DATA(info) = list;
            for (guint i = gst_buffer_list_length(list); i > 0; --i) {
              if (self->drop_next()) gst_buffer_list_remove(list, i - 1, 1);
            }
            return GST_PAD_PROBE_OK;
          },
          this, nullptr);
      gst_object_unref(pad);
    });
  }
};

// The newest amsrtc/stats message's target-bitrate-kbps (0 when none yet).
unsigned latest_target_kbps(StreamPipeline &p) {
  auto stats = p.messages("amsrtc/stats");
  guint kbps = 0;
  if (!stats.empty()) gst_structure_get_uint(stats.back(), "target-bitrate-kbps", &kbps);
  for (auto *s : stats) gst_structure_free(s);
  return kbps;
}

std::string last_stats(StreamPipeline &p) {
  auto stats = p.messages("amsrtc/stats");
  std::string text;
  if (!stats.empty()) {
    gchar *s = gst_structure_to_string(stats.back());
    text = s;
    g_free(s);
  }
  for (auto *s : stats) gst_structure_free(s);
  return text;
}


// The webrtcbin inside the pipeline's amsrtcsink or amsrtcsrc (a new
// reference; they run one at a time).
GstElement *webrtcbin_in(StreamPipeline &p) { return amsrtc::testing::webrtcbin_in(p.pipeline()); }

class StreamElements : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    gst_init(nullptr, nullptr);
    GstLogTail::install();
  }
  void SetUp() override { ASSERT_FALSE(server.url().empty()); }

  std::string server_property() const { return " server=" + server.websocket_url() + " "; }

  // Test video and audio into amsrtcsink.
  std::unique_ptr<StreamPipeline> publisher(const std::string &stream_id,
                                            const std::string &properties = "") {
    return std::make_unique<StreamPipeline>("amsrtcsink name=sink stream-id=" + stream_id +
                                            server_property() + properties + " " + kVideo +
                                            "! sink.video_0 " + kAudio + "! sink.audio_0");
  }
  std::unique_ptr<StreamPipeline> player(const std::string &stream_id,
                                         const std::string &properties = "") {
    return std::make_unique<StreamPipeline>("amsrtcsrc name=src stream-id=" + stream_id +
                                            server_property() + properties);
  }

  // Both play; the player decodes `frames` video frames and some audio.
  void expect_flow(StreamPipeline &pub, StreamPipeline &play, const std::string &id,
                   int frames = 30) {
    const bool flowing = wait_until(
        [&] {
          return (play.buffers("video_" + id) >= frames && play.buffers("audio_" + id) >= 10) ||
                 !(pub.errors() + play.errors()).empty();
        },
        20000);
    EXPECT_TRUE(flowing) << "publisher " << state(pub) << "\nplayer " << state(play) << "\n"
                         << server.stderr_text();
    EXPECT_EQ(pub.errors() + play.errors(), "");
  }

  ServerProcess server;
};

TEST_F(StreamElements, RawVideoIsEncodedAsH264PublishedAndDecodedByThePlayer) {
  auto pub = publisher("cam1", "stats-interval=500");
  auto play = player("cam1");
  pub->play();
  play->play();
  expect_flow(*pub, *play, "cam1");
  EXPECT_EQ(caps_name(*play, "video_cam1"), "video/x-raw");
  EXPECT_EQ(encoders_in(*pub, "sink"), "x264enc ");
  EXPECT_EQ(pub->count_messages("amsrtc/publish-started"), 1);
  EXPECT_EQ(play->count_messages("amsrtc/play-started"), 1);
  // Stats: the message and the property, with what was sent.
  ASSERT_TRUE(wait_until([&] { return pub->count_messages("amsrtc/stats") >= 2; }, 5000));
  auto stats = pub->messages("amsrtc/stats");
  double kbps = 0;
  EXPECT_TRUE(gst_structure_get_double(stats.back(), "bitrate-kbps", &kbps));
  EXPECT_GT(kbps, 100) << gst_structure_to_string(stats.back());
  for (auto *s : stats) gst_structure_free(s);
  GstElement *sink = gst_bin_get_by_name(GST_BIN(pub->pipeline()), "sink");
  GstStructure *property = nullptr;
  g_object_get(sink, "stats", &property, nullptr);
  guint64 packets = 0;
  ASSERT_NE(property, nullptr);
  EXPECT_TRUE(gst_structure_get_uint64(property, "packets-sent", &packets));
  EXPECT_GT(packets, 0u);
  gst_structure_free(property);
  gst_object_unref(sink);
}

TEST_F(StreamElements, RawVideoAsVp8) {
  auto pub = publisher("vp8cam", "video-codec=vp8");
  auto play = player("vp8cam");
  pub->play();
  play->play();
  expect_flow(*pub, *play, "vp8cam");
  EXPECT_EQ(encoders_in(*pub, "sink"), "vp8enc ");
  EXPECT_EQ(caps_name(*play, "video_vp8cam"), "video/x-raw");
}

// An RTSP camera (gst-rtsp-server in this process, sending H.264): the
// publisher parses and payloads it, never transcodes it.
TEST_F(StreamElements, H264FromAnRtspServerIsPassedThroughNotTranscoded) {
  GstRTSPServer *rtsp = gst_rtsp_server_new();
  gst_rtsp_server_set_address(rtsp, "127.0.0.1");
  gst_rtsp_server_set_service(rtsp, "0");
  GstRTSPMediaFactory *factory = gst_rtsp_media_factory_new();
  gst_rtsp_media_factory_set_launch(
      factory, ("( " + kVideo +
                "! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30 threads=1 "
                "! video/x-h264,profile=constrained-baseline ! rtph264pay name=pay0 pt=96 "
                "config-interval=-1 )")
                   .c_str());
  gst_rtsp_media_factory_set_shared(factory, TRUE);
  GstRTSPMountPoints *mounts = gst_rtsp_server_get_mount_points(rtsp);
  gst_rtsp_mount_points_add_factory(mounts, "/camera", factory);
  g_object_unref(mounts);
  const guint source = gst_rtsp_server_attach(rtsp, nullptr);
  ASSERT_NE(source, 0u);
  const int port = gst_rtsp_server_get_bound_port(rtsp);
  ASSERT_GT(port, 0);

  StreamPipeline pub("amsrtcsink name=sink stream-id=camera" + server_property() +
                     "rtspsrc location=rtsp://127.0.0.1:" + std::to_string(port) +
                     "/camera latency=0 protocols=tcp ! rtph264depay ! sink.video_0");
  auto play = player("camera");
  pub.play();
  play->play();
  const bool flowing = wait_until(
      [&] {
        return play->buffers("video_camera") >= 30 || !(pub.errors() + play->errors()).empty();
      },
      20000);
  EXPECT_TRUE(flowing) << "publisher " << state(pub) << "\nplayer " << state(*play);
  EXPECT_EQ(pub.errors() + play->errors(), "");
  EXPECT_EQ(encoders_in(pub, "sink"), "") << "H.264 input must not be re-encoded";
  EXPECT_EQ(caps_name(*play, "video_camera"), "video/x-raw");
  play->stop();
  pub.stop();
  g_source_remove(source);
  g_object_unref(rtsp);
}

// decode=false: depayloaded, parsed H.264 (for recording without transcoding).
TEST_F(StreamElements, DecodeFalseGivesEncodedH264) {
  auto pub = publisher("enc1");
  auto play = player("enc1", "decode=false");
  pub->play();
  play->play();
  expect_flow(*pub, *play, "enc1", 10);
  EXPECT_EQ(caps_name(*play, "video_enc1"), "video/x-h264");
  EXPECT_EQ(caps_name(*play, "audio_enc1"), "audio/x-opus");
}

// Main-track conference of three gst pipelines (amsrtcsink + amsrtcsrc each):
// two first, a late joiner, then one leaves.
TEST_F(StreamElements, ConferenceOfThreePipelinesWithALateJoinerAndALeave) {
  auto member = [&](const std::string &id) {
    return std::make_unique<StreamPipeline>(
        "amsrtcsink name=sink room=conf stream-id=" + id + server_property() + kVideo +
        "! sink.video_0 " + kAudio + "! sink.audio_0 amsrtcsrc name=src room=conf stream-id=" + id +
        server_property());
  };
  const std::vector<std::string> names = {"ann", "bob", "cid"};
  std::vector<std::unique_ptr<StreamPipeline>> people;
  auto decodes_others = [&](std::size_t count, int frames) {
    for (std::size_t i = 0; i < count; ++i) {
      for (std::size_t j = 0; j < count; ++j) {
        if (i != j && people[i]->buffers("video_" + names[j]) < frames) return false;
      }
    }
    return true;
  };
  auto errors = [&] {
    std::string text;
    for (auto &p : people) text += p->errors();
    return text;
  };
  auto states = [&] {
    std::string text;
    for (std::size_t i = 0; i < people.size(); ++i)
      text += names[i] + ": " + state(*people[i]) + "\n";
    return text;
  };
  for (int i = 0; i < 2; ++i) {
    people.push_back(member(names[i]));
    people.back()->play();
  }
  ASSERT_TRUE(wait_until([&] { return decodes_others(2, 30) || !errors().empty(); }, 20000))
      << states();
  // The late joiner: everyone decodes everyone.
  people.push_back(member(names[2]));
  people.back()->play();
  ASSERT_TRUE(wait_until([&] { return decodes_others(3, 30) || !errors().empty(); }, 20000))
      << states();
  EXPECT_EQ(errors(), "");
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_FALSE(people[i]->has_pad("video_" + names[i])) << "nobody plays itself";
  }
  // cid leaves: the others' cid pads end (EOS) and go; ann and bob go on.
  // The element ends a member's pads one after the other, so wait for all
  // four to go before asking whether each one saw EOS.
  people[2]->stop();
  const std::vector<std::string> cid_pads = {"video_cid", "audio_cid"};
  ASSERT_TRUE(wait_until(
      [&] {
        for (std::size_t i = 0; i < 2; ++i) {
          for (const auto &pad : cid_pads) {
            if (people[i]->has_pad(pad)) return false;
          }
        }
        return true;
      },
      10000))
      << states();
  for (std::size_t i = 0; i < 2; ++i) {
    for (const auto &pad : cid_pads) EXPECT_TRUE(people[i]->saw_eos(pad)) << names[i] << " " << pad;
  }
  const int ann_of_bob = people[0]->buffers("video_bob");
  const int bob_of_ann = people[1]->buffers("video_ann");
  EXPECT_TRUE(wait_until(
      [&] {
        return people[0]->buffers("video_bob") >= ann_of_bob + 30 &&
               people[1]->buffers("video_ann") >= bob_of_ann + 30;
      },
      10000))
      << states();
  EXPECT_EQ(errors(), "");
}

// The server dies under a publisher and a player and comes back on the same
// port: both reconnect by themselves and the player's pads resume.
TEST_F(StreamElements, ServerKilledAndRestartedThePublisherReconnectsAndThePlayerResumes) {
  auto pub = publisher("live");
  auto play = player("live");
  pub->play();
  play->play();
  expect_flow(*pub, *play, "live");
  ASSERT_EQ(pub->errors() + play->errors(), "");
  const int port = server.port();
  server.kill();
  ServerProcess restarted{{"--port", std::to_string(port)}};
  ASSERT_EQ(restarted.port(), port);
  play->reset_counts();
  EXPECT_TRUE(wait_until(
      [&] {
        return play->buffers("video_live") >= 30 || !(pub->errors() + play->errors()).empty();
      },
      10000))
      << "within 10 s of the restart\npublisher " << state(*pub) << "\nplayer " << state(*play)
      << restarted.stderr_text();
  EXPECT_EQ(pub->errors() + play->errors(), "");
  EXPECT_GE(pub->count_messages("amsrtc/publish-started"), 2);
}

// playbin (what gst-play-1.0 uses) plays an amsrtc:// URI, video and audio.
// playbin links only the pads that exist at no-more-pads: posted one pad too
// early (the tracks arrive on two threads), the other track never plays.
TEST_F(StreamElements, PlaybinPlaysAnAmsrtcUriVideoAndAudio) {
  auto pub = publisher("uri1");
  pub->play();
  ASSERT_TRUE(wait_until(
      [&] { return pub->count_messages("amsrtc/publish-started") == 1 || !pub->errors().empty(); },
      15000))
      << state(*pub);
  GstElement *playbin = gst_element_factory_make("playbin", nullptr);
  GstElement *video_sink = gst_element_factory_make("fakesink", nullptr);
  GstElement *audio_sink = gst_element_factory_make("fakesink", nullptr);
  g_object_set(video_sink, "sync", FALSE, nullptr);
  g_object_set(audio_sink, "sync", FALSE, nullptr);
  const std::string uri =
      "amsrtc://127.0.0.1:" + std::to_string(server.port()) + "/WebRTCAppEE/uri1";
  g_object_set(playbin, "uri", uri.c_str(), "video-sink", video_sink, "audio-sink", audio_sink,
               nullptr);
  RawBufferCounter frames{"video/x-raw"};
  RawBufferCounter audio_buffers{"audio/x-raw"};
  frames.watch(video_sink);
  audio_buffers.watch(audio_sink);
  ASSERT_NE(gst_element_set_state(playbin, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  GstBus *bus = gst_element_get_bus(playbin);
  std::string error;
  EXPECT_TRUE(wait_until(
      [&] {
        while (GstMessage *message = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR)) {
          GError *e = nullptr;
          gst_message_parse_error(message, &e, nullptr);
          error += e->message;
          g_clear_error(&e);
          gst_message_unref(message);
        }
        return (frames.count >= 30 && audio_buffers.count >= 10) || !error.empty();
      },
      20000))
      << "video frames " << frames.count.load() << ", audio buffers " << audio_buffers.count.load()
      << "\n"
      << server.stderr_text();
  EXPECT_EQ(error, "");
  gst_object_unref(bus);
  gst_element_set_state(playbin, GST_STATE_NULL);
  gst_object_unref(playbin);
}

// A player started before its publisher warns that it waits, then plays.
TEST_F(StreamElements, PlayerStartedBeforeThePublisherWaitsForIt) {
  auto play = player("later");
  play->play();
  ASSERT_TRUE(
      wait_until([&] { return !play->warnings().empty() || !play->errors().empty(); }, 10000));
  EXPECT_NE(play->warnings().find("waiting for it"), std::string::npos) << play->warnings();
  EXPECT_EQ(play->errors(), "");
  auto pub = publisher("later");
  pub->play();
  expect_flow(*pub, *play, "later");
}

// A second publisher of the same stream id: an error naming the server's
// definition and what to change.
TEST_F(StreamElements, PublishingAStreamIdInUseIsAnErrorWithItsDefinition) {
  auto first = publisher("taken");
  first->play();
  ASSERT_TRUE(
      wait_until([&] { return first->count_messages("amsrtc/publish-started") == 1; }, 15000))
      << state(*first) << server.stderr_text();
  auto second = publisher("taken");
  second->play();
  ASSERT_TRUE(wait_until([&] { return !second->errors().empty(); }, 10000)) << state(*second);
  EXPECT_EQ(second->error_definitions(), "streamIdInUse ");
  EXPECT_NE(second->errors().find("choose another stream-id"), std::string::npos)
      << second->errors();
  EXPECT_EQ(first->errors(), "");
}

// A finite input (a file): when it ends the publisher stops the stream and
// its pipeline gets EOS; the player's pads get EOS.
TEST_F(StreamElements, EndOfInputStopsTheStreamAndEndsThePlayer) {
  StreamPipeline pub("amsrtcsink name=sink stream-id=short" + server_property() +
                     "videotestsrc is-live=true num-buffers=150 ! "
                     "video/x-raw,width=320,height=240,framerate=30/1 ! sink.video_0");
  auto play = player("short");
  pub.play();
  play->play();
  ASSERT_TRUE(wait_until([&] { return pub.pipeline_eos() || !pub.errors().empty(); }, 20000))
      << state(pub);
  EXPECT_GT(play->buffers("video_short"), 0) << state(*play);
  EXPECT_TRUE(wait_until([&] { return play->saw_eos("video_short"); }, 10000)) << state(*play);
  EXPECT_EQ(play->count_messages("amsrtc/play-finished"), 1);
  EXPECT_EQ(pub.errors() + play->errors(), "");
}

// The signaling server goes away for good: with max-reconnect-attempts the
// element retries that many times, then posts an error; with reconnect=false
// the loss is an error at once.
TEST_F(StreamElements, ReconnectGivesUpAfterMaxReconnectAttempts) {
  auto pub = publisher("bounded", "max-reconnect-attempts=2");
  auto play = player("bounded", "reconnect=false");
  pub->play();
  play->play();
  expect_flow(*pub, *play, "bounded");
  ASSERT_EQ(pub->errors() + play->errors(), "");
  server.kill();
  EXPECT_TRUE(wait_until([&] { return !play->errors().empty(); }, 5000)) << state(*play);
  EXPECT_NE(play->errors().find("Lost the signaling server"), std::string::npos) << state(*play);
  EXPECT_NE(play->errors().find("reconnect=true"), std::string::npos) << state(*play);
  // Two retries, 0.5 s then 1 s apart: an error within a few seconds, not never.
  EXPECT_TRUE(wait_until([&] { return !pub->errors().empty(); }, 10000)) << state(*pub);
  EXPECT_NE(pub->errors().find("Could not connect to the signaling server"), std::string::npos)
      << state(*pub);
}

// Bitrate adaptation on real loss: a quarter of the publisher's packets never
// reach the server; the server's NACKs (and receiver reports) say so, and
// the sink lowers its encoder's bitrate below the `video-bitrate` ceiling;
// when the loss ends it climbs back to the ceiling. At this picture's
// ~170 kbit/s a loss measure takes 2-3 s (60 packets), each cutting 8-12 %:
// the deadlines leave room for a loaded machine.
TEST_F(StreamElements, PublisherLowersItsBitrateUnderPacketLossAndRecovers) {
  auto pub = publisher("lossy", "video-bitrate=1200 stats-interval=250");
  pub->play();
  ASSERT_TRUE(wait_until(
      [&] { return pub->count_messages("amsrtc/publish-started") == 1 || !pub->errors().empty(); },
      15000))
      << state(*pub);
  GstElement *sink = gst_bin_get_by_name(GST_BIN(pub->pipeline()), "sink");
  PacketLoss loss;
  ASSERT_GE(loss.attach(sink), 1) << "no nicesink in the publisher";
  auto encoder_kbps = [&] {
    guint kbps = 0;
    for_each_element(sink, "x264enc", [&kbps](GstElement *x264enc) {
      g_object_get(x264enc, "bitrate", &kbps, nullptr);
    });
    return kbps;
  };
  EXPECT_EQ(encoder_kbps(), 1200u);
  loss.active = true;
  EXPECT_TRUE(wait_until(
      [&] { return latest_target_kbps(*pub) > 0 && latest_target_kbps(*pub) <= 1020; }, 30000))
      << "target " << latest_target_kbps(*pub) << " kbit/s with 25% loss\n"
      << state(*pub) << last_stats(*pub);
  EXPECT_LE(encoder_kbps(), 1020u);
  loss.active = false;
  EXPECT_TRUE(wait_until([&] { return latest_target_kbps(*pub) == 1200; }, 30000))
      << "target " << latest_target_kbps(*pub) << " kbit/s after the loss ended\n"
      << state(*pub);
  EXPECT_EQ(encoder_kbps(), 1200u);
  EXPECT_EQ(pub->errors(), "");
  gst_object_unref(sink);
}

// Drops every `period`-th RTP packet a webrtcbin's nicesrc receives, before
// webrtcbin sees it (loss on the way in), and counts the video sequence
// numbers that never came out of its jitterbuffer.
struct ReceiveLoss {
  unsigned period = 5;
  std::atomic<unsigned> received{0};
  std::atomic<int> dropped{0};
  SeqnumGaps video;

  // Returns how many nicesrcs and video pads it found in `webrtc`.
  std::pair<int, int> attach(GstElement *webrtc) {
    std::pair<int, int> found{0, 0};
    found.first = for_each_element(webrtc, "nicesrc", [this](GstElement *nicesrc) {
      GstPad *pad = gst_element_get_static_pad(nicesrc, "src");
      gst_pad_add_probe(
          pad, GST_PAD_PROBE_TYPE_BUFFER,
          [](GstPad *, GstPadProbeInfo *info, gpointer self_ptr) {
            auto *self = static_cast<ReceiveLoss *>(self_ptr);
            if (!is_rtp_on_the_wire(GST_PAD_PROBE_INFO_BUFFER(info)) ||
                ++self->received % self->period != 0)
              return GST_PAD_PROBE_OK;
            ++self->dropped;
            return GST_PAD_PROBE_DROP;
          },
          this, nullptr);
      gst_object_unref(pad);
    });
    GValue item = G_VALUE_INIT;
    GstIterator *it = gst_element_iterate_src_pads(webrtc);
    while (gst_iterator_next(it, &item) == GST_ITERATOR_OK) {
      GstPad *pad = GST_PAD(g_value_get_object(&item));
      GstCaps *caps = gst_pad_get_current_caps(pad);
      const char *media = caps == nullptr
                              ? nullptr
                              : gst_structure_get_string(gst_caps_get_structure(caps, 0), "media");
      if (g_strcmp0(media, "video") == 0) {
        gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, SeqnumGaps::probe, &video, nullptr);
        ++found.second;
      }
      if (caps != nullptr) gst_caps_unref(caps);
      g_value_reset(&item);
    }
    g_value_unset(&item);
    gst_iterator_free(it);
    return found;
  }
};

// NACK on the player's hop: every 5th RTP packet that reaches amsrtcsrc is
// lost before its webrtcbin. amsrtcsrc answers the server's offer with NACK
// and RTX for video and its jitterbuffer asks for each lost packet
// (gst/session/nack.h); the server's RTX history answers. With a latency
// that leaves room for one round trip, as a browser's jitter buffer does,
// (nearly) nothing is missing after the jitterbuffer. (Before: amsrtcsrc's
// answer had no NACK, and every lost video packet stayed lost.)
TEST_F(StreamElements, APlayerGetsItsLostPacketsRetransmittedByTheServer) {
  auto pub = publisher("lossy-play");
  auto play = player("lossy-play", "latency=300");
  pub->play();
  play->play();
  expect_flow(*pub, *play, "lossy-play");
  GstElement *webrtc = webrtcbin_in(*play);
  ASSERT_NE(webrtc, nullptr);
  ReceiveLoss loss;
  const auto found = loss.attach(webrtc);
  gst_object_unref(webrtc);
  ASSERT_GE(found.first, 1) << "no nicesrc in the player";
  ASSERT_EQ(found.second, 1) << "no video pad on the player's webrtcbin";
  ASSERT_TRUE(wait_until([&] { return loss.dropped >= 60; }, 30000)) << "dropped " << loss.dropped;
  const int packets_at_last_drop = loss.video.packets;
  ASSERT_TRUE(wait_until([&] { return loss.video.packets >= packets_at_last_drop + 30; }, 10000));
  const int dropped = loss.dropped;
  const int gaps = loss.video.missing;
  std::printf("lost on the player's way: %d packets; missing after its jitterbuffer: %d\n", dropped,
              gaps);
  EXPECT_GE(loss.video.packets, 100);
  EXPECT_LE(gaps * 10, dropped) << gaps << " video packets stayed lost of " << dropped
                                << " lost on the way in\n"
                                << state(*play);
  EXPECT_EQ(pub->errors() + play->errors(), "");
}

// room-style=legacy: joinRoom first, publish once joined (PROTOCOL.md §3.7);
// the stream then plays like any other, and the room lists it.
TEST_F(StreamElements, LegacyRoomStyleJoinsTheRoomThenPublishes) {
  auto pub = publisher("legacy1", "room=old-room room-style=legacy");
  auto play = player("legacy1");
  pub->play();
  play->play();
  expect_flow(*pub, *play, "legacy1");
  EXPECT_EQ(pub->count_messages("amsrtc/publish-started"), 1);
  WsClient observer;
  ASSERT_TRUE(observer.connect_and_wait(server.websocket_url()));
  observer.send(R"({"command":"getRoomInfo","room":"old-room","streamId":"observer"})");
  EXPECT_EQ(observer.wait_for<protocol::RoomInformation>().members.ids(),
            std::vector<std::string>{"legacy1"});
}


// restart-ice (as after a network change): a new offer with new credentials
// on the live publish session, answered by the server; ICE checks again and
// the player never notices: no new publish, no new play.
TEST_F(StreamElements, RestartIceOnDemandKeepsThePublishSessionAndThePlayerDecoding) {
  auto pub = publisher("roaming");
  auto play = player("roaming");
  pub->play();
  play->play();
  expect_flow(*pub, *play, "roaming");
  GstElement *webrtc = webrtcbin_in(*pub);
  ASSERT_NE(webrtc, nullptr);
  const std::string local_before = ice_ufrag(webrtc, "current-local-description");
  const std::string remote_before = ice_ufrag(webrtc, "current-remote-description");
  ASSERT_NE(remote_before, "");

  GstElement *sink = gst_bin_get_by_name(GST_BIN(pub->pipeline()), "sink");
  g_signal_emit_by_name(sink, "restart-ice");
  gst_object_unref(sink);
  EXPECT_TRUE(wait_until(
      [&] {
        return pub->count_messages("amsrtc/ice-restart") == 1 &&
               ice_ufrag(webrtc, "current-remote-description") != remote_before &&
               connected(webrtc);
      },
      10000))
      << state(*pub) << server.stderr_text();
  EXPECT_NE(ice_ufrag(webrtc, "current-local-description"), local_before);
  play->reset_counts();
  EXPECT_TRUE(wait_until([&] { return play->buffers("video_roaming") >= 30; }, 10000))
      << state(*play);
  EXPECT_EQ(pub->count_messages("amsrtc/publish-started"), 1);
  EXPECT_EQ(play->count_messages("amsrtc/play-started"), 1);
  EXPECT_EQ(pub->warnings(), "");
  EXPECT_EQ(play->warnings().find("Playing again"), std::string::npos) << play->warnings();
  EXPECT_EQ(pub->errors() + play->errors(), "");
  GstElement *now = webrtcbin_in(*pub);
  EXPECT_EQ(now, webrtc) << "the same session";
  if (now != nullptr) gst_object_unref(now);
  gst_object_unref(webrtc);
}

// Whether one of the pipeline's amsrtc/ice-restart messages gives `reason`.
bool ice_restart_with_reason(StreamPipeline &p, const std::string &reason) {
  bool found = false;
  for (GstStructure *s : p.messages("amsrtc/ice-restart")) {
    if (reason == gst_structure_get_string(s, "reason")) found = true;
    gst_structure_free(s);
  }
  return found;
}

// Real ICE failures under a publisher and a player: UDP to each one's port
// is dropped, so the keepalive checks on both ends of each connection go
// unanswered and libnice declares the paths failed (after its 50 s). The
// publisher restarts ICE itself; on the play session the server restarts
// it (it offers there) and amsrtcsrc answers. Each path comes back when its
// restart begins. Both sessions carry on: no new publish, no new play.
TEST_F(StreamElements, IceFailuresAreRepairedByIceRestartsOnTheLiveSessions) {
  auto pub = publisher("flaky");
  auto play = player("flaky");
  pub->play();
  play->play();
  expect_flow(*pub, *play, "flaky");
  GstElement *pub_webrtc = webrtcbin_in(*pub);
  GstElement *play_webrtc = webrtcbin_in(*play);
  ASSERT_NE(pub_webrtc, nullptr);
  ASSERT_NE(play_webrtc, nullptr);
  const std::string pub_remote_before = ice_ufrag(pub_webrtc, "current-remote-description");
  const std::string play_remote_before = ice_ufrag(play_webrtc, "current-remote-description");
  DroppedPackets pub_path("amsrtc_test_publisher");
  pub_path.drop_udp_to(local_candidate_port(pub_webrtc));
  DroppedPackets play_path("amsrtc_test_player");
  play_path.drop_udp_to(local_candidate_port(play_webrtc));
  ASSERT_TRUE(pub_path.ok() && play_path.ok()) << pub_path.error() << play_path.error();

  const bool restarted = wait_until(
      [&] {
        if (ice_restart_with_reason(*pub, "ICE failed")) pub_path.lift();
        if (ice_restart_with_reason(*play, "the server restarted ICE")) play_path.lift();
        return (!pub_path.ok() && !play_path.ok()) || !(pub->errors() + play->errors()).empty();
      },
      80000);
  EXPECT_TRUE(restarted) << "within 80 s of losing the paths\npublisher " << state(*pub)
                         << "\nplayer " << state(*play) << server.stderr_text();
  EXPECT_TRUE(wait_until(
      [&] {
        return ice_ufrag(pub_webrtc, "current-remote-description") != pub_remote_before &&
               ice_ufrag(play_webrtc, "current-remote-description") != play_remote_before &&
               connected(pub_webrtc) && connected(play_webrtc);
      },
      10000))
      << "publisher " << state(*pub) << "\nplayer " << state(*play) << server.stderr_text();
  play->reset_counts();
  EXPECT_TRUE(wait_until([&] { return play->buffers("video_flaky") >= 30; }, 10000))
      << state(*play);
  EXPECT_EQ(pub->count_messages("amsrtc/publish-started"), 1) << "no new publish";
  EXPECT_EQ(play->count_messages("amsrtc/play-started"), 1) << "no new play";
  EXPECT_EQ(pub->warnings().find("Publishing again"), std::string::npos) << pub->warnings();
  EXPECT_EQ(play->warnings().find("Playing again"), std::string::npos) << play->warnings();
  EXPECT_EQ(pub->errors() + play->errors(), "");
  gst_object_unref(pub_webrtc);
  gst_object_unref(play_webrtc);
}

// An ICE restart that cannot connect (the path stays dead) ends in a new
// publish on a new connection (a new port): after 10 s by the element, or
// sooner by the server, which ends a publication whose media stopped for 3 s
// and the element then publishes again. The new publication plays.
TEST_F(StreamElements, AnIceRestartThatCannotConnectEndsInANewPublish) {
  auto pub = publisher("deadpath");
  auto play = player("deadpath");
  pub->play();
  play->play();
  expect_flow(*pub, *play, "deadpath");
  GstElement *webrtc = webrtcbin_in(*pub);
  ASSERT_NE(webrtc, nullptr);
  // UDP to the publisher's port, and ICE over TCP, which a restart would
  // otherwise find.
  DroppedPackets dropped;
  dropped.drop_udp_to(local_candidate_port(webrtc)).drop_tcp_except(server.port());
  ASSERT_TRUE(dropped.ok()) << dropped.error();
  GstElement *sink = gst_bin_get_by_name(GST_BIN(pub->pipeline()), "sink");
  g_signal_emit_by_name(sink, "restart-ice");
  gst_object_unref(sink);
  EXPECT_TRUE(wait_until(
      [&] {
        return pub->count_messages("amsrtc/publish-started") == 2 || !pub->errors().empty();
      },
      25000))
      << state(*pub) << server.stderr_text();
  EXPECT_EQ(pub->count_messages("amsrtc/ice-restart"), 1);
  EXPECT_NE(pub->warnings().find("Publishing again."), std::string::npos) << pub->warnings();
  GstElement *now = webrtcbin_in(*pub);
  EXPECT_NE(now, webrtc) << "a new connection";
  if (now != nullptr) gst_object_unref(now);
  // The first player ended with the first publication (play_finished);
  // a new one plays the new publication.
  EXPECT_GE(play->count_messages("amsrtc/play-finished"), 1);
  auto again = player("deadpath");
  again->play();
  EXPECT_TRUE(wait_until([&] { return again->buffers("video_deadpath") >= 30; }, 15000))
      << state(*again) << server.stderr_text();
  EXPECT_EQ(pub->errors() + again->errors(), "");
  gst_object_unref(webrtc);
}

}  // namespace
}  // namespace amsrtc::testing
