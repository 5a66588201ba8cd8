// amsrtcsignaller: runs the Ant Media signaling protocol for webrtcbins the
// application builds itself. See the documentation block of
// amsrtcsignaller.cpp and docs/elements.md.
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_AMS_RTC_SIGNALLER (gst_ams_rtc_signaller_get_type())
G_DECLARE_FINAL_TYPE(GstAmsRtcSignaller, gst_ams_rtc_signaller, GST, AMS_RTC_SIGNALLER, GstElement)

struct GstAmsRtcSignallerPriv;

struct _GstAmsRtcSignaller {
  GstElement parent;
  GstAmsRtcSignallerPriv *priv;  // C++ state, created in _init, deleted in _finalize
};

GST_ELEMENT_REGISTER_DECLARE(amsrtcsignaller);

G_END_DECLS
