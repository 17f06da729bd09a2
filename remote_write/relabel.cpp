#include "remote_write/relabel.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <string>

#include <re2/re2.h>

#include "exposition/names.hpp"

namespace flowgate::remote_write {

struct Relabeler::Compiled {
  RelabelRule rule;
  std::unique_ptr<RE2> regex;
};

namespace {

using exposition::Labels;

const std::string* find_label(const Labels& labels, std::string_view name) {
  for (const auto& label : labels) {
    if (label.name == name) return &label.value;
  }
  return nullptr;
}

void set_label(Labels& labels, const std::string& name, std::string value) {
  auto found = std::find_if(labels.begin(), labels.end(), [&](const auto& label) { return label.name == name; });
  if (value.empty()) {
    if (found != labels.end()) labels.erase(found);
  } else if (found != labels.end()) {
    found->value = std::move(value);
  } else {
    labels.push_back({name, std::move(value)});
  }
}

std::string joined_sources(const RelabelRule& rule, const Labels& labels) {
  std::string joined;
  for (std::size_t i = 0; i < rule.source_labels.size(); ++i) {
    if (i > 0) joined += rule.separator;
    if (const std::string* value = find_label(labels, rule.source_labels[i])) joined += *value;
  }
  return joined;
}

bool is_word(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

// The group `name` refers to: a number, or a named group; "" when none.
std::string group_text(const RE2& regex, std::string_view name, const std::vector<re2::StringPiece>& groups) {
  int index = -1;
  if (std::all_of(name.begin(), name.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    index = name.size() < 4 ? std::stoi(std::string(name)) : -1;
  } else if (auto named = regex.NamedCapturingGroups().find(std::string(name));
             named != regex.NamedCapturingGroups().end()) {
    index = named->second;
  }
  if (index < 0 || static_cast<std::size_t>(index) >= groups.size() || groups[index].data() == nullptr) return {};
  return std::string(groups[index].data(), groups[index].size());
}

// Go's Regexp.ExpandString: "$$" is '$'; "$name" takes the longest run of
// word characters; "${name}" is braced; a '$' that starts neither is kept.
std::string expand(const RE2& regex, std::string_view replacement, const std::vector<re2::StringPiece>& groups) {
  std::string out;
  for (std::size_t i = 0; i < replacement.size(); ++i) {
    if (replacement[i] != '$' || i + 1 == replacement.size()) {
      out += replacement[i];
      continue;
    }
    if (replacement[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    std::size_t start = i + 1;
    std::size_t end = start;
    bool braced = replacement[start] == '{';
    if (braced) {
      end = replacement.find('}', start);
      if (end == std::string_view::npos || end == start + 1) {
        out += '$';
        continue;
      }
      out += group_text(regex, replacement.substr(start + 1, end - start - 1), groups);
      i = end;
      continue;
    }
    while (end < replacement.size() && is_word(replacement[end])) ++end;
    if (end == start) {
      out += '$';
      continue;
    }
    out += group_text(regex, replacement.substr(start, end - start), groups);
    i = end - 1;
  }
  return out;
}

bool full_match(const RE2& regex, std::string_view text, std::vector<re2::StringPiece>& groups) {
  groups.assign(static_cast<std::size_t>(regex.NumberOfCapturingGroups()) + 1, re2::StringPiece());
  return regex.Match(re2::StringPiece(text.data(), text.size()), 0, text.size(), RE2::ANCHOR_BOTH, groups.data(),
                     static_cast<int>(groups.size()));
}

void replace(const RE2& regex, const RelabelRule& rule, Labels& labels) {
  const std::string value = joined_sources(rule, labels);
  std::vector<re2::StringPiece> groups;
  if (!full_match(regex, value, groups)) return;
  const std::string target = expand(regex, rule.target_label, groups);
  if (!exposition::is_label_name(target)) return;
  set_label(labels, target, expand(regex, rule.replacement, groups));
}

void labelmap(const RE2& regex, const RelabelRule& rule, Labels& labels) {
  Labels added;
  std::vector<re2::StringPiece> groups;
  for (const auto& label : labels) {
    if (full_match(regex, label.name, groups)) added.push_back({expand(regex, rule.replacement, groups), label.value});
  }
  for (auto& label : added) set_label(labels, label.name, std::move(label.value));
}

std::string changed_case(std::string value, bool upper) {
  std::transform(value.begin(), value.end(), value.begin(),
                 [upper](unsigned char c) { return upper ? std::toupper(c) : std::tolower(c); });
  return value;
}

}  // namespace

Relabeler::Relabeler(const std::vector<RelabelRule>& rules) {
  for (const auto& rule : rules) {
    auto regex = std::make_unique<RE2>("^(?:" + rule.regex + ")$", RE2::Quiet);
    if (!regex->ok()) throw std::logic_error("relabel regex was not checked: " + rule.regex);
    rules_.push_back(Compiled{rule, std::move(regex)});
  }
}

Relabeler::Relabeler(Relabeler&&) noexcept = default;
Relabeler& Relabeler::operator=(Relabeler&&) noexcept = default;
Relabeler::~Relabeler() = default;

bool Relabeler::empty() const { return rules_.empty(); }

void Relabeler::apply(std::vector<TimeSeries>& series) const {
  if (rules_.empty()) return;
  std::erase_if(series, [this](TimeSeries& one) { return !apply(one.labels); });
}

bool Relabeler::apply(Labels& labels) const {
  std::vector<re2::StringPiece> groups;
  for (const auto& compiled : rules_) {
    // Named references, not a structured binding: clang 14 refuses a
    // lambda that captures a binding (the labelkeep/labeldrop filter).
    const RelabelRule& rule = compiled.rule;
    const std::unique_ptr<RE2>& regex = compiled.regex;
    switch (rule.action) {
      case RelabelAction::keep:
        if (!full_match(*regex, joined_sources(rule, labels), groups)) return false;
        break;
      case RelabelAction::drop:
        if (full_match(*regex, joined_sources(rule, labels), groups)) return false;
        break;
      case RelabelAction::replace: replace(*regex, rule, labels); break;
      case RelabelAction::labelmap: labelmap(*regex, rule, labels); break;
      case RelabelAction::labelkeep:
      case RelabelAction::labeldrop: {
        const bool keep = rule.action == RelabelAction::labelkeep;
        std::erase_if(labels, [&](const auto& label) { return full_match(*regex, label.name, groups) != keep; });
        break;
      }
      case RelabelAction::lowercase:
      case RelabelAction::uppercase:
        set_label(labels, rule.target_label,
                  changed_case(joined_sources(rule, labels), rule.action == RelabelAction::uppercase));
        break;
    }
  }
  std::sort(labels.begin(), labels.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return true;
}

}  // namespace flowgate::remote_write
