// Template members of WsClient.
#pragma once

#include <gtest/gtest.h>

#include "wait.h"

namespace amsrtc::testing {

template <typename T>
T WsClient::wait_for(unsigned timeout_ms, std::size_t *from) {
  std::size_t &position = from != nullptr ? *from : cursor_;
  const T *found = nullptr;
  auto scan = [&] {
    for (; position < received_.size(); ++position) {
      const auto &frame = received_[position];
      if (frame.decoded.ok()) {
        if (const T *message = std::get_if<T>(&frame.decoded.message())) {
          found = message;
          ++position;
          return true;
        }
      }
    }
    return false;
  };
  if (!wait_until(scan, timeout_ms)) {
    std::string last = received_.empty() ? "(nothing)" : received_.back().text;
    ADD_FAILURE() << "no '" << T::kCommand << "' within " << timeout_ms
                  << " ms; last frame: " << last.substr(0, 300);
    return T{};
  }
  return *found;
}

template <typename T>
std::vector<T> WsClient::all() const {
  std::vector<T> messages;
  for (const auto &frame : received_) {
    if (!frame.decoded.ok()) continue;
    if (const T *message = std::get_if<T>(&frame.decoded.message())) messages.push_back(*message);
  }
  return messages;
}

}  // namespace amsrtc::testing
