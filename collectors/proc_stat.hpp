#pragma once
// The parts of /proc/stat the collectors publish: per-CPU times (libstatgrab
// only reports the total), runnable/blocked counts and the boot time.
// Pure parsing; the caller reads the file.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flowgate::collectors {

// Ticks (USER_HZ) in node_exporter's modes, in this order.
inline constexpr std::array<std::string_view, 8> kCpuModes = {
    "user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"};

// Time spent running guests, already included in user and nice.
inline constexpr std::array<std::string_view, 2> kCpuGuestModes = {"user", "nice"};

struct CpuTicks {
  std::string cpu;  // "0", "1", ... as in node_cpu_seconds_total{cpu}
  std::array<std::uint64_t, kCpuModes.size()> ticks{};
  std::array<std::uint64_t, kCpuGuestModes.size()> guest_ticks{};
};

struct ProcStat {
  std::vector<CpuTicks> cpus;
  std::uint64_t procs_running = 0;
  std::uint64_t procs_blocked = 0;
  std::uint64_t boot_time_seconds = 0;
  std::uint64_t forks = 0;  // the "processes" line
};

// Nothing when `text` lacks btime or a cpuN line is malformed. Kernels older
// than the steal column (2.6.11) report missing modes as 0.
std::optional<ProcStat> parse_proc_stat(std::string_view text);

}  // namespace flowgate::collectors
