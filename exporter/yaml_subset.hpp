#pragma once
// A strict parser for the YAML subset web-config files use: block mappings
// nested by indentation, block sequences ("- item"), flow sequences of
// scalars ("[a, b]"), plain, single- and double-quoted scalars, comments and
// "---". Anchors, tags, multi-line scalars and flow mappings are refused with
// a line number rather than misread. Pure function.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/system/result.hpp>

namespace flowgate::exporter {

struct YamlEntry;

struct YamlNode {
  enum class Kind { null, scalar, mapping, sequence };
  Kind kind = Kind::null;
  std::string scalar;
  std::vector<YamlEntry> mapping;  // in file order
  std::vector<YamlNode> sequence;
  int line = 0;      // 1-based line where the node starts
  int key_line = 0;  // a mapping value: the line of its key (a block value starts below it)
};

struct YamlEntry {
  std::string key;
  YamlNode value;
};

struct YamlError {
  YamlError() = default;
  YamlError(int at_line, std::string sentence) : line(at_line), message(std::move(sentence)) {}
  int line = 0;
  std::string message;
};

boost::system::result<YamlNode, YamlError> parse_yaml_subset(std::string_view text);

// The whole text of a config file; nullopt when it cannot be read.
std::optional<std::string> read_config_file(const std::string& path);

}  // namespace flowgate::exporter
