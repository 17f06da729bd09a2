#include "collectors/proc_stat.hpp"

#include "collectors/proc_text.hpp"

namespace flowgate::collectors {

std::optional<ProcStat> parse_proc_stat(std::string_view text) {
  ProcStat stat;
  bool saw_boot_time = false;
  for (const auto line : split_lines(text)) {
    const auto fields = split_fields(line);
    if (fields.size() < 2) continue;
    const std::string_view key = fields[0];
    if (key.size() > 3 && key.starts_with("cpu")) {
      CpuTicks cpu{std::string(key.substr(3)), {}, {}};
      const std::size_t columns = cpu.ticks.size() + cpu.guest_ticks.size();
      for (std::size_t column = 0; column < columns && column + 1 < fields.size(); ++column) {
        const auto ticks = parse_u64(fields[column + 1]);
        if (!ticks) return std::nullopt;
        auto& slot = column < cpu.ticks.size() ? cpu.ticks[column] : cpu.guest_ticks[column - cpu.ticks.size()];
        slot = *ticks;
      }
      stat.cpus.push_back(std::move(cpu));
    } else if (key == "btime") {
      const auto value = parse_u64(fields[1]);
      if (!value) return std::nullopt;
      stat.boot_time_seconds = *value;
      saw_boot_time = true;
    } else if (key == "processes") {
      stat.forks = parse_u64(fields[1]).value_or(0);
    } else if (key == "procs_running") {
      stat.procs_running = parse_u64(fields[1]).value_or(0);
    } else if (key == "procs_blocked") {
      stat.procs_blocked = parse_u64(fields[1]).value_or(0);
    }
  }
  if (!saw_boot_time) return std::nullopt;
  return stat;
}

}  // namespace flowgate::collectors
