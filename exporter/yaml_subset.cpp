#include "exporter/yaml_subset.hpp"

#include <fstream>
#include <optional>
#include <sstream>

namespace flowgate::exporter {
namespace {

struct Line {
  int number = 0;
  std::size_t indent = 0;
  std::string_view text;  // without indentation, comment and trailing spaces
};

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  return trim_right(s);
}

// Cuts a comment: '#' at the start or after a space, outside quotes.
std::string_view strip_comment(std::string_view s) {
  char quote = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      if (i == 0 || s[i - 1] == ' ' || s[i - 1] == '[' || s[i - 1] == ',') quote = c;
    } else if (c == '#' && (i == 0 || s[i - 1] == ' ')) {
      return s.substr(0, i);
    }
  }
  return s;
}

class Parser {
 public:
  explicit Parser(std::vector<Line> lines) : lines_(std::move(lines)) {}

  boost::system::result<YamlNode, YamlError> document() {
    if (lines_.empty()) return YamlNode{};
    auto node = block(lines_[0].indent);
    if (!node) return node.error();
    if (pos_ < lines_.size()) return YamlError(lines_[pos_].number, "unexpected indentation");
    return node;
  }

 private:
  boost::system::result<YamlNode, YamlError> block(std::size_t indent) {
    const Line& first = lines_[pos_];
    if (first.text == "-" || first.text.starts_with("- ")) return sequence(indent);
    return mapping(indent);
  }

  boost::system::result<YamlNode, YamlError> sequence(std::size_t indent) {
    YamlNode node;
    node.kind = YamlNode::Kind::sequence;
    node.line = lines_[pos_].number;
    while (pos_ < lines_.size() && lines_[pos_].indent == indent &&
           (lines_[pos_].text == "-" || lines_[pos_].text.starts_with("- "))) {
      Line& line = lines_[pos_];
      std::string_view rest = line.text == "-" ? std::string_view{} : trim(line.text.substr(2));
      if (rest.empty()) {
        ++pos_;
        if (pos_ < lines_.size() && lines_[pos_].indent > indent) {
          auto item = block(lines_[pos_].indent);
          if (!item) return item.error();
          node.sequence.push_back(std::move(*item));
        } else {
          YamlNode empty;
          empty.line = line.number;
          node.sequence.push_back(std::move(empty));
        }
      } else if (key_end(rest)) {
        // "- key: value": the item is a mapping starting on this line.
        std::size_t item_indent = indent + static_cast<std::size_t>(line.text.size() - rest.size());
        line.text = rest;
        line.indent = item_indent;
        auto item = mapping(item_indent);
        if (!item) return item.error();
        node.sequence.push_back(std::move(*item));
      } else {
        auto item = value(rest, line.number);
        if (!item) return item.error();
        node.sequence.push_back(std::move(*item));
        ++pos_;
      }
    }
    return node;
  }

  boost::system::result<YamlNode, YamlError> mapping(std::size_t indent) {
    YamlNode node;
    node.kind = YamlNode::Kind::mapping;
    node.line = lines_[pos_].number;
    while (pos_ < lines_.size() && lines_[pos_].indent == indent) {
      const Line& line = lines_[pos_];
      auto colon = key_end(line.text);
      if (!colon) return YamlError(line.number, "expected \"key: value\"");
      auto key = scalar(trim(line.text.substr(0, *colon)), line.number);
      if (!key) return key.error();
      for (const auto& [existing, unused] : node.mapping) {
        if (existing == key->scalar) return YamlError(line.number, "duplicate key \"" + key->scalar + "\"");
      }
      std::string_view rest = trim(line.text.substr(*colon + 1));
      ++pos_;
      YamlNode child;
      child.line = line.number;
      if (!rest.empty()) {
        auto parsed = value(rest, line.number);
        if (!parsed) return parsed.error();
        child = std::move(*parsed);
      } else if (pos_ < lines_.size() && lines_[pos_].indent > indent) {
        auto parsed = block(lines_[pos_].indent);
        if (!parsed) return parsed.error();
        child = std::move(*parsed);
      } else if (pos_ < lines_.size() && lines_[pos_].indent == indent &&
                 (lines_[pos_].text == "-" || lines_[pos_].text.starts_with("- "))) {
        auto parsed = sequence(indent);
        if (!parsed) return parsed.error();
        child = std::move(*parsed);
      }
      child.key_line = line.number;
      node.mapping.push_back(YamlEntry{std::move(key->scalar), std::move(child)});
    }
    if (pos_ < lines_.size() && lines_[pos_].indent > indent) {
      return YamlError(lines_[pos_].number, "unexpected indentation");
    }
    return node;
  }

