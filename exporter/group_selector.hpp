#pragma once
// Which groups a rule of --web.authorization.file covers: a selector spelled
// as in PromQL, `{job="billing", instance=~"web-.*"}`, matched against a
// push's grouping key. `=` compares the whole value; `=~` matches a regular
// expression against the whole value (anchored and with `.` matching newlines,
// as PromQL compiles it; RE2 syntax, the one Prometheus users write, through
// RE2 itself, so matching takes time linear in the value). A label the key
// lacks has the empty value, as in PromQL; labels the selector does not name
// may take any value; `{}` covers every group.
// Immutable after parsing, so thread-safe.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/system/result.hpp>

#include "exposition/model.hpp"

namespace re2 {
class RE2;
}

namespace flowgate::exporter {

class GroupSelector {
 public:
  // The error names the column (1-based) and what was expected there.
  static boost::system::result<GroupSelector, std::string> parse(std::string_view text);

  // `key`: the grouping key's labels (any order, unique names).
  bool matches(const exposition::Labels& key) const;
  const std::string& text() const { return text_; }

 private:
  struct Matcher {
    std::string name;
    std::string value;                             // `=`: the value
    std::shared_ptr<const re2::RE2> pattern;  // `=~`: set, compiled from value
  };
  std::string text_;
  std::vector<Matcher> matchers_;
};

}  // namespace flowgate::exporter
