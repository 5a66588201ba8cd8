// Everything around the flows: keepalive, ICE server hint, publish/play
// before the SFU exists, bad input and limits (§12.10), tokens (§12.9) and
// shutdown.
#include "server_test_util.h"
#include "signaling/server/token.h"

namespace amsrtc::server::testing {
namespace {

constexpr ConnectionId A = 1, B = 2;

TEST(Keepalive, PingGetsPong) {
  Driver d;
  Outbox out = d.send(A, R"({"command":"ping"})");
  only<proto::Pong>(out, A);
}

TEST(IceServers, NoneConfiguredAnswersEmptyUri) {
  Driver d;
  auto reply = only<proto::IceServerConfig>(d.send(A, R"({"command":"getIceServerConfig"})"), A);
  EXPECT_EQ(reply.stun_server_uri, "");
}

TEST(IceServers, StunAndTurn) {
  StateMachineConfig config;
  config.ice.stun_server = "stun:127.0.0.1:3478";
  Driver stun(config);
  auto reply = only<proto::IceServerConfig>(stun.send(A, R"({"command":"getIceServerConfig"})"), A);
  EXPECT_EQ(reply.stun_server_uri, "stun:127.0.0.1:3478");
  config.ice.turn_server = "turn:127.0.0.1:3478";
  config.ice.turn_username = "u";
  config.ice.turn_password = "p";
  Driver turn(config);
  reply = only<proto::IceServerConfig>(turn.send(A, R"({"command":"getIceServerConfig"})"), A);
  EXPECT_EQ(reply.stun_server_uri, "turn:127.0.0.1:3478");
  EXPECT_EQ(reply.turn_server_username, "u");
  EXPECT_EQ(reply.turn_server_credential, "p");
}

TEST(MediaPlane, PublishAndPlayAreRefusedBySignalingOnlyServers) {
  Driver d;
  for (const char *text : {R"({"command":"publish","streamId":"cam1","video":true,"audio":true})",
                           R"({"command":"play","streamId":"cam1"})"}) {
    auto error = only<proto::Error>(d.send(A, text), A);
    EXPECT_EQ(error.definition, "webrtc_not_enabled") << text;
    EXPECT_EQ(error.stream_id, "cam1");
  }
  auto error = only<proto::Error>(d.send(A, R"({"command":"getStreamInfo","streamId":"cam1"})"), A);
  EXPECT_EQ(error.definition, "no_stream_exist");
  EXPECT_EQ(error.error_code, "404");
}

// --- §12.10 bad input ------------------------------------------------------

TEST(BadInput, InvalidJson) {
  Driver d;
  auto error = only<proto::Error>(d.send(A, "{\"command\":"), A);
  EXPECT_EQ(error.definition, "invalid_json");
}

TEST(BadInput, MissingParameterNamesCommandAndParameter) {
  Driver d;
  auto error = only<proto::Error>(d.send(A, R"({"command":"join"})"), A);
  EXPECT_EQ(error.definition, "missingParameter");
  EXPECT_EQ(error.command_name, "join");
  EXPECT_EQ(error.parameter, "streamId");
}

TEST(BadInput, InvalidStreamName) {
  Driver d;
  auto error = only<proto::Error>(d.send(A, R"({"command":"join","streamId":"a/b"})"), A);
  EXPECT_EQ(error.definition, "invalidStreamName");
  EXPECT_EQ(error.stream_id, "a/b");
}

TEST(BadInput, UnknownCommandKeepsTheSocketOpen) {
  Driver d;
  Outbox out = d.send(A, R"({"command":"teleport","streamId":"s"})");
  auto error = only<proto::Error>(out, A);
  EXPECT_EQ(error.definition, "unsupported_command");
  EXPECT_EQ(error.command_name, "teleport");
  for (const Output &o : out) EXPECT_FALSE(std::holds_alternative<CloseConnection>(o));
  only<proto::Pong>(d.send(A, R"({"command":"ping"})"), A);
}

TEST(BadInput, ServerOnlyCommandFromAClient) {
  Driver d;
  auto error = only<proto::Error>(d.send(A, R"({"command":"start","streamId":"s"})"), A);
  EXPECT_EQ(error.definition, "unsupported_command");
  EXPECT_EQ(error.command_name, "start");
}

TEST(BadInput, BinaryFrame) {
  Driver d;
  d.send(A, R"({"command":"ping"})");
  Outbox out = d.machine().on_binary(A, d.clock());
  EXPECT_EQ(definition_to(out, A), "invalid_json");
}

TEST(BadInput, OversizedFrameClosesOnlyThatSocketWith1009) {
  StateMachineConfig config;
  config.limits.max_message_bytes = 4096;
  Driver d(config);
  d.send(B, R"({"command":"join","streamId":"call"})");
  d.send(A, R"({"command":"join","streamId":"call"})");
  Outbox out = d.send(A, R"({"command":"takeCandidate","streamId":"call","label":0,"candidate":")" +
                             std::string(5000, 'x') + "\"}");
  ASSERT_EQ(out.size(), 1u);
  const auto *close = std::get_if<CloseConnection>(&out[0]);
  ASSERT_NE(close, nullptr);
  EXPECT_EQ(close->connection, A);
  EXPECT_EQ(close->code, 1009);
}

TEST(BadInput, NothingReachesOtherSockets) {
  Driver d;
  d.send(B, R"({"command":"join","streamId":"call"})");
  for (const char *text :
       {"", "[]", "nul\x01", R"({"command":"leave","streamId":"call"})",
        R"({"command":"leaveFromRoom","room":"r"})", R"({"command":"stop","streamId":"call"})"}) {
    Outbox out = d.send(A, text);
    EXPECT_EQ(recipients(out).count(B), 0u) << text;
  }
  EXPECT_EQ(d.machine().session_count(B), 1u);
}

// --- §12.10 limits -----------------------------------------------------------

TEST(Limits, RateLimitAllowsABurstThenDropsTheExcessWithOneNotice) {
  StateMachineConfig config;
  config.limits.rate_limit_per_second = 100;
  Driver d(config);
  int pongs = 0, limited = 0, silent = 0;
  for (int i = 0; i < 150; ++i) {  // 150 messages within 1.5 ms
    Outbox out = d.send(A, R"({"command":"ping"})", 10);
    const std::string def = definition_to(out, A);
    if (def == "pong") ++pongs;
    if (def == "rate_limited") ++limited;
    if (out.empty()) ++silent;
  }
  EXPECT_EQ(pongs, 100);
  EXPECT_EQ(limited, 1) << "the sender is told once, not once per dropped message";
  EXPECT_EQ(silent, 49);
  // one second later the bucket is full again
  EXPECT_EQ(definition_to(d.send(A, R"({"command":"ping"})", 1'000'000), A), "pong");
  // and a new burst gets a new notice, counting the 49 dropped silently
  for (int i = 0; i < 99; ++i) d.send(A, R"({"command":"ping"})", 10);  // the refilled bucket
  auto notice = only<proto::Error>(d.send(A, R"({"command":"ping"})", 10), A);
  EXPECT_EQ(notice.definition, "rate_limited");
  EXPECT_NE(notice.information.find("50 dropped"), std::string::npos) << notice.information;
}

TEST(Limits, RateLimitIsPerSocket) {
  StateMachineConfig config;
  config.limits.rate_limit_per_second = 10;
  Driver d(config);
  for (int i = 0; i < 20; ++i) d.send(A, R"({"command":"ping"})", 10);
  EXPECT_EQ(definition_to(d.send(B, R"({"command":"ping"})", 10), B), "pong");
}

TEST(Limits, SessionsPerSocket) {
  StateMachineConfig config;
  config.limits.max_sessions_per_socket = 3;
  Driver d(config);
  d.send(A, R"({"command":"join","streamId":"c1"})");
  d.send(A, R"({"command":"join","streamId":"c2"})");
  d.send(A, R"({"command":"joinRoom","room":"r1","streamId":"me"})");
  auto error = only<proto::Error>(d.send(A, R"({"command":"join","streamId":"c4"})"), A);
  EXPECT_EQ(error.definition, "too_many_sessions");
  EXPECT_EQ(d.machine().session_count(A), 3u);
  d.send(A, R"({"command":"leave","streamId":"c1"})");
  EXPECT_EQ(definition_to(d.send(A, R"({"command":"join","streamId":"c4"})"), A), "joined");
}

// --- §12.9 tokens -------------------------------------------------------------

class Tokens : public ::testing::Test {
 protected:
  Tokens() : d(with_secret()) {}
  static StateMachineConfig with_secret() {
    StateMachineConfig config;
    config.token_secret = "topsecret";
    return config;
  }
  std::string token(const std::string &claims) { return mint_token(claims, "topsecret"); }
  std::string join_with(const std::string &token) {
    return definition_to(
        d.send(A, R"({"command":"join","streamId":"cam1","mode":"both","token":")" + token + "\"}"),
        A);
  }
  // exp far in the future relative to the driver's clock (1.7e9)
  const std::string exp = R"(,"exp":4102444800)";
  Driver d;
};

