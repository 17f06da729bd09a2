#pragma once
// The fields of /proc/<pid>/stat the process collector publishes. Pure
// parsing; the caller reads the file.

#include <cstdint>
#include <optional>
#include <string_view>

namespace flowgate::collectors {

struct ProcessStat {
  std::uint64_t user_ticks = 0;    // utime, USER_HZ
  std::uint64_t system_ticks = 0;  // stime, USER_HZ
  std::uint64_t threads = 0;
  std::uint64_t start_ticks = 0;  // starttime, USER_HZ after boot
  std::uint64_t virtual_bytes = 0;
  std::uint64_t resident_pages = 0;
};

// Nothing when the line is truncated or a field is not a number. The command
// name may hold spaces and parentheses; fields are counted after its last ')'.
std::optional<ProcessStat> parse_process_stat(std::string_view text);

}  // namespace flowgate::collectors
