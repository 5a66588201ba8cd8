// The amsrtc plugin: registers its elements.
#include <gst/gst.h>

#include "amsrtcpeer.h"
#include "amsrtcsignaller.h"
#include "amsrtcsink.h"
#include "amsrtcsrc.h"
#include "config.h"

GST_DEBUG_CATEGORY(amsrtc_stream_debug);  // stream_controller.cpp: publish/play logic

static gboolean plugin_init(GstPlugin *plugin) {
  GST_DEBUG_CATEGORY_INIT(amsrtc_stream_debug, "amsrtcstream", 0,
                          "amsrtc publish/play sessions (amsrtcsink, amsrtcsrc)");
  gboolean registered = FALSE;
  registered |= GST_ELEMENT_REGISTER(amsrtcpeer, plugin);
  registered |= GST_ELEMENT_REGISTER(amsrtcsignaller, plugin);
  registered |= GST_ELEMENT_REGISTER(amsrtcsink, plugin);
  registered |= GST_ELEMENT_REGISTER(amsrtcsrc, plugin);
  return registered;
}

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, amsrtc,
                  "WebRTC elements speaking the Ant Media Server signaling protocol", plugin_init,
                  VERSION, "LGPL", GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
