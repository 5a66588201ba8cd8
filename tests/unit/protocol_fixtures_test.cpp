// Every message the real JS SDK (2.16.2) sent in the captures of
// tests/fixtures/ams-sdk-2.16.2 (lines with "-> {json}") decodes, and
// re-encodes to a JSON object equal to the one the SDK sent.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "json_compare.h"
#include "signaling/protocol/codec.h"

namespace amsrtc::protocol {
namespace {

struct WireLine {
  std::string file;
  int line_number;
  std::string json;
};

std::vector<WireLine> sent_lines(const std::string &file) {
  std::vector<WireLine> lines;
  std::ifstream in(std::string(AMSRTC_FIXTURES_DIR) + "/" + file);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    // "-> {...}" possibly after a timestamp ("   108ms -> {...}").
    if (auto arrow = line.find("-> {"); arrow != std::string::npos) {
      lines.push_back({file, number, line.substr(arrow + 3)});
    }
  }
  return lines;
}

class SdkCapture : public ::testing::TestWithParam<std::string> {};

TEST_P(SdkCapture, EverySentMessageDecodesAndReencodesEqual) {
  const auto lines = sent_lines(GetParam());
  ASSERT_FALSE(lines.empty()) << "no '-> {' lines in " << GetParam();
  for (const WireLine &wire : lines) {
    SCOPED_TRACE(wire.file + ":" + std::to_string(wire.line_number));
    const Decoded decoded = decode(wire.json);
    ASSERT_TRUE(decoded.ok()) << decoded.error().describe() << "\n" << wire.json;
    const std::string reencoded = encode(decoded.message());
    EXPECT_EQ(amsrtc::testing::json_difference(wire.json, reencoded), "")
        << "\nsent:       " << wire.json << "\nre-encoded: " << reencoded;
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, SdkCapture,
                         ::testing::Values("wire_dump.txt", "p2p_answerer.txt", "publish_flow.txt",
                                           "watchdog.txt"),
                         [](const auto &info) {
                           std::string name = info.param;
                           return name.substr(0, name.find('.'));
                         });

// The captures cover the SDK's whole command set; make sure none of it is
// silently skipped (34 + 2 + 12 + 11 lines when this test was written).
TEST(SdkCaptureCount, AllSentLinesAreChecked) {
  std::size_t total = 0;
  for (const char *file :
       {"wire_dump.txt", "p2p_answerer.txt", "publish_flow.txt", "watchdog.txt"}) {
    total += sent_lines(file).size();
  }
  EXPECT_EQ(total, 59u);
}

}  // namespace
}  // namespace amsrtc::protocol