  // Position of the ':' that ends a key, outside quotes, followed by a space or the end.
  static std::optional<std::size_t> key_end(std::string_view text) {
    char quote = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
      char c = text[i];
      if (quote != 0) {
        if (c == quote) quote = 0;
      } else if ((c == '"' || c == '\'') && i == 0) {
        quote = c;
      } else if (c == ':' && (i + 1 == text.size() || text[i + 1] == ' ')) {
        return i;
      }
    }
    return std::nullopt;
  }

  static boost::system::result<YamlNode, YamlError> value(std::string_view text, int line) {
    if (text.front() == '[') {
      if (text.back() != ']') return YamlError(line, "unterminated flow sequence");
      YamlNode node;
      node.kind = YamlNode::Kind::sequence;
      node.line = line;
      std::string_view inner = trim(text.substr(1, text.size() - 2));
      while (!inner.empty()) {
        auto comma = inner.find(',');
        auto item = scalar(trim(inner.substr(0, comma)), line);
        if (!item) return item.error();
        node.sequence.push_back(std::move(*item));
        if (comma == std::string_view::npos) break;
        inner = trim(inner.substr(comma + 1));
      }
      return node;
    }
    return scalar(text, line);
  }

  static boost::system::result<YamlNode, YamlError> scalar(std::string_view text, int line) {
    YamlNode node;
    node.kind = YamlNode::Kind::scalar;
    node.line = line;
    if (text.empty()) return YamlError(line, "empty key or value");
    char first = text.front();
    if (first == '"') {
      if (text.size() < 2 || text.back() != '"') return YamlError(line, "unterminated double-quoted string");
      std::string_view inner = text.substr(1, text.size() - 2);
      for (std::size_t i = 0; i < inner.size(); ++i) {
        char c = inner[i];
        if (c == '"') return YamlError(line, "unescaped '\"' inside a double-quoted string");
        if (c != '\\') {
          node.scalar += c;
          continue;
        }
        if (++i == inner.size()) return YamlError(line, "dangling '\\' in a double-quoted string");
        switch (inner[i]) {
          case 'n': node.scalar += '\n'; break;
          case 't': node.scalar += '\t'; break;
          case '"': node.scalar += '"'; break;
          case '\\': node.scalar += '\\'; break;
          case '/': node.scalar += '/'; break;
          default: return YamlError(line, "unsupported escape in a double-quoted string");
        }
      }
      return node;
    }
    if (first == '\'') {
      if (text.size() < 2 || text.back() != '\'') return YamlError(line, "unterminated single-quoted string");
      std::string_view inner = text.substr(1, text.size() - 2);
      for (std::size_t i = 0; i < inner.size(); ++i) {
        if (inner[i] == '\'') {
          if (i + 1 < inner.size() && inner[i + 1] == '\'') {
            ++i;
          } else {
            return YamlError(line, "unescaped ''' inside a single-quoted string");
          }
        }
        node.scalar += inner[i];
      }
      return node;
    }
    if (std::string_view("&*!|>{%@`").find(first) != std::string_view::npos) {
      return YamlError(line, std::string("unsupported YAML construct starting with '") + first + "'");
    }
    if (text == "~" || text == "null") {
      node.kind = YamlNode::Kind::null;
      return node;
    }
    node.scalar = text;
    return node;
  }

  std::vector<Line> lines_;
  std::size_t pos_ = 0;
};

}  // namespace

boost::system::result<YamlNode, YamlError> parse_yaml_subset(std::string_view text) {
  std::vector<Line> lines;
  int number = 0;
  while (!text.empty()) {
    ++number;
    auto newline = text.find('\n');
    std::string_view raw = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
    std::size_t indent = 0;
    while (indent < raw.size() && raw[indent] == ' ') ++indent;
    if (indent < raw.size() && raw[indent] == '\t') return YamlError(number, "tabs are not allowed for indentation");
    std::string_view content = trim_right(strip_comment(raw.substr(indent)));
    if (content.empty()) continue;
    if (content == "---" && lines.empty()) continue;
    if (content == "---" || content == "...") return YamlError(number, "only one YAML document is allowed");
    lines.push_back(Line{number, indent, content});
  }
  return Parser(std::move(lines)).document();
}

std::optional<std::string> read_config_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return std::move(text).str();
}

}  // namespace flowgate::exporter
