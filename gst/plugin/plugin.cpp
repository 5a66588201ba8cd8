// The amsrtc plugin: registers its elements.
#include <gst/gst.h>

#include "amsrtcpeer.h"
#include "amsrtcsignaller.h"
#include "config.h"

static gboolean plugin_init(GstPlugin *plugin) {
  gboolean registered = FALSE;
  registered |= GST_ELEMENT_REGISTER(amsrtcpeer, plugin);
  registered |= GST_ELEMENT_REGISTER(amsrtcsignaller, plugin);
  return registered;
}

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, amsrtc,
                  "WebRTC elements speaking the Ant Media Server signaling protocol", plugin_init,
                  VERSION, "LGPL", GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
