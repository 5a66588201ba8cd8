// Stopping a webrtcbin (or any bin) so that nothing inside it still runs.
#pragma once

#include <gst/gst.h>

namespace amsrtc::session {

// Sets `element` to NULL, then every element inside it that is not NULL yet.
// For an element on its way out: it is not meant to start again.
//
// Why the second step: webrtcbin 1.22 keeps its SCTP elements (sctpenc,
// sctpdec) in locked state, which a bin's state change skips, until DTLS
// connects; then it unlocks and starts them from its own task thread, which
// can happen while the bin goes to NULL (after the bin has walked its
// children, before it stops that thread). Once the bin is NULL its thread is
// stopped, so a second walk catches what it started.
//
// And before anything stops, every sctpenc inside stops taking RECONFIGURE
// and FLUSH_STOP events on its source pad. sctpenc 1.22 restarts its
// streaming task on either, whatever its state. One arriving while it goes
// to NULL (after it stopped the task, before its pads are deactivated)
// starts a task that waits forever for data: the state change then blocks
// on it, or, when that task's thread starts a moment later, the state change
// completes and finalizing the element blocks instead. amsrtc-server froze
// that way, its main thread in gst_task_join() finalizing a removed
// player's webrtcbin, after 150 players vanished at once
// (tests/unit/element_stop_test.cpp reproduces it with a bare sctpenc).
//
// The probe cannot stop an event whose handling had begun before it was
// added: that handler restarts the task after the stop (seen once in ~10
// fan-out runs of 125 players, the server's main thread again in
// gst_task_join()). So every stopped sctpenc is also held, by a reference,
// for a second on a thread of the helper's own, which then stops a task
// that runs again and drops the reference: if that is the last one, the
// element is finalized there, never on the caller's thread with a task
// still waiting.
void stop_element_and_children(GstElement *element);

}  // namespace amsrtc::session
