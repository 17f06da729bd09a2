#pragma once
// What libyaml, and so Go's yaml.v2 (a translation of it), refuses as YAML
// but yaml-cpp 0.7 takes: characters outside YAML's printable set, a %YAML
// directive other than 1.1, and a quoted string the end of the file leaves
// open (yaml-cpp closes it silently). Without these checks flowgate would
// accept files promtool refuses. Pure functions; each names the line.

#include <optional>
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "exposition/message_error.hpp"

namespace flowgate::exporter {

// Before parsing: invalid UTF-8, control characters, %YAML 1.2.
std::optional<exposition::MessageError> refused_yaml_text(std::string_view text);

// After parsing `text` into `root`: an unterminated quoted scalar, or nesting
// deeper than yaml.v2 goes (an alias that contains itself is endless).
std::optional<exposition::MessageError> refused_yaml_nodes(const YAML::Node& root, std::string_view text);

}  // namespace flowgate::exporter
