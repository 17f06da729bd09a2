#pragma once
// Reads typed values out of a YAML document (yaml-cpp) the way Go's
// gopkg.in/yaml.v2 UnmarshalStrict reads them into struct fields, so that the
// config files Prometheus' tools accept are accepted here and the ones they
// refuse are refused: YAML 1.1 booleans (yes/no/on/off) only when unquoted,
// any scalar into a string, null as the zero value, merge keys (<<), and
// duplicate keys refused. Every error names the line (1-based) and the dotted
// key, "line 4: http_server_config.http2: ...". Pure functions.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/system/result.hpp>
#include <yaml-cpp/yaml.h>

#include "exposition/message_error.hpp"

namespace flowgate::exporter {

using YamlError = exposition::MessageError;
template <class T>
using YamlResult = boost::system::result<T, YamlError>;

// The first document of `text` (an empty text is a null document); a syntax
// error names its line.
YamlResult<YAML::Node> parse_yaml_document(std::string_view text);

// "line N: key: sentence" at `node` (the key alone when the line is unknown).
YamlError yaml_error(const YAML::Node& node, std::string_view key, std::string_view sentence);

struct YamlField {
  std::string key;  // the key's text; `path` joined with it names the field in errors
  std::string path;
  YAML::Node value;
  int line = 0;  // the key's line
};

// What a key given twice means, as in yaml.v2 strict mode: a struct refuses a
// field written twice in one mapping but lets a field it holds override one
// merged in by <<; a map refuses any key it already holds, merged or not.
enum class YamlKeys { struct_fields, map_keys };

// The entries of the mapping at `node` (named `path` in errors, e.g.
// "tls_server_config"), merge keys resolved, in the order yaml.v2 applies them
// (a later entry overrides an earlier one). Null is an empty mapping; a
// scalar or a sequence is refused naming `type_name`.
YamlResult<std::vector<YamlField>> yaml_mapping(const YAML::Node& node, std::string_view path,
                                                 std::string_view type_name, YamlKeys keys);

// The items of the sequence at `node`; null is empty.
YamlResult<std::vector<YAML::Node>> yaml_sequence(const YAML::Node& node, std::string_view path);

// Any scalar's text, as yaml.v2 stores a scalar into a string field; null is "".
YamlResult<std::string> yaml_string(const YAML::Node& node, std::string_view path);

// An unquoted YAML 1.1 boolean (true/false, yes/no, on/off, y/n in three
// casings); null is false, as yaml.v2 zeroes the field.
YamlResult<bool> yaml_bool(const YAML::Node& node, std::string_view path);

// The whole text of a config file; nullopt when it cannot be read.
std::optional<std::string> read_config_file(const std::string& path);

}  // namespace flowgate::exporter
