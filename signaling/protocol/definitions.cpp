#include "definitions.h"

#include <array>
#include <utility>

namespace amsrtc::protocol {
namespace {

#define AMSRTC_NOTIFICATION_ROW(name, text) \
  std::pair{NotificationKind::name, std::string_view{text}},
#define AMSRTC_ERROR_ROW(name, text) std::pair{ErrorKind::name, std::string_view{text}},

constexpr std::array kNotificationTable{AMSRTC_NOTIFICATION_DEFINITIONS(AMSRTC_NOTIFICATION_ROW)};
constexpr std::array kErrorTable{AMSRTC_ERROR_DEFINITIONS(AMSRTC_ERROR_ROW)};

#undef AMSRTC_NOTIFICATION_ROW
#undef AMSRTC_ERROR_ROW

template <typename Kind, typename Table>
Kind lookup_kind(const Table &table, std::string_view text) {
  for (const auto &[kind, name] : table) {
    if (name == text) return kind;
  }
  return Kind::kUnknown;
}

template <typename Kind, typename Table>
std::string_view lookup_text(const Table &table, Kind kind) {
  for (const auto &[k, name] : table) {
    if (k == kind) return name;
  }
  return {};
}

}  // namespace

NotificationKind notification_kind(std::string_view definition) {
  return lookup_kind<NotificationKind>(kNotificationTable, definition);
}

ErrorKind error_kind(std::string_view definition) {
  return lookup_kind<ErrorKind>(kErrorTable, definition);
}

std::string_view definition_text(NotificationKind kind) {
  return lookup_text(kNotificationTable, kind);
}

std::string_view definition_text(ErrorKind kind) { return lookup_text(kErrorTable, kind); }

}  // namespace amsrtc::protocol
