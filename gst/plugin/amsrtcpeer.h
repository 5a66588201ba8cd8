// amsrtcpeer: a one-to-one WebRTC call (P2P) through an Ant Media Server
// compatible signaling server. See the documentation block of
// amsrtcpeer.cpp and docs/elements.md.
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_AMS_RTC_PEER (gst_ams_rtc_peer_get_type())
G_DECLARE_FINAL_TYPE(GstAmsRtcPeer, gst_ams_rtc_peer, GST, AMS_RTC_PEER, GstBin)

struct GstAmsRtcPeerPriv;

struct _GstAmsRtcPeer {
  GstBin parent;
  GstAmsRtcPeerPriv *priv;  // C++ state, created in _init, deleted in _finalize
};

GST_ELEMENT_REGISTER_DECLARE(amsrtcpeer);

G_END_DECLS
