// What the ICE-restart tests look at inside an element under test, and how
// they kill its network path:
// - webrtcbin_in: the webrtcbin an amsrtc element runs;
// - ice_ufrag / connected / local_candidate_port: its credentials, its
//   connection state and the port its selected pair uses;
// - DroppedPackets: nftables rules in the test's own network namespace.
#pragma once

#include <gst/gst.h>
#include <gst/webrtc/webrtc.h>

#include <string>

#include "bin_elements.h"

namespace amsrtc::testing {

// The first webrtcbin inside `bin`, at any depth (a new reference), or
// nullptr.
inline GstElement *webrtcbin_in(GstElement *bin) { return first_element(bin, "webrtcbin"); }

// The a=ice-ufrag of webrtcbin's "current-local-description" or
// "current-remote-description" ("" when there is none).
inline std::string ice_ufrag(GstElement *webrtc, const char *description_property) {
  GstWebRTCSessionDescription *description = nullptr;
  g_object_get(webrtc, description_property, &description, nullptr);
  if (description == nullptr) return "";
  gchar *text = gst_sdp_message_as_text(description->sdp);
  std::string sdp = text;
  g_free(text);
  gst_webrtc_session_description_free(description);
  const auto at = sdp.find("a=ice-ufrag:");
  if (at == std::string::npos) return "";
  const auto start = at + std::string("a=ice-ufrag:").size();
  return sdp.substr(start, sdp.find_first_of("\r\n", start) - start);
}

inline bool connected(GstElement *webrtc) {
  GstWebRTCPeerConnectionState state = GST_WEBRTC_PEER_CONNECTION_STATE_NEW;
  g_object_get(webrtc, "connection-state", &state, nullptr);
  return state == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED;
}

// The UDP port of the local candidate webrtcbin's selected pair uses (one
// bundled transport), from its stats; 0 when there is none.
inline unsigned local_candidate_port(GstElement *webrtc) {
  GstPromise *promise = gst_promise_new();
  g_signal_emit_by_name(webrtc, "get-stats", nullptr, promise);
  unsigned port = 0;
  if (gst_promise_wait(promise) == GST_PROMISE_RESULT_REPLIED) {
    const GstStructure *reply = gst_promise_get_reply(promise);
    for (int i = 0; i < gst_structure_n_fields(reply); ++i) {
      const GValue *value = gst_structure_get_value(reply, gst_structure_nth_field_name(reply, i));
      if (!GST_VALUE_HOLDS_STRUCTURE(value)) continue;
      const GstStructure *stats = gst_value_get_structure(value);
      // By the stats' name: webrtcbin 1.22 swaps the local-candidate and
      // remote-candidate types (gstwebrtcstats.c tests strcmp() != 0).
      guint candidate_port = 0;
      if (g_str_has_prefix(gst_structure_nth_field_name(reply, i), "ice-candidate-local") &&
          gst_structure_get_uint(stats, "port", &candidate_port))
        port = candidate_port;
    }
  }
  gst_promise_unref(promise);
  return port;
}

// Packet filter rules in this network namespace (the tests run in one of
// their own), in an nftables table removed on destruction. drop_udp_to(port)
// makes ICE checks and keepalives to that port go unanswered, as on a dead
// path; drop_tcp_except(port) also closes ICE's TCP candidates, keeping the
// signaling socket to `port`.
class DroppedPackets {
 public:
  explicit DroppedPackets(const std::string &table = "amsrtc_test") : table_(table) {
    ok_ = nft("add table inet " + table_) &&
          nft("add chain inet " + table_ + " input { type filter hook input priority 0 ; }");
  }
  ~DroppedPackets() { lift(); }
  DroppedPackets(const DroppedPackets &) = delete;
  DroppedPackets &operator=(const DroppedPackets &) = delete;
  DroppedPackets &drop_udp_to(unsigned port) {
    ok_ = ok_ && nft("add rule inet " + table_ + " input udp dport " + std::to_string(port) + " drop");
    return *this;
  }
  DroppedPackets &drop_tcp_except(unsigned port) {
    const std::string p = std::to_string(port);
    ok_ = ok_ && nft("add rule inet " + table_ + " input tcp dport " + p + " accept") &&
          nft("add rule inet " + table_ + " input tcp sport " + p + " accept") &&
          nft("add rule inet " + table_ + " input meta l4proto tcp drop");
    return *this;
  }
  void lift() {
    if (ok_) nft("delete table inet " + table_);
    ok_ = false;
  }
  bool ok() const { return ok_; }
  const std::string &error() const { return error_; }

 private:
  bool nft(const std::string &command) {
    gchar *err = nullptr;
    gint status = 0;
    GError *error = nullptr;
    const std::string line = "nft " + command;
    const bool ran = g_spawn_command_line_sync(line.c_str(), nullptr, &err, &status, &error);
    if (!ran || !g_spawn_check_wait_status(status, nullptr)) {
      error_ = line + ": " + (error != nullptr ? error->message : (err != nullptr ? err : ""));
    }
    g_clear_error(&error);
    g_free(err);
    return error_.empty();
  }
  std::string table_;
  bool ok_ = false;
  std::string error_;
};

}  // namespace amsrtc::testing
