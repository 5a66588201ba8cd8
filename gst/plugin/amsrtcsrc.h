// amsrtcsrc: plays a stream (or every member of a conference room) from an Ant
// Media Server compatible server. See the documentation block of
// amsrtcsrc.cpp and docs/elements.md.
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_AMS_RTC_SRC (gst_ams_rtc_src_get_type())
G_DECLARE_FINAL_TYPE(GstAmsRtcSrc, gst_ams_rtc_src, GST, AMS_RTC_SRC, GstBin)

struct GstAmsRtcSrcPriv;

struct _GstAmsRtcSrc {
  GstBin parent;
  GstAmsRtcSrcPriv *priv;  // C++ state, created in _init, deleted in _finalize
};

GST_ELEMENT_REGISTER_DECLARE(amsrtcsrc);

G_END_DECLS
