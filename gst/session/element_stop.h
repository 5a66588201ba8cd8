// Stopping a webrtcbin (or any bin) so that nothing inside it still runs.
#pragma once

#include <gst/gst.h>

namespace amsrtc::session {

// Sets `element` to NULL, then every element inside it that is not NULL yet.
//
// Why the second step: amsrtc-server hung at exit after a 100-player
// benchmark, in gst_task_join for the streaming task of an sctpenc that was
// still running inside a webrtcbin already set to NULL and removed (its last
// reference went with a message the pipeline held). webrtcbin 1.22 keeps its
// SCTP elements (sctpenc, sctpdec) in locked state, which a bin's state
// change skips, until DTLS connects; then it unlocks and starts them from its
// own task thread. The likely way to that state is this start running while
// the bin goes to NULL (after the bin has walked its children, before it
// stops its thread); not reproduced on demand. Once the bin is NULL its
// thread is stopped, so after this nothing can start those elements again.
void stop_element_and_children(GstElement *element);

}  // namespace amsrtc::session
