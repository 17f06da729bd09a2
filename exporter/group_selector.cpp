#include "exporter/group_selector.hpp"

#include <re2/re2.h>

namespace flowgate::exporter {
namespace {

class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  void skip_spaces() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
  }
  bool at_end() const { return pos_ == text_.size(); }
  bool at(std::string_view token) const { return text_.substr(pos_).starts_with(token); }
  bool take(std::string_view token) {
    if (at(token)) {
      pos_ += token.size();
      return true;
    }
    return false;
  }
  std::string error(std::string_view expected) const {
    return "column " + std::to_string(pos_ + 1) + ": expected " + std::string(expected);
  }

  bool name(std::string& out) {
    auto is_start = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
    if (at_end() || !is_start(text_[pos_])) return false;
    std::size_t start = pos_;
    while (pos_ < text_.size() && (is_start(text_[pos_]) || (text_[pos_] >= '0' && text_[pos_] <= '9'))) ++pos_;
    out = text_.substr(start, pos_ - start);
    return true;
  }

  // A double-quoted string with PromQL's common escapes: \\ \" \n \t.
  bool quoted(std::string& out) {
    if (!take("\"")) return false;
    out.clear();
    while (pos_ < text_.size()) {
      char c = text_[pos_++];
      if (c == '"') return true;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ == text_.size()) return false;
      switch (text_[pos_++]) {
        case '\\': out += '\\'; break;
        case '"': out += '"'; break;
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        default: --pos_; return false;
      }
    }
    return false;
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

std::string_view value_of(const exposition::Labels& key, std::string_view name) {
  for (const auto& label : key) {
    if (label.name == name) return label.value;
  }
  return {};
}

}  // namespace

boost::system::result<GroupSelector, std::string> GroupSelector::parse(std::string_view text) {
  GroupSelector selector;
  selector.text_ = text;
  Scanner in(text);
  in.skip_spaces();
  if (!in.take("{")) return in.error("'{'");
  for (;;) {
    in.skip_spaces();
    if (in.take("}")) break;
    Matcher matcher;
    if (!in.name(matcher.name)) return in.error("a label name or '}'");
    in.skip_spaces();
    bool regex = false;
    if (in.take("=~")) {
      regex = true;
    } else if (in.at("!=") || in.at("!~")) {
      return in.error("= or =~ (negative matchers are not supported in an allow-list)");
    } else if (!in.take("=")) {
      return in.error("= or =~");
    }
    in.skip_spaces();
    if (!in.quoted(matcher.value)) return in.error("a double-quoted value (escapes: \\\\ \\\" \\n \\t)");
    if (regex) {
      // PromQL compiles `=~` values as ^(?s:...)$: anchored, and `.` takes newlines too.
      RE2::Options options;
      options.set_dot_nl(true);
      options.set_log_errors(false);
      auto pattern = std::make_shared<const RE2>(matcher.value, options);
      if (!pattern->ok()) {
        return "invalid regular expression \"" + matcher.value + "\" for label " + matcher.name + ": " +
               pattern->error();
      }
      matcher.pattern = std::move(pattern);
    }
    selector.matchers_.push_back(std::move(matcher));
    in.skip_spaces();
    if (in.take("}")) break;
    if (!in.take(",")) return in.error("',' or '}'");
  }
  in.skip_spaces();
  if (!in.at_end()) return in.error("nothing after '}'");
  return selector;
}

bool GroupSelector::matches(const exposition::Labels& key) const {
  for (const auto& matcher : matchers_) {
    std::string_view value = value_of(key, matcher.name);
    if (!matcher.pattern) {
      if (value != matcher.value) return false;
      continue;
    }
    if (!RE2::FullMatch(re2::StringPiece(value.data(), value.size()), *matcher.pattern)) return false;
  }
  return true;
}

}  // namespace flowgate::exporter
