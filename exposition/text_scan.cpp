#include "exposition/text_scan.hpp"

#include <algorithm>

namespace flowgate::exposition::text_scan {

LabelValueScan scan_label_value(std::string_view line, std::size_t begin) {
  LabelValueScan scan;
  std::size_t pos = begin;
  unsigned char high_bits = 0;
  // Eight bytes at a time while there is no '"', '\\' or non-ASCII byte.
  constexpr std::uint64_t kOnes = 0x0101010101010101ull;
  constexpr std::uint64_t kHighs = 0x8080808080808080ull;
  const auto has_zero_byte = [](std::uint64_t word) { return ((word - kOnes) & ~word & kHighs) != 0; };
  while (pos + 8 <= line.size()) {
    const std::uint64_t word = load64(line.data() + pos);
    if ((word & kHighs) != 0 || has_zero_byte(word ^ (kOnes * '"')) || has_zero_byte(word ^ (kOnes * '\\'))) break;
    pos += 8;
  }
  for (; pos < line.size(); ++pos) {
    const char c = line[pos];
    if (c == '"') break;
    high_bits |= static_cast<unsigned char>(c);
    if (c != '\\') continue;
    scan.escaped = true;
    const char next = pos + 1 < line.size() ? line[pos + 1] : '\n';
    if (next != '\\' && next != '"' && next != 'n') {
      scan.bad_escape = pos;
      return scan;
    }
    ++pos;
  }
  scan.non_ascii = (high_bits & 0x80) != 0;
  if (pos < line.size()) scan.end = pos;
  return scan;
}

void unescape_label_value(std::string_view raw, std::string& out) {
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\\') {
      out += raw[i];
      continue;
    }
    ++i;
    out += raw[i] == 'n' ? '\n' : raw[i];
  }
}

std::size_t unescape_help(std::string_view text, std::string& out) {
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out += text[i];
      continue;
    }
    const char next = i + 1 < text.size() ? text[i + 1] : '\n';
    if (next != '\\' && next != 'n' && next != '"') return i;
    out += next == 'n' ? '\n' : next;
    ++i;
  }
  return std::string_view::npos;
}

bool raw_equals(const RawLabel& raw, const std::string& value) {
  if (!raw.escaped) return raw.value == value;
  std::size_t j = 0;
  for (std::size_t i = 0; i < raw.value.size(); ++i, ++j) {
    char c = raw.value[i];
    if (c == '\\') {
      c = raw.value[++i] == 'n' ? '\n' : raw.value[i];
    }
    if (j >= value.size() || value[j] != c) return false;
  }
  return j == value.size();
}

std::uint64_t label_set_hash(std::span<const RawLabel> labels, std::uint64_t family) {
  std::uint64_t sum = 0;
  for (const RawLabel& label : labels) sum += hash_bytes(label.value, hash_bytes(label.name, 0x51ED27u));
  return mix(sum ^ (family * 0x9E3779B97F4A7C15ull));
}

namespace {

// Names are unique on both sides, so sorted by name they pair up.
bool same_labels_sorted(std::span<const RawLabel> labels, const Labels& stored) {
  std::vector<const RawLabel*> raw;
  std::vector<const Label*> kept;
  raw.reserve(labels.size());
  kept.reserve(stored.size());
  for (const RawLabel& label : labels) raw.push_back(&label);
  for (const Label& label : stored) kept.push_back(&label);
  std::sort(raw.begin(), raw.end(), [](const RawLabel* a, const RawLabel* b) { return a->name < b->name; });
  std::sort(kept.begin(), kept.end(), [](const Label* a, const Label* b) { return a->name < b->name; });
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i]->name != kept[i]->name || !raw_equals(*raw[i], kept[i]->value)) return false;
  }
  return true;
}

}  // namespace

bool same_labels(std::span<const RawLabel> labels, const Labels& stored) {
  if (stored.size() != labels.size()) return false;
  if (labels.size() > kPairwiseLabels) return same_labels_sorted(labels, stored);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    // Usually in the same order; fall back to a search when not.
    const RawLabel& raw = labels[i];
    const Label* match = stored[i].name == raw.name ? &stored[i] : nullptr;
    for (std::size_t j = 0; match == nullptr && j < stored.size(); ++j) {
      if (stored[j].name == raw.name) match = &stored[j];
    }
    if (match == nullptr || !raw_equals(raw, match->value)) return false;
  }
  return true;
}

const RawLabel* repeated_label(std::span<const RawLabel> labels) {
  std::vector<const RawLabel*> sorted;
  sorted.reserve(labels.size());
  for (const RawLabel& label : labels) sorted.push_back(&label);
  std::sort(sorted.begin(), sorted.end(), [](const RawLabel* a, const RawLabel* b) {
    return a->name != b->name ? a->name < b->name : a->pos < b->pos;
  });
  const auto same_name = [](const RawLabel* a, const RawLabel* b) { return a->name == b->name; };
  const auto duplicate = std::adjacent_find(sorted.begin(), sorted.end(), same_name);
  return duplicate == sorted.end() ? nullptr : duplicate[1];
}

}  // namespace flowgate::exposition::text_scan
