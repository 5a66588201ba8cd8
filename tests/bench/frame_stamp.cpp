#include "frame_stamp.h"

#include <cstring>

namespace amsrtc::bench {

namespace {

constexpr int kBlock = 80;
constexpr uint8_t kWhite = 235;
constexpr uint8_t kBlack = 16;

void fill_block(GstVideoFrame *frame, unsigned index, uint8_t luma) {
  auto *plane = static_cast<uint8_t *>(GST_VIDEO_FRAME_PLANE_DATA(frame, 0));
  const int stride = GST_VIDEO_FRAME_PLANE_STRIDE(frame, 0);
  for (int y = 0; y < kBlock; ++y) {
    std::memset(plane + y * stride + index * kBlock, luma, kBlock);
  }
}

// Mean luma of the block's central 32x32 (its edges blur in the codec).
bool block_is_white(const GstVideoFrame *frame, unsigned index) {
  const auto *plane = static_cast<const uint8_t *>(GST_VIDEO_FRAME_PLANE_DATA(frame, 0));
  const int stride = GST_VIDEO_FRAME_PLANE_STRIDE(frame, 0);
  unsigned sum = 0;
  for (int y = 24; y < 56; ++y) {
    for (int x = 24; x < 56; ++x) sum += plane[y * stride + index * kBlock + x];
  }
  return sum / (32 * 32) > 128;
}

}  // namespace

void stamp_frame(GstVideoFrame *frame, uint32_t number) {
  fill_block(frame, 0, kWhite);
  for (unsigned bit = 0; bit < kStampBits; ++bit) {
    fill_block(frame, 1 + bit, (number >> bit) & 1 ? kWhite : kBlack);
  }
  fill_block(frame, 1 + kStampBits, kBlack);
}

std::optional<uint32_t> read_stamp(const GstVideoFrame *frame) {
  if (GST_VIDEO_FRAME_WIDTH(frame) < static_cast<int>((kStampBits + 2) * kBlock) ||
      GST_VIDEO_FRAME_HEIGHT(frame) < kBlock) {
    return std::nullopt;
  }
  if (!block_is_white(frame, 0) || block_is_white(frame, 1 + kStampBits)) return std::nullopt;
  uint32_t number = 0;
  for (unsigned bit = 0; bit < kStampBits; ++bit) {
    if (block_is_white(frame, 1 + bit)) number |= 1u << bit;
  }
  return number;
}

}  // namespace amsrtc::bench
