#pragma once
// The wall clock in Unix seconds, the unit the store's push times, the
// self-metrics and the status page use. Safe from any thread.

#include <chrono>

namespace flowgate::exporter {

inline double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace flowgate::exporter
