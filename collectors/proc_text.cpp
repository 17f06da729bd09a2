#include "collectors/proc_text.hpp"

#include <charconv>

namespace flowgate::collectors {

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const auto end = text.find('\n');
    lines.push_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  constexpr std::string_view kBlanks = " \t";
  for (auto start = line.find_first_not_of(kBlanks); start != std::string_view::npos;
       start = line.find_first_not_of(kBlanks, start)) {
    const auto end = line.find_first_of(kBlanks, start);
    fields.push_back(line.substr(start, end - start));
    if (end == std::string_view::npos) break;
    start = end;
  }
  return fields;
}

std::optional<std::uint64_t> parse_u64(std::string_view field) {
  std::uint64_t value = 0;
  const auto* end = field.data() + field.size();
  const auto [ptr, ec] = std::from_chars(field.data(), end, value);
  if (ec != std::errc{} || ptr != end || field.empty()) return std::nullopt;
  return value;
}

}  // namespace flowgate::collectors