TEST_F(Tokens, Valid) {
  EXPECT_EQ(join_with(token(R"({"streamId":"cam1","type":"publish")" + exp + "}")), "joined");
}

TEST_F(Tokens, Expired) {
  EXPECT_EQ(join_with(token(R"({"streamId":"cam1","type":"publish","exp":1600000000})")),
            "unauthorized_access");
}

TEST_F(Tokens, WrongStreamId) {
  EXPECT_EQ(join_with(token(R"({"streamId":"cam2","type":"publish")" + exp + "}")),
            "unauthorized_access");
}

TEST_F(Tokens, WrongType) {
  EXPECT_EQ(join_with(token(R"({"streamId":"cam1","type":"play")" + exp + "}")),
            "unauthorized_access");
  // and the play type is what a play-only join needs
  Outbox out = d.send(B, R"({"command":"join","streamId":"cam1","mode":"play","token":")" +
                             token(R"({"streamId":"cam1","type":"play")" + exp + "}") + "\"}");
  EXPECT_EQ(definition_to(out, B), "joined");
}

TEST_F(Tokens, ForgedSignature) {
  const std::string forged =
      mint_token(R"({"streamId":"cam1","type":"publish")" + exp + "}", "guess");
  EXPECT_EQ(join_with(forged), "unauthorized_access");
  // claims edited after signing
  std::string edited = token(R"({"streamId":"cam1","type":"publish")" + exp + "}");
  const std::string other = token(R"({"streamId":"cam9","type":"publish")" + exp + "}");
  edited = other.substr(0, other.rfind('.')) + edited.substr(edited.rfind('.'));
  EXPECT_EQ(join_with(edited), "unauthorized_access");
}

