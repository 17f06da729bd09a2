#include "collectors/process/process_stat.hpp"

#include "collectors/proc_text.hpp"

namespace flowgate::collectors {
namespace {

// proc(5) field numbers minus 3: counted from the state, the first field
// after the command name.
constexpr std::size_t kUtime = 11;
constexpr std::size_t kStime = 12;
constexpr std::size_t kNumThreads = 17;
constexpr std::size_t kStartTime = 19;
constexpr std::size_t kVsize = 20;
constexpr std::size_t kRss = 21;

}  // namespace

std::optional<ProcessStat> parse_process_stat(std::string_view text) {
  const auto command_end = text.rfind(')');
  if (command_end == std::string_view::npos) return std::nullopt;
  const auto fields = split_fields(split_lines(text.substr(command_end + 1)).front());
  if (fields.size() <= kRss) return std::nullopt;
  const auto utime = parse_u64(fields[kUtime]);
  const auto stime = parse_u64(fields[kStime]);
  const auto threads = parse_u64(fields[kNumThreads]);
  const auto start = parse_u64(fields[kStartTime]);
  const auto vsize = parse_u64(fields[kVsize]);
  const auto rss = parse_u64(fields[kRss]);
  if (!utime || !stime || !threads || !start || !vsize || !rss) return std::nullopt;
  return ProcessStat{*utime, *stime, *threads, *start, *vsize, *rss};
}

}  // namespace flowgate::collectors
