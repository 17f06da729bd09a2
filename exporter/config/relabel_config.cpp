#include "exporter/config/relabel_config.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

#include <re2/re2.h>

#include "exposition/names.hpp"

namespace flowgate::exporter {
namespace {

using remote_write::RelabelAction;
using remote_write::RelabelRule;
using Done = boost::system::result<void, exposition::MessageError>;

exposition::MessageError at(int line, std::string_view path, std::string_view sentence) {
  return exposition::MessageError("line " + std::to_string(line) + ": " + std::string(path) + ": " +
                                  std::string(sentence));
}

constexpr std::array<std::pair<std::string_view, RelabelAction>, 8> kActions = {{
    {"replace", RelabelAction::replace},
    {"keep", RelabelAction::keep},
    {"drop", RelabelAction::drop},
    {"labelkeep", RelabelAction::labelkeep},
    {"labeldrop", RelabelAction::labeldrop},
    {"labelmap", RelabelAction::labelmap},
    {"lowercase", RelabelAction::lowercase},
    {"uppercase", RelabelAction::uppercase},
}};

std::string_view action_name(RelabelAction action) {
  for (auto [name, value] : kActions) {
    if (value == action) return name;
  }
  return "replace";
}

Done read_action(const YamlField& field, RelabelAction& out) {
  auto text = yaml_string(field.value, field.path);
  if (!text) return text.error();
  std::string lower = *text;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  for (auto [name, value] : kActions) {
    if (name == lower) {
      out = value;
      return {};
    }
  }
  if (lower == "hashmod" || lower == "keepequal" || lower == "dropequal") {
    return at(field.line, field.path, "relabel action " + lower + " is not supported by flowgate's remote write");
  }
  return at(field.line, field.path, "unknown relabel action \"" + *text + "\"");
}

Done read_source_labels(const YamlField& field, RelabelRule& rule) {
  auto items = yaml_sequence(field.value, field.path);
  if (!items) return items.error();
  rule.source_labels.clear();
  for (std::size_t i = 0; i < items->size(); ++i) {
    auto name = yaml_string((*items)[i], field.path + "[" + std::to_string(i) + "]");
    if (!name) return name.error();
    if (!exposition::is_label_name(*name)) {
      return at(field.line, field.path, "\"" + *name + "\" is not a valid label name");
    }
    rule.source_labels.push_back(std::move(*name));
  }
  return {};
}

Done read_regex(const YamlField& field, RelabelRule& rule) {
  auto text = yaml_string(field.value, field.path);
  if (!text) return text.error();
  RE2 compiled("^(?:" + *text + ")$", RE2::Quiet);
  if (!compiled.ok()) return at(field.line, field.path, "invalid regex \"" + *text + "\": " + compiled.error());
  rule.regex = std::move(*text);
  return {};
}

struct ReadRule {
  RelabelRule rule;
  bool source_labels_set = false;
  bool separator_set = false;
  bool replacement_set = false;
  bool modulus_set = false;
};

Done read_rule_field(const YamlField& field, ReadRule& read) {
  auto read_text = [&](std::string& out) -> Done {
    auto text = yaml_string(field.value, field.path);
    if (!text) return text.error();
    out = std::move(*text);
    return {};
  };
  if (field.key == "action") return read_action(field, read.rule.action);
  if (field.key == "source_labels") {
    read.source_labels_set = !field.value.IsNull();
    return read_source_labels(field, read.rule);
  }
  if (field.key == "separator") {
    read.separator_set = true;
    return read_text(read.rule.separator);
  }
  if (field.key == "regex") return read_regex(field, read.rule);
  if (field.key == "target_label") return read_text(read.rule.target_label);
  if (field.key == "replacement") {
    read.replacement_set = true;
    return read_text(read.rule.replacement);
  }
  if (field.key == "modulus") {
    read.modulus_set = true;
    std::string ignored;
    return read_text(ignored);
  }
  return at(field.line, field.path, "field " + field.key + " not found in type relabel.plain");
}

// A target label may name a label or hold ${1}-style references.
bool valid_target(std::string_view target) {
  static const RE2 kTarget(R"(^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$)");
  return RE2::FullMatch(std::string(target), kTarget);
}

Done check_rule(const ReadRule& read, int line, const std::string& path) {
  const RelabelRule& rule = read.rule;
  const std::string action(action_name(rule.action));
  const bool case_action = rule.action == RelabelAction::lowercase || rule.action == RelabelAction::uppercase;
  if ((rule.action == RelabelAction::replace || case_action) && rule.target_label.empty()) {
    return at(line, path, "relabel configuration for " + action + " action requires 'target_label' value");
  }
  if ((rule.action == RelabelAction::replace || case_action) && !valid_target(rule.target_label)) {
    return at(line, path, "\"" + rule.target_label + "\" is invalid 'target_label' for " + action + " action");
  }
  if (case_action && !exposition::is_label_name(rule.target_label)) {
    return at(line, path, "\"" + rule.target_label + "\" is invalid 'target_label' for " + action + " action");
  }
  if (case_action && rule.replacement != "$1") {
    return at(line, path, "'replacement' can not be set for " + action + " action");
  }
  if (rule.action == RelabelAction::labelmap && !valid_target(rule.replacement)) {
    return at(line, path, "\"" + rule.replacement + "\" is invalid 'replacement' for " + action + " action");
  }
  const bool label_action = rule.action == RelabelAction::labelkeep || rule.action == RelabelAction::labeldrop;
  if (label_action && (read.source_labels_set || !rule.target_label.empty() || read.modulus_set ||
                       rule.separator != ";" || rule.replacement != "$1")) {
    return at(line, path, action + " action requires only 'regex', and no other fields");
  }
  return {};
}

}  // namespace

Done read_relabel_rules(const YamlField& section, std::vector<RelabelRule>& out) {
  auto items = yaml_sequence(section.value, section.path);
  if (!items) return items.error();
  out.clear();
  for (std::size_t i = 0; i < items->size(); ++i) {
    const YAML::Node& node = (*items)[i];
    const std::string path = section.path + "[" + std::to_string(i) + "]";
    const int line = node.Mark().is_null() ? section.line : node.Mark().line + 1;
    if (node.IsNull()) return at(line, section.path, "empty or null relabeling rule in remote write config");
    auto fields = yaml_mapping(node, path, "relabel.Config", YamlKeys::struct_fields);
    if (!fields) return fields.error();
    ReadRule read;
    read.rule.line = line;
    for (const auto& field : *fields) {
      if (auto done = read_rule_field(field, read); !done) return done;
    }
    if (auto checked = check_rule(read, line, path); !checked) return checked;
    out.push_back(std::move(read.rule));
  }
  return {};
}

}  // namespace flowgate::exporter
