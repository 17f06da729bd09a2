#include "exposition/otlp_names.hpp"

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

namespace flowgate::exposition::otlp {
namespace {

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':';
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Splits at every byte outside [a-zA-Z0-9:] (so '_' runs collapse).
std::vector<std::string> tokens(std::string_view text) {
  std::vector<std::string> out;
  std::string current;
  for (const char c : text) {
    if (is_name_char(c)) {
      current += c;
    } else if (!current.empty()) {
      out.push_back(std::move(current));
      current.clear();
    }
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// UCUM units as words. Unknown units stay as written (then cleaned to the grammar).
std::string_view unit_word(std::string_view unit) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 26> kWords{{
      {"d", "days"},        {"h", "hours"},         {"min", "minutes"},    {"s", "seconds"},
      {"ms", "milliseconds"}, {"us", "microseconds"}, {"ns", "nanoseconds"}, {"By", "bytes"},
      {"KiBy", "kibibytes"}, {"MiBy", "mebibytes"},   {"GiBy", "gibibytes"}, {"TiBy", "tibibytes"},
      {"KBy", "kilobytes"},  {"MBy", "megabytes"},    {"GBy", "gigabytes"},  {"TBy", "terabytes"},
      {"m", "meters"},       {"V", "volts"},          {"A", "amperes"},      {"J", "joules"},
      {"W", "watts"},        {"g", "grams"},          {"Cel", "celsius"},    {"Hz", "hertz"},
      {"1", ""},             {"%", "percent"},
  }};
  for (const auto& [code, word] : kWords) {
    if (code == unit) return word;
  }
  return unit;
}

std::string_view per_unit_word(std::string_view unit) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kWords{{
      {"s", "second"}, {"m", "minute"}, {"h", "hour"}, {"d", "day"}, {"w", "week"}, {"mo", "month"}, {"y", "year"},
  }};
  for (const auto& [code, word] : kWords) {
    if (code == unit) return word;
  }
  return unit;
}

bool is_annotation(std::string_view unit) { return unit.find_first_of("{}") != std::string_view::npos; }

// A unit word in the name grammar: invalid bytes as '_', runs collapsed, no leading '_'.
std::string cleaned_unit(std::string_view word) {
  std::string out;
  for (const char c : word) {
    const char mapped = is_name_char(c) ? c : '_';
    if (mapped == '_' && (out.empty() || out.back() == '_')) continue;
    out += mapped;
  }
  return out;
}

// The unit as suffixes: "By/s" → {"bytes", "per_second"}; annotations in braces give none.
std::pair<std::string, std::string> unit_suffixes(std::string_view unit) {
  const std::size_t slash = unit.find('/');
  const std::string_view main = trim(unit.substr(0, slash));
  const std::string_view per = slash == std::string_view::npos ? std::string_view() : trim(unit.substr(slash + 1));
  std::string main_suffix = main.empty() || is_annotation(main) ? "" : cleaned_unit(unit_word(main));
  std::string per_suffix = per.empty() || is_annotation(per) ? "" : cleaned_unit("per_" + std::string(per_unit_word(per)));
  while (!per_suffix.empty() && per_suffix.back() == '_') per_suffix.pop_back();
  if (per_suffix == "per") per_suffix.clear();
  if (!per_suffix.empty()) {
    while (!main_suffix.empty() && main_suffix.back() == '_') main_suffix.pop_back();
  }
  return {main_suffix, per_suffix};
}

void append_suffix(std::vector<std::string>& name, std::string_view word) {
  std::erase(name, std::string(word));
  name.emplace_back(word);
}

std::string joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty()) out += '_';
    out += part;
  }
  return out;
}

bool only_underscores(std::string_view s) { return s.find_first_not_of('_') == std::string_view::npos; }

}  // namespace

std::optional<std::string> metric_name(std::string_view name, std::string_view unit, NameKind kind,
                                       const NamingOptions& options) {
  if (options.utf8) {
    std::string out(name);
    if (options.add_suffixes && unit == "1" && kind == NameKind::gauge && !out.ends_with("_ratio")) out += "_ratio";
    if (options.add_suffixes && kind == NameKind::counter && !out.ends_with("_total")) out += "_total";
    if (out.empty() || only_underscores(out)) return std::nullopt;
    return out;
  }
  std::vector<std::string> parts = tokens(name);
  if (options.add_suffixes) {
    // A unit suffix the name already has as a word is not added again.
    auto [main_suffix, per_suffix] = unit_suffixes(unit);
    const auto has = [&](const std::string& word) { return std::find(parts.begin(), parts.end(), word) != parts.end(); };
    if (!main_suffix.empty() && !has(main_suffix)) parts.push_back(std::move(main_suffix));
    if (!per_suffix.empty() && !has(per_suffix)) parts.push_back(std::move(per_suffix));
    if (kind == NameKind::counter) append_suffix(parts, "total");
    if (unit == "1" && kind == NameKind::gauge) append_suffix(parts, "ratio");
  }
  std::string out = joined(parts);
  if (out.empty()) return std::nullopt;
  if (is_digit(out.front())) out.insert(out.begin(), '_');
  return out;
}

std::optional<std::string> label_name(std::string_view key, const NamingOptions& options) {
  if (key.empty()) return std::nullopt;
  if (options.utf8) {
    if (only_underscores(key)) return std::nullopt;
    return std::string(key);
  }
  // Invalid bytes become '_' and runs of '_' collapse; a reserved "__x__"
  // keeps its underscores around the cleaned inside.
  const bool reserved = key.size() >= 4 && key.starts_with("__") && key.ends_with("__");
  const std::string_view inside = reserved ? key.substr(2, key.size() - 4) : key;
  std::string out;
  for (const char c : inside) {
    const bool valid = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c);
    if (valid) {
      out += c;
    } else if (out.empty() || out.back() != '_') {
      out += '_';
    }
  }
  if (reserved) out = "__" + out + "__";
  if (out.empty()) return std::nullopt;
  if (is_digit(out.front())) out = "key_" + out;
  if (only_underscores(out)) return std::nullopt;
  return out;
}

}  // namespace flowgate::exposition::otlp
