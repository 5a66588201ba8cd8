// amsrtcsink: publishes a stream (or a conference member's stream) to an Ant
// Media Server compatible server. See the documentation block of
// amsrtcsink.cpp and docs/elements.md.
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_AMS_RTC_SINK (gst_ams_rtc_sink_get_type())
G_DECLARE_FINAL_TYPE(GstAmsRtcSink, gst_ams_rtc_sink, GST, AMS_RTC_SINK, GstBin)

struct GstAmsRtcSinkPriv;

struct _GstAmsRtcSink {
  GstBin parent;
  GstAmsRtcSinkPriv *priv;  // C++ state, created in _init, deleted in _finalize
};

GST_ELEMENT_REGISTER_DECLARE(amsrtcsink);

G_END_DECLS