TEST_F(Tokens, MissingWhenRequired) {
  Outbox out = d.send(A, R"({"command":"join","streamId":"cam1"})");
  auto error = only<proto::Error>(out, A);
  EXPECT_EQ(error.definition, "unauthorized_access");
  EXPECT_EQ(error.stream_id, "cam1");
  EXPECT_EQ(d.machine().session_count(A), 0u);
}

TEST_F(Tokens, PresentWhenNotRequiredIsIgnored) {
  Driver open_server;  // no secret
  Outbox out = open_server.send(A, R"({"command":"join","streamId":"cam1","token":"anything"})");
  EXPECT_EQ(definition_to(out, A), "joined");
}

TEST_F(Tokens, RoomTokenNamesTheRoom) {
  Outbox out = d.send(A, R"({"command":"joinRoom","room":"conf","streamId":"me","token":")" +
                             token(R"({"room":"conf","type":"publish")" + exp + "}") + "\"}");
  EXPECT_EQ(definition_to(out, A), "joinedTheRoom");
  out = d.send(B, R"({"command":"joinRoom","room":"conf","streamId":"you","token":")" +
                      token(R"({"streamId":"conf","type":"publish")" + exp + "}") + "\"}");
  EXPECT_EQ(definition_to(out, B), "unauthorized_access");
}

TEST_F(Tokens, PublishAndPlayAreCheckedToo) {
  auto error = only<proto::Error>(d.send(A, R"({"command":"publish","streamId":"cam1"})"), A);
  EXPECT_EQ(error.definition, "unauthorized_access");
  error = only<proto::Error>(
      d.send(A, R"({"command":"publish","streamId":"cam1","token":")" +
                    token(R"({"streamId":"cam1","type":"publish")" + exp + "}") + "\"}"),
      A);
  EXPECT_EQ(error.definition, "webrtc_not_enabled") << "token accepted; this state machine has no media plane";
}

TEST(TokenCodec, KnownAnswer) {
  // Made independently with Python's hmac/hashlib (see docs/server.md).
  const char *token =
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
      "eyJzdHJlYW1JZCI6ImNhbTEiLCJ0eXBlIjoicHVibGlzaCIsImV4cCI6NDEwMjQ0NDgwMH0."
      "jI4hcLAcBk5AZ1MoNF44S-vrB0HJzeprNTtM6iER1z0";
  EXPECT_EQ(mint_token(R"({"streamId":"cam1","type":"publish","exp":4102444800})", "topsecret"),
            token);
  EXPECT_EQ(verify_token(token, "topsecret", {"cam1", false, "publish", "", 1'700'000'000}),
            TokenVerdict::kValid);
  EXPECT_EQ(verify_token(token, "topsecret", {"cam1", false, "publish", "", 4102444800}),
            TokenVerdict::kExpired);
}

TEST(TokenCodec, RejectsMalformedAndAlgNone) {
  const TokenRequest request{"cam1", false, "publish", "", 0};
  EXPECT_EQ(verify_token("", "s", request), TokenVerdict::kMissing);
  for (const char *bad : {"abc", "a.b", "a.b.c.d", "!!.??.**", "e30.e30."}) {
    EXPECT_EQ(verify_token(bad, "s", request), TokenVerdict::kMalformed) << bad;
  }
  // {"alg":"none"} with an empty signature must never pass
  EXPECT_EQ(verify_token("eyJhbGciOiJub25lIn0."
                         "eyJzdHJlYW1JZCI6ImNhbTEiLCJ0eXBlIjoicHVibGlzaCIsImV4cCI6NDEwMjQ0NDgwMH0.",
                         "s", request),
            TokenVerdict::kMalformed);
}

// --- shutdown --------------------------------------------------------------

TEST(Shutdown, EveryoneIsToldThenClosedWith1001) {
  Driver d;
  d.send(A, R"({"command":"ping"})");
  d.send(B, R"({"command":"ping"})");
  Outbox out = d.machine().on_shutdown();
  for (ConnectionId id : {A, B}) {
    EXPECT_EQ(definition_to(out, id), "server_will_stop");
    bool closed = false;
    for (const Output &o : out) {
      if (const auto *close = std::get_if<CloseConnection>(&o); close && close->connection == id) {
        closed = true;
        EXPECT_EQ(close->code, 1001);
      }
    }
    EXPECT_TRUE(closed);
  }
}

}  // namespace
}  // namespace amsrtc::server::testing
