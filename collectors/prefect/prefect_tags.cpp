#include "collectors/prefect/prefect_tags.hpp"

#include <algorithm>

#include "exposition/utf8.hpp"

namespace flowgate::collectors::prefect {

namespace {

// Distinct refused tags remembered, so that a tag seen at every poll is
// counted once; past this, new ones are no longer counted.
constexpr std::size_t kMaxRemembered = 1000;

bool is_label_name_part(std::string_view key) {
  return !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::string printable(std::string_view tag) {
  std::string out;
  for (const char c : tag) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f) {
      out += c;
    } else {
      static constexpr std::string_view kHex = "0123456789abcdef";
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0x0f];
    }
  }
  return out;
}

void refuse(TagLabelState& state, const std::string& tag, const std::string& reason, const std::string& sentence) {
  if (state.refused_tags.size() >= kMaxRemembered || !state.refused_tags.insert(reason + "/" + tag).second) return;
  state.refused[reason] += 1;
  state.last_refusal = sentence;
}

}  // namespace

std::vector<std::string> split_tag_labels(std::string_view list) {
  std::vector<std::string> keys;
  std::size_t start = 0;
  while (start <= list.size()) {
    const auto end = std::min(list.find(',', start), list.size());
    auto entry = list.substr(start, end - start);
    while (!entry.empty() && entry.front() == ' ') entry.remove_prefix(1);
    while (!entry.empty() && entry.back() == ' ') entry.remove_suffix(1);
    if (!entry.empty()) keys.emplace_back(entry);
    start = end + 1;
  }
  return keys;
}

std::optional<std::string> check_tag_labels(const std::vector<std::string>& keys) {
  std::set<std::string_view> seen;
  for (const auto& key : keys) {
    if (!is_label_name_part(key)) {
      return "--prefect.tag-labels: \"" + printable(key) +
             "\" cannot follow tag_ in a label name (letters, digits and '_' only)";
    }
    if (!seen.insert(key).second) return "--prefect.tag-labels: \"" + key + "\" is given twice";
  }
  return std::nullopt;
}

std::vector<std::string> tag_label_values(const std::vector<std::string>& tags, const std::vector<std::string>& keys,
                                          std::size_t values_per_label, TagLabelState& state) {
  std::vector<std::string> values(keys.size());
  std::vector<bool> set(keys.size(), false);
  for (const auto& tag : tags) {
    const auto colon = tag.find(':');
    const std::string key = tag.substr(0, colon);
    const auto at = std::find(keys.begin(), keys.end(), key);
    if (at == keys.end()) continue;
    const auto index = static_cast<std::size_t>(at - keys.begin());
    if (set[index]) continue;  // the first tag with this key wins
    std::string value = colon == std::string::npos ? "true" : tag.substr(colon + 1);
    if (!exposition::is_valid_utf8(value)) {
      refuse(state, tag, "invalid_utf8",
             "Prefect tag \"" + printable(tag) + "\" skipped: its value is not valid UTF-8, so it cannot be a label value");
      continue;
    }
    auto& used = state.values[key];
    if (!used.contains(value) && used.size() >= values_per_label) {
      refuse(state, tag, "over_limit",
             "Prefect tag \"" + printable(tag) + "\" reads tag_" + key + "=\"other\": the label already has " +
                 std::to_string(values_per_label) + " values (--prefect.tag-values-limit)");
      value = "other";
    } else {
      used.insert(value);
    }
    values[index] = std::move(value);
    set[index] = true;
  }
  return values;
}

std::vector<std::string> tag_label_names(const std::vector<std::string>& keys) {
  std::vector<std::string> names;
  for (const auto& key : keys) names.push_back("tag_" + key);
  return names;
}

}  // namespace flowgate::collectors::prefect
