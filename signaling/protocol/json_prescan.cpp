#include "json_prescan.h"

#include <cstring>
#include <set>

namespace amsrtc::protocol::detail {
namespace {

bool is_nul_escape(std::string_view text, std::size_t u_pos) {
  // text[u_pos] == 'u'; a NUL escape is \u0000.
  return text.substr(u_pos + 1, 4) == "0000";
}

// Bytes that may appear outside strings in standard JSON: structure,
// whitespace, numbers and the letters of true/false/null.
bool is_json_syntax_byte(char c) {
  static constexpr char kSyntax[] = "{}[],: \t\n\r-+.eEtrufalsn";
  return (c >= '0' && c <= '9') || (c != '\0' && std::strchr(kSyntax, c) != nullptr);
}

}  // namespace

PrescanResult prescan_json(std::string_view text, int max_depth) {
  PrescanResult result;
  int depth = 0;
  bool top_is_object = false;
  std::set<std::string_view> top_level_names;
  std::string_view last_top_level_string;

  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"') {
      // Walk to the closing quote, honouring escapes.
      const std::size_t start = i + 1;
      std::size_t j = start;
      for (; j < text.size() && text[j] != '"'; ++j) {
        if (text[j] != '\\') continue;
        if (j + 1 < text.size() && text[j + 1] == 'u' && is_nul_escape(text, j + 1)) {
          result.problem = PrescanResult::Problem::kNulEscape;
          return result;
        }
        // JSON has eight escapes; json-glib turns others (\2) into bytes
        // that do not survive re-encoding (found by the fuzzer).
        if (j + 1 < text.size() &&
            (text[j + 1] == '\0' || std::strchr("\"\\/bfnrtu", text[j + 1]) == nullptr)) {
          result.problem = PrescanResult::Problem::kNotJson;
          return result;
        }
        ++j;  // skip the escaped character
      }
      if (depth == 1) last_top_level_string = text.substr(start, j - start);
      i = j;
      continue;
    }
    switch (c) {
      case '{':
      case '[':
        if (depth == 0) top_is_object = (c == '{');
        if (++depth > max_depth) {
          result.problem = PrescanResult::Problem::kTooDeep;
          return result;
        }
        break;
      case '}':
      case ']':
        if (depth > 0) --depth;
        break;
      case ':':
        if (depth == 1 && top_is_object) {
          ++result.top_level_members;
          if (!top_level_names.insert(last_top_level_string).second) {
            result.problem = PrescanResult::Problem::kDuplicateMember;
            result.duplicate_member = std::string(last_top_level_string);
            return result;
          }
        }
        break;
      default:
        if (!is_json_syntax_byte(c)) {
          result.problem = PrescanResult::Problem::kNotJson;
          result.offset = i;
          return result;
        }
        break;
    }
  }
  return result;
}

}  // namespace amsrtc::protocol::detail
