#include "exporter/yaml_syntax_gaps.hpp"

#include <string>
#include <utility>
#include <vector>

namespace flowgate::exporter {
namespace {

using exposition::MessageError;

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

MessageError syntax_error(int line, std::string_view sentence) {
  return MessageError("line " + std::to_string(line) + ": YAML syntax: " + std::string(sentence));
}

// libyaml's reader: tab, line breaks, printable ASCII, NEL, and the
// non-control planes of Unicode.
bool printable(char32_t c) {
  return c == 0x09 || c == 0x0A || c == 0x0D || (c >= 0x20 && c <= 0x7E) || c == 0x85 || (c >= 0xA0 && c <= 0xD7FF) ||
         (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

// The code point at `at` and its length in bytes; length 0 for invalid UTF-8.
std::pair<char32_t, std::size_t> decode(std::string_view text, std::size_t at) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  unsigned char lead = byte(at);
  std::size_t length = lead < 0x80 ? 1
                       : (lead & 0xE0) == 0xC0 ? 2
                       : (lead & 0xF0) == 0xE0 ? 3
                       : (lead & 0xF8) == 0xF0 ? 4
                                               : 0;
  if (length == 0 || at + length > text.size()) return {0, 0};
  char32_t c = length == 1 ? lead : lead & (0x7F >> length);
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(at + i) & 0xC0) != 0x80) return {0, 0};
    c = (c << 6) | (byte(at + i) & 0x3F);
  }
  return {c, length};
}

std::optional<MessageError> refused_version(std::string_view line, int number) {
  if (!line.starts_with("%YAML")) return std::nullopt;
  std::string_view version = line.substr(5);
  while (!version.empty() && (version.front() == ' ' || version.front() == '\t')) version.remove_prefix(1);
  version = version.substr(0, version.find_first_of(" \t\r#"));
  if (version == "1.1") return std::nullopt;
  return syntax_error(number,
                      "%YAML " + std::string(version) + " is not 1.1, the version Prometheus' YAML reader takes");
}

// Whether the quoted scalar opening at `at` is closed before the end.
bool closed_quote(std::string_view text, std::size_t at) {
  char quote = text[at];
  for (std::size_t i = at + 1; i < text.size(); ++i) {
    if (quote == '"' && text[i] == '\\') {
      ++i;
    } else if (text[i] == quote) {
      if (quote == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
        ++i;  // '' is an escaped quote
      } else {
        return true;
      }
    }
  }
  return false;
}

// A quoted scalar at `node` that the end of `text` left open.
bool left_open(const YAML::Node& node, std::string_view text, std::size_t offset) {
  if (!node.IsScalar() || node.Tag() != "!" || node.Mark().pos < 0) return false;
  std::size_t at = static_cast<std::size_t>(node.Mark().pos) + offset;
  return at < text.size() && (text[at] == '"' || text[at] == '\'') && !closed_quote(text, at);
}

std::optional<MessageError> refused_node(const YAML::Node& node, std::string_view text, std::size_t offset, int depth) {
  if (depth > 1000) {
    return syntax_error(node.Mark().line + 1, "nested deeper than 1000 levels, or an alias contains itself");
  }
  if (left_open(node, text, offset)) {
    return syntax_error(node.Mark().line + 1, "found unexpected end of stream in a quoted string");
  }
  if (!node.IsMap() && !node.IsSequence()) return std::nullopt;
  for (auto entry = node.begin(); entry != node.end(); ++entry) {
    // A mapping entry's key and value; a sequence item is its own node.
    for (const YAML::Node& child : node.IsMap() ? std::vector<YAML::Node>{entry->first, entry->second}
                                                : std::vector<YAML::Node>{*entry}) {
      if (auto refused = refused_node(child, text, offset, depth + 1)) return refused;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<MessageError> refused_yaml_text(std::string_view text) {
  if (text.starts_with(kByteOrderMark)) text.remove_prefix(kByteOrderMark.size());
  int line = 1;
  bool directives = true;  // a %YAML directive comes before the first ---
  std::size_t line_start = 0;
  for (std::size_t at = 0; at < text.size();) {
    auto [c, length] = decode(text, at);
    if (length == 0) return syntax_error(line, "invalid UTF-8");
    if (!printable(c)) return syntax_error(line, "control characters are not allowed");
    if (at == line_start && directives) {
      std::string_view rest = text.substr(at, text.find('\n', at) - at);
      if (rest.starts_with("---")) directives = false;
      if (auto refused = refused_version(rest, line)) return refused;
    }
    at += length;
    if (c == '\n') {
      ++line;
      line_start = at;
    }
  }
  return std::nullopt;
}

std::optional<MessageError> refused_yaml_nodes(const YAML::Node& root, std::string_view text) {
  std::size_t offset = text.starts_with(kByteOrderMark) ? kByteOrderMark.size() : 0;
  return refused_node(root, text, offset, 0);
}

}  // namespace flowgate::exporter
