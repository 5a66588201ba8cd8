// amsrtc-wire-decode: reads protocol messages (one JSON object per line, or
// capture lines of the form "... -> {json}") from files or stdin, decodes
// each with the amsrtc protocol library and prints the command, its stream
// id and the re-encoded text, or the precise decode error.
//
//   amsrtc-wire-decode tests/fixtures/ams-sdk-2.16.2/wire_dump.txt
//   echo '{"command":"play","streamId":"a/b"}' | amsrtc-wire-decode
#include <fstream>
#include <iostream>
#include <string>

#include "signaling/protocol/codec.h"

namespace {

struct Counts {
  int decoded = 0;
  int rejected = 0;
};

void decode_stream(std::istream &in, Counts &counts) {
  namespace proto = amsrtc::protocol;
  std::string line;
  while (std::getline(in, line)) {
    // Capture files mark what the client sent with "-> "; other lines are
    // commentary. Plain input is taken as one message per line.
    std::string text = line;
    if (const auto arrow = line.find("-> {"); arrow != std::string::npos) {
      text = line.substr(arrow + 3);
    } else if (line.empty() || line[0] != '{') {
      continue;
    }
    const proto::Decoded decoded = proto::decode(text);
    if (decoded) {
      ++counts.decoded;
      const auto &message = decoded.message();
      std::cout << "ok   " << proto::command_name(message);
      if (auto id = proto::stream_id_of(message); !id.empty()) {
        std::cout << " [" << id << "]";
      }
      std::cout << "\n     " << proto::encode(message) << "\n";
    } else {
      ++counts.rejected;
      const proto::Error reply = proto::error_reply_for(decoded.error());
      std::cout << "err  " << decoded.error().describe() << "\n     reply: " << proto::encode(reply)
                << "\n";
    }
  }
}

}  // namespace

int main(int argc, char **argv) {
  Counts counts;
  if (argc < 2) {
    decode_stream(std::cin, counts);
  }
  for (int i = 1; i < argc; ++i) {
    std::ifstream file(argv[i]);
    if (!file) {
      std::cerr << "amsrtc-wire-decode: cannot open " << argv[i] << "\n";
      return 2;
    }
    decode_stream(file, counts);
  }
  std::cout << counts.decoded << " decoded, " << counts.rejected << " rejected\n";
  return 0;
}
