// The SDP side of an ICE restart (gst/session/ice_restart.h) on real SDP:
// the offer webrtcbin made in the P2P session test and Chrome 156's offer
// (tests/fixtures/sdp). The agent side is exercised with real webrtcbins in
// tests/integration/p2p_session_test.cpp.
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "gst/session/ice_restart.h"
#include "sdp_fixture.h"

namespace amsrtc::session {
namespace {

using amsrtc::testing::sdp_fixture;

// Every value of attribute `name` (a=<name>:<value>) in `sdp`.
std::vector<std::string> values_of(const std::string &sdp, const std::string &name) {
  std::vector<std::string> values;
  std::regex line("a=" + name + ":([^\r\n]*)");
  for (auto it = std::sregex_iterator(sdp.begin(), sdp.end(), line); it != std::sregex_iterator();
       ++it)
    values.push_back((*it)[1]);
  return values;
}

TEST(IceRestartSdp, UfragOfTheFirstMLine) {
  const std::string offer = sdp_fixture("webrtcbin_h264_offer.sdp");
  ASSERT_FALSE(values_of(offer, "ice-ufrag").empty());
  EXPECT_EQ(ice_ufrag_of(offer), values_of(offer, "ice-ufrag").front());
  EXPECT_EQ(ice_ufrag_of("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"), "");
}

TEST(IceRestartSdp, EveryMLineGetsTheNewCredentialsAndNothingElseChanges) {
  for (const char *name : {"webrtcbin_h264_offer.sdp", "chrome156_offer.sdp"}) {
    SCOPED_TRACE(name);
    const std::string sdp = sdp_fixture(name);
    const IceCredentials fresh{"abcd1234", "0123456789abcdefghijklmn"};
    const std::string restarted = with_ice_credentials(sdp, fresh);
    const auto ufrags = values_of(restarted, "ice-ufrag");
    const auto passwords = values_of(restarted, "ice-pwd");
    ASSERT_EQ(ufrags.size(), values_of(sdp, "ice-ufrag").size());
    ASSERT_EQ(passwords.size(), values_of(sdp, "ice-pwd").size());
    for (const auto &u : ufrags) EXPECT_EQ(u, fresh.ufrag);
    for (const auto &p : passwords) EXPECT_EQ(p, fresh.password);
    // Only those two values changed: same lines, same CRLF endings.
    std::string expected = sdp;
    auto replace_all = [&expected](const std::string &from, const std::string &to) {
      for (auto at = expected.find(from); at != std::string::npos; at = expected.find(from, at + to.size()))
        expected.replace(at, from.size(), to);
    };
    for (const auto &old : values_of(sdp, "ice-ufrag"))
      replace_all("a=ice-ufrag:" + old + "\r", "a=ice-ufrag:" + fresh.ufrag + "\r");
    for (const auto &old : values_of(sdp, "ice-pwd"))
      replace_all("a=ice-pwd:" + old + "\r", "a=ice-pwd:" + fresh.password + "\r");
    EXPECT_EQ(restarted, expected);
  }
}

TEST(IceRestartSdp, GeneratedCredentialsAreValidAndFresh) {
  const std::regex ice_chars("[A-Za-z0-9+/]+");
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    const IceCredentials c = generate_ice_credentials();
    EXPECT_GE(c.ufrag.size(), 4u);        // RFC 8839 §5.4
    EXPECT_GE(c.password.size(), 22u);
    EXPECT_TRUE(std::regex_match(c.ufrag, ice_chars)) << c.ufrag;
    EXPECT_TRUE(std::regex_match(c.password, ice_chars)) << c.password;
    seen.insert(c.ufrag);
  }
  EXPECT_EQ(seen.size(), 50u);
}

}  // namespace
}  // namespace amsrtc::session
