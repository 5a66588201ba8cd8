#include "input_tracks.h"

#include <cstring>

namespace amsrtc::plugin {
namespace {

struct InputContext {
  GstElement *element;  // not owned: the pad's probe dies with the element
  std::string name;     // "video_0"
  bool audio;
  std::function<SendSettings()> send_settings;
};

bool is_raw(const GstCaps *caps) {
  const char *name = gst_structure_get_name(gst_caps_get_structure(caps, 0));
  return g_str_has_suffix(name, "/x-raw");
}

GstPadProbeReturn on_input_caps(GstPad *pad, GstPadProbeInfo *info, gpointer data) {
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT(info);
  if (GST_EVENT_TYPE(event) != GST_EVENT_CAPS) return GST_PAD_PROBE_OK;
  auto *context = static_cast<InputContext *>(data);
  GstCaps *caps = nullptr;
  gst_event_parse_caps(event, &caps);
  std::string description =
      send_chain_description(caps, context->send_settings(), context->audio ? 111 : 96);
  // An encoder gets a thread of its own, so that it works in parallel with
  // whatever produces the frames (capture, conversion). Encoded input is only
  // parsed and payloaded: cheap, so it stays on the upstream thread, and a
  // frame crosses one thread (the connection's queue) instead of two.
  if (!description.empty() && is_raw(caps)) description = "queue ! " + description;
  std::string error;
  GstElement *chain = description.empty() ? nullptr : make_chain(description, error);
  if (chain == nullptr) {
    gchar *text = gst_caps_to_string(caps);
    GST_ELEMENT_ERROR(context->element, STREAM, FORMAT, ("Cannot send this format."),
                      ("caps %s: %s", text,
                       description.empty() ? "not supported (send raw video/audio, H.264, VP8, "
                                             "VP9 or Opus)"
                                           : error.c_str()));
    g_free(text);
    return GST_PAD_PROBE_DROP;
  }
  GST_INFO_OBJECT(context->element, "sending %s through: %s", context->name.c_str(),
                  description.c_str());
  GstBin *bin = GST_BIN(context->element);
  gst_bin_add(bin, chain);
  gst_element_sync_state_with_parent(chain);
  GstElement *input = gst_pad_get_parent_element(pad);
  GstElement *tee = gst_bin_get_by_name(bin, ("tee_" + context->name).c_str());
  gst_element_link_many(input, chain, tee, nullptr);
  gst_object_unref(tee);
  gst_object_unref(input);
  return GST_PAD_PROBE_REMOVE;
}

}  // namespace

GstPad *add_input_track(GstElement *element, GstPadTemplate *templ, const std::string &name,
                        std::function<SendSettings()> send_settings, LocalTrack &track) {
  const bool audio = name.rfind("audio", 0) == 0;
  // The input point: the pad the caps probe watches, before the send chain
  // exists. identity (not a queue): see on_input_caps for the threads.
  GstElement *input = gst_element_factory_make("identity", ("input_" + name).c_str());
  // Nobody listens to its per-buffer "handoff" signal: not emitting it
  // saves a signal emission per frame.
  g_object_set(input, "signal-handoffs", FALSE, nullptr);
  GstElement *tee = gst_element_factory_make("tee", ("tee_" + name).c_str());
  g_object_set(tee, "allow-not-linked", TRUE, nullptr);  // until a connection is there
  gst_bin_add_many(GST_BIN(element), input, tee, nullptr);
  gst_element_sync_state_with_parent(input);
  gst_element_sync_state_with_parent(tee);

  GstPad *target = gst_element_get_static_pad(input, "sink");
  gst_pad_add_probe(target, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_input_caps,
                    new InputContext{element, name, audio, std::move(send_settings)},
                    [](gpointer data) { delete static_cast<InputContext *>(data); });
  GstPad *pad = gst_ghost_pad_new_from_template(name.c_str(), target, templ);
  gst_object_unref(target);
  gst_pad_set_active(pad, TRUE);
  gst_element_add_pad(element, pad);
  track = LocalTrack{audio ? "audio" : "video", tee};
  return pad;
}

GstPad *request_input_track(GstElement *element, GstPadTemplate *templ, InputTracks &inputs,
                            std::function<SendSettings()> send_settings, LocalTrack &track) {
  const bool audio = g_str_has_prefix(GST_PAD_TEMPLATE_NAME_TEMPLATE(templ), "audio");
  guint index;
  {
    std::lock_guard<std::mutex> lock(inputs.mutex);
    index = audio ? inputs.next_audio++ : inputs.next_video++;
  }
  const std::string name = std::string(audio ? "audio_" : "video_") + std::to_string(index);
  GstPad *pad = add_input_track(element, templ, name, std::move(send_settings), track);
  std::lock_guard<std::mutex> lock(inputs.mutex);
  inputs.tracks.push_back(track);
  return pad;
}

}  // namespace amsrtc::plugin
