// What the retransmission tests share: telling RTP from RTCP and DTLS on
// the wire, and counting the sequence numbers missing from a stream.
#pragma once

#include <gst/gst.h>
#include <gst/rtp/rtp.h>

#include <atomic>

namespace amsrtc::testing {

// An SRTP packet's header is in the clear: RTP has version 2 and a payload
// type outside RTCP's 192-223 (RFC 5761); DTLS records start below 64.
inline bool is_rtp_on_the_wire(GstBuffer *buffer) {
  guint8 header[2];
  return gst_buffer_extract(buffer, 0, header, 2) == 2 && (header[0] >> 6) == 2 &&
         (header[1] < 192 || header[1] > 223);
}

// RTP packets of one stream, in the order they come out of a jitterbuffer,
// and how many sequence numbers were missing between them. count() runs on
// that pad's streaming thread; the totals are read from any thread.
struct SeqnumGaps {
  std::atomic<int> packets{0};
  std::atomic<int> missing{0};
  int last = -1;

  void count(GstBuffer *buffer) {
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    if (!gst_rtp_buffer_map(buffer, GST_MAP_READ, &rtp)) return;
    const guint16 seqnum = gst_rtp_buffer_get_seq(&rtp);
    gst_rtp_buffer_unmap(&rtp);
    if (last >= 0) {
      const int ahead = static_cast<gint16>(static_cast<guint16>(seqnum - last));
      if (ahead > 1) missing += ahead - 1;
    }
    last = seqnum;
    ++packets;
  }

  // A pad probe (GST_PAD_PROBE_TYPE_BUFFER) that counts into `gaps`.
  static GstPadProbeReturn probe(GstPad *, GstPadProbeInfo *info, gpointer gaps) {
    static_cast<SeqnumGaps *>(gaps)->count(GST_PAD_PROBE_INFO_BUFFER(info));
    return GST_PAD_PROBE_OK;
  }
};

}  // namespace amsrtc::testing
