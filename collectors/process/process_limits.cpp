#include "collectors/process/process_limits.hpp"

#include <cstdint>
#include <limits>

#include "collectors/proc_text.hpp"

namespace flowgate::collectors {

std::optional<double> soft_limit(std::string_view limits, std::string_view limit) {
  for (const auto line : split_lines(limits)) {
    if (!line.starts_with(limit)) continue;
    const auto fields = split_fields(line.substr(limit.size()));
    if (fields.empty()) return std::nullopt;
    if (fields[0] == "unlimited") return static_cast<double>(std::numeric_limits<std::uint64_t>::max());
    const auto value = parse_u64(fields[0]);
    if (!value) return std::nullopt;
    return static_cast<double>(*value);
  }
  return std::nullopt;
}

}  // namespace flowgate::collectors
