// Reading the canned SDP in tests/fixtures/sdp (AMSRTC_SDP_FIXTURES_DIR, set
// by meson for the suites that use it).
#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace amsrtc::testing {

// The text of tests/fixtures/sdp/<name> ("" when it cannot be read).
inline std::string sdp_fixture(const std::string &name) {
  std::ifstream in(std::string(AMSRTC_SDP_FIXTURES_DIR) + "/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace amsrtc::testing
