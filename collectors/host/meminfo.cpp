#include "collectors/host/meminfo.hpp"

#include "collectors/proc_text.hpp"

namespace flowgate::collectors {

std::optional<std::uint64_t> meminfo_bytes(std::string_view meminfo, std::string_view field) {
  for (const auto line : split_lines(meminfo)) {
    const auto fields = split_fields(line);
    // "MemAvailable:   123456 kB"; a few fields (HugePages_*) have no unit.
    if (fields.size() < 2 || fields[0].size() != field.size() + 1 || !fields[0].starts_with(field) ||
        fields[0].back() != ':') {
      continue;
    }
    const auto value = parse_u64(fields[1]);
    if (!value) return std::nullopt;
    const bool in_kib = fields.size() > 2 && fields[2] == "kB";
    return in_kib ? *value * 1024 : *value;
  }
  return std::nullopt;
}

}  // namespace flowgate::collectors
