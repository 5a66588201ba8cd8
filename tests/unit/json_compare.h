// Strict structural comparison of two JSON texts for tests: same members
// (order ignored), same array order, and the same JSON types (1 and 1.0 and
// "1" all differ), so a test catches a number encoded as a string.
#pragma once

#include <string>
#include <string_view>

namespace amsrtc::testing {

// "" when equal, otherwise where they first differ ("$.label: 0 vs \"0\"").
std::string json_difference(std::string_view expected, std::string_view actual);

}  // namespace amsrtc::testing
