#include "exporter/yaml_reader.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "exporter/yaml_syntax_gaps.hpp"

namespace flowgate::exporter {
namespace {

using Done = YamlResult<void>;

int line_of(const YAML::Node& node) { return node.Mark().is_null() ? 0 : node.Mark().line + 1; }

bool is_plain(const YAML::Node& node) { return node.Tag() == "?"; }

std::string join(std::string_view path, std::string_view key) {
  return path.empty() ? std::string(key) : std::string(path) + "." + std::string(key);
}

// What a node is, for "expected X, got Y".
std::string describe(const YAML::Node& node) {
  if (node.IsMap()) return "a mapping";
  if (node.IsSequence()) return "a list";
  if (node.IsScalar()) return "the " + std::string(is_plain(node) ? "value" : "string") + " \"" + node.Scalar() + "\"";
  return "nothing";
}

struct Collector {
  std::string_view path;
  std::string_view type_name;
  YamlKeys keys;
  std::vector<YamlField> fields;
  std::set<std::string> map_seen;  // YamlKeys::map_keys: every key taken so far

  Done merge(const YAML::Node& value) {
    if (value.IsMap()) return mapping(value);
    if (value.IsSequence()) {
      // yaml.v2 applies a list of merged mappings last to first: the first wins.
      std::vector<YAML::Node> items(value.begin(), value.end());
      for (auto item = items.rbegin(); item != items.rend(); ++item) {
        if (!item->IsMap()) {
          return yaml_error(*item, join(path, "<<"), "a merge key takes a mapping or a list of mappings");
        }
        if (auto done = mapping(*item); !done) return done;
      }
      return {};
    }
    return yaml_error(value, join(path, "<<"), "a merge key takes a mapping or a list of mappings");
  }

  Done mapping(const YAML::Node& node) {
    std::set<std::string> written;  // the keys of this one mapping node
    for (auto entry = node.begin(); entry != node.end(); ++entry) {
      // Copies (a handle each): entry-> yields a proxy that ends with the
      // expression, so a reference to its member would dangle.
      const YAML::Node key = entry->first;
      const YAML::Node value = entry->second;
      if (key.IsScalar() && is_plain(key) && key.Scalar() == "<<") {
        if (auto done = merge(value); !done) return done;
        continue;
      }
      if (!key.IsScalar() && !key.IsNull()) {
        return yaml_error(key, path, "a key must be a string, not " + describe(key));
      }
      std::string text = key.IsNull() ? std::string() : key.Scalar();
      if (keys == YamlKeys::struct_fields && !written.insert(text).second) {
        return yaml_error(key, join(path, text), "field set twice in " + std::string(type_name));
      }
      if (keys == YamlKeys::map_keys && !map_seen.insert(text).second) {
        return yaml_error(key, join(path, text), "key \"" + text + "\" already set in the map");
      }
      fields.push_back(YamlField{text, join(path, text), value, line_of(key)});
    }
    return {};
  }
};

}  // namespace

YamlResult<YAML::Node> parse_yaml_document(std::string_view text) {
  if (auto refused = refused_yaml_text(text)) return YamlResult<YAML::Node>(boost::system::in_place_error, *refused);
  try {
    YAML::Node root = YAML::Load(std::string(text));
    if (auto refused = refused_yaml_nodes(root, text)) {
      return YamlResult<YAML::Node>(boost::system::in_place_error, *refused);
    }
    return YamlResult<YAML::Node>(boost::system::in_place_value, root);
  } catch (const YAML::Exception& error) {
    // In place: a YAML::Node converts from anything, the error too.
    return YamlResult<YAML::Node>(boost::system::in_place_error,
                                  "line " + std::to_string(error.mark.line + 1) + ": YAML syntax: " + error.msg);
  }
}

YamlError yaml_error(const YAML::Node& node, std::string_view key, std::string_view sentence) {
  int line = line_of(node);
  std::string where = line > 0 ? "line " + std::to_string(line) + ": " : std::string();
  return YamlError(where + std::string(key.empty() ? "(top level)" : key) + ": " + std::string(sentence));
}

YamlResult<std::vector<YamlField>> yaml_mapping(const YAML::Node& node, std::string_view path,
                                                 std::string_view type_name, YamlKeys keys) {
  if (!node.IsDefined() || node.IsNull()) return std::vector<YamlField>{};
  if (!node.IsMap()) {
    return yaml_error(node, path, "expected a mapping (" + std::string(type_name) + "), got " + describe(node));
  }
  Collector collector{path, type_name, keys, {}, {}};
  if (auto done = collector.mapping(node); !done) return done.error();
  return std::move(collector.fields);
}

YamlResult<std::vector<YAML::Node>> yaml_sequence(const YAML::Node& node, std::string_view path) {
  if (!node.IsDefined() || node.IsNull()) return std::vector<YAML::Node>{};
  if (!node.IsSequence()) return yaml_error(node, path, "expected a list, got " + describe(node));
  return std::vector<YAML::Node>(node.begin(), node.end());
}

YamlResult<std::string> yaml_string(const YAML::Node& node, std::string_view path) {
  // In place: MessageError has a (explicit) constructor from a string too.
  if (!node.IsDefined() || node.IsNull()) return YamlResult<std::string>(boost::system::in_place_value);
  if (!node.IsScalar()) return yaml_error(node, path, "expected a string, got " + describe(node));
  return YamlResult<std::string>(boost::system::in_place_value, node.Scalar());
}

YamlResult<bool> yaml_bool(const YAML::Node& node, std::string_view path) {
  static constexpr std::array<std::string_view, 11> kTrue = {"y", "Y", "yes", "Yes", "YES", "true",
                                                             "True", "TRUE", "on", "On", "ON"};
  static constexpr std::array<std::string_view, 11> kFalse = {"n", "N", "no", "No", "NO", "false",
                                                              "False", "FALSE", "off", "Off", "OFF"};
  if (!node.IsDefined() || node.IsNull()) return false;
  if (node.IsScalar() && (is_plain(node) || node.Tag() == "tag:yaml.org,2002:bool")) {
    const std::string& text = node.Scalar();
    if (std::find(kTrue.begin(), kTrue.end(), text) != kTrue.end()) return true;
    if (std::find(kFalse.begin(), kFalse.end(), text) != kFalse.end()) return false;
  }
  return yaml_error(node, path, "expected true or false (unquoted), got " + describe(node));
}

std::optional<std::string> read_config_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return std::move(text).str();
}

}  // namespace flowgate::exporter
