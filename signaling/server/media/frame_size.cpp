#include "frame_size.h"

#include <gst/codecparsers/gsth264parser.h>

#include <vector>

namespace amsrtc::server::media {

namespace {

// RFC 7741: the payload descriptor, then (at the start of a keyframe) the
// frame tag, the start code 9d 01 2a and 14-bit width and height.
bool vp8_frame_size(const uint8_t *p, std::size_t size, int &width, int &height) {
  if (size < 1) return false;
  std::size_t offset = 1;
  const bool extended = (p[0] & 0x80) != 0;
  const bool start = (p[0] & 0x10) != 0;
  const unsigned partition = p[0] & 0x07;
  if (!start || partition != 0) return false;
  if (extended) {
    if (size < 2) return false;
    const uint8_t x = p[1];
    offset = 2;
    if (x & 0x80) {  // picture id, 7 or 15 bits
      if (offset >= size) return false;
      offset += (p[offset] & 0x80) ? 2 : 1;
    }
    if (x & 0x40) offset += 1;           // TL0PICIDX
    if (x & 0x30) offset += 1;           // TID / KEYIDX
  }
  if (offset + 10 > size) return false;
  const uint8_t *frame = p + offset;
  if ((frame[0] & 0x01) != 0) return false;  // not a keyframe
  if (frame[3] != 0x9d || frame[4] != 0x01 || frame[5] != 0x2a) return false;
  width = (frame[6] | (frame[7] << 8)) & 0x3fff;
  height = (frame[8] | (frame[9] << 8)) & 0x3fff;
  return width > 0 && height > 0;
}

bool h264_sps_size(const uint8_t *nal, std::size_t size, int &width, int &height) {
  std::vector<uint8_t> annex_b = {0, 0, 0, 1};
  annex_b.insert(annex_b.end(), nal, nal + size);
  GstH264NalParser *parser = gst_h264_nal_parser_new();
  GstH264NalUnit unit;
  GstH264SPS sps;
  bool found = false;
  if (gst_h264_parser_identify_nalu_unchecked(parser, annex_b.data(), 0, annex_b.size(), &unit) ==
          GST_H264_PARSER_OK &&
      gst_h264_parser_parse_sps(parser, &unit, &sps) == GST_H264_PARSER_OK) {
    width = sps.frame_cropping_flag ? sps.crop_rect_width : sps.width;
    height = sps.frame_cropping_flag ? sps.crop_rect_height : sps.height;
    found = width > 0 && height > 0;
    gst_h264_sps_clear(&sps);
  }
  gst_h264_nal_parser_free(parser);
  return found;
}

// RFC 6184: a single SPS NAL unit, or one inside a STAP-A.
bool h264_frame_size(const uint8_t *p, std::size_t size, int &width, int &height) {
  if (size < 2) return false;
  const unsigned type = p[0] & 0x1f;
  if (type == 7) return h264_sps_size(p, size, width, height);
  if (type != 24) return false;
  std::size_t offset = 1;
  while (offset + 2 < size) {
    const std::size_t length = (static_cast<std::size_t>(p[offset]) << 8) | p[offset + 1];
    offset += 2;
    if (length == 0 || offset + length > size) return false;
    if ((p[offset] & 0x1f) == 7) return h264_sps_size(p + offset, length, width, height);
    offset += length;
  }
  return false;
}

}  // namespace

bool read_frame_size(std::string_view encoding, const uint8_t *payload, std::size_t size,
                     int &width, int &height) {
  if (encoding == "VP8") return vp8_frame_size(payload, size, width, height);
  if (encoding == "H264") return h264_frame_size(payload, size, width, height);
  return false;
}

}  // namespace amsrtc::server::media
