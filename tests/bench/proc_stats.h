// CPU time and resident memory of a process, read from /proc: how the
// benchmarks measure a server they did not start themselves.
#pragma once

#include <sys/types.h>

#include <cstdint>

namespace amsrtc::bench {

struct ProcSample {
  double cpu_s = 0;    // user + system CPU time since the process started
  uint64_t rss_kb = 0;  // VmRSS
  bool ok = false;     // false: the process is gone
};

ProcSample sample_process(pid_t pid);

}  // namespace amsrtc::bench
