// Stopping a webrtcbin (or any bin) so that nothing inside it still runs.
#pragma once

#include <gst/gst.h>

namespace amsrtc::session {

// Sets `element` to NULL, then every element inside it that is not NULL yet.
//
// Why the second step: webrtcbin 1.22 keeps its SCTP elements (sctpenc,
// sctpdec) in locked state until DTLS connects, and unlocks and starts them
// from its own task thread. If that happens while the bin is going to NULL
// (after the bin has walked its children, before it stops its thread),
// sctpenc is left PLAYING inside a NULL webrtcbin, with its streaming task
// running. Whoever drops the last reference to it later waits forever for
// that task (gst_task_join in the pad's finalize): amsrtc-server hung at
// exit this way after a 100-player benchmark. Once the bin is NULL its
// thread is stopped, so nothing can start those elements again.
void stop_element_and_children(GstElement *element);

}  // namespace amsrtc::session
