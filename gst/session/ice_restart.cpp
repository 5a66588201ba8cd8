#include "ice_restart.h"

#include <nice/agent.h>

#include <sstream>

namespace amsrtc::session {

namespace {

std::string random_ice_chars(std::size_t count) {
  static constexpr char kIceChars[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string text;
  for (std::size_t i = 0; i < count; ++i)
    text += kIceChars[g_random_int_range(0, static_cast<gint32>(sizeof(kIceChars) - 1))];
  return text;
}

// webrtcbin's libnice agent (a new reference), or nullptr when its ICE
// implementation is not GstWebRTCNice (1.22 has no other, but the property
// is what tells).
NiceAgent *nice_agent_of(GstElement *webrtcbin) {
  GObject *ice = nullptr;
  g_object_get(webrtcbin, "ice-agent", &ice, nullptr);
  if (ice == nullptr) return nullptr;
  NiceAgent *agent = nullptr;
  if (g_object_class_find_property(G_OBJECT_GET_CLASS(ice), "agent") != nullptr)
    g_object_get(ice, "agent", &agent, nullptr);
  g_object_unref(ice);
  return agent;
}

}  // namespace

IceCredentials generate_ice_credentials() { return {random_ice_chars(8), random_ice_chars(24)}; }

std::string ice_ufrag_of(const std::string &sdp) {
  static constexpr std::string_view kPrefix = "a=ice-ufrag:";
  std::istringstream lines(sdp);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.compare(0, kPrefix.size(), kPrefix) == 0) return line.substr(kPrefix.size());
  }
  return "";
}

std::string with_ice_credentials(const std::string &sdp, const IceCredentials &credentials) {
  static constexpr std::string_view kUfrag = "a=ice-ufrag:";
  static constexpr std::string_view kPassword = "a=ice-pwd:";
  std::string result;
  std::size_t start = 0;
  while (start < sdp.size()) {
    std::size_t end = sdp.find('\n', start);
    end = end == std::string::npos ? sdp.size() : end + 1;
    std::string line = sdp.substr(start, end - start);
    std::string ending;
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
      ending.insert(ending.begin(), line.back());
      line.pop_back();
    }
    if (line.compare(0, kUfrag.size(), kUfrag) == 0) {
      line = std::string(kUfrag) + credentials.ufrag;
    } else if (line.compare(0, kPassword.size(), kPassword) == 0) {
      line = std::string(kPassword) + credentials.password;
    }
    result += line + ending;
    start = end;
  }
  return result;
}

bool restart_ice_agent(GstElement *webrtcbin) {
  NiceAgent *agent = nice_agent_of(webrtcbin);
  if (agent == nullptr) return false;
  const gboolean restarted = nice_agent_restart(agent);
  g_object_unref(agent);
  return restarted;
}

void detect_lost_ice_paths(GstElement *webrtcbin) {
  NiceAgent *agent = nice_agent_of(webrtcbin);
  if (agent == nullptr) return;
  g_object_set(agent, "keepalive-conncheck", TRUE, nullptr);
  g_object_unref(agent);
}

}  // namespace amsrtc::session
