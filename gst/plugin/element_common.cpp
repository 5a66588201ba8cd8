#include "element_common.h"

#include <sstream>

namespace amsrtc::plugin {

std::vector<std::string> split_list(const std::string &text) {
  std::vector<std::string> items;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) {
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (!item.empty()) items.push_back(item);
  }
  return items;
}

std::string join_list(const std::vector<std::string> &items) {
  std::string text;
  for (const auto &item : items) text += (text.empty() ? "" : ",") + item;
  return text;
}

GType ice_policy_get_type() {
  static GType type = 0;
  if (g_once_init_enter(&type)) {
    static const GEnumValue values[] = {{0, "Use every candidate", "all"},
                                        {1, "Use TURN relay candidates only", "relay"},
                                        {0, nullptr, nullptr}};
    g_once_init_leave(&type, g_enum_register_static("GstAmsRtcIceTransportPolicy", values));
  }
  return type;
}

void post_error_with_definition(GstElement *element, const std::string &text,
                                const std::string &debug, const std::string &definition) {
  GST_ERROR_OBJECT(element, "%s (%s)", text.c_str(), debug.c_str());
  GstStructure *details =
      gst_structure_new("amsrtc-error", "definition", G_TYPE_STRING, definition.c_str(), nullptr);
  gst_element_message_full_with_details(
      element, GST_MESSAGE_ERROR, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ_WRITE,
      g_strdup(text.c_str()), g_strdup(debug.c_str()), __FILE__, GST_FUNCTION, __LINE__, details);
}

void prepare_dtls_certificate() {
  static gsize started = 0;
  if (!g_once_init_enter(&started)) return;
  // dtlsdec (which webrtcbin uses) creates the shared certificate in its
  // constructor and keeps it for every later DTLS transport.
  GThread *thread = g_thread_new(
      "amsrtc-dtls-cert",
      [](gpointer) -> gpointer {
        GstElement *dtls = gst_element_factory_make("dtlsdec", nullptr);
        if (dtls != nullptr) gst_object_unref(dtls);
        return nullptr;
      },
      nullptr);
  g_thread_unref(thread);
  g_once_init_leave(&started, 1);
}

}  // namespace amsrtc::plugin
