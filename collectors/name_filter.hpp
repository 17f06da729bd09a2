#pragma once
// An exclude filter from a regular expression flag, as node_exporter's
// *-exclude flags: a name is excluded when the expression matches anywhere in
// it (unanchored, as Go's MatchString; write ^...$ to anchor). RE2 syntax
// through RE2 itself, so node_exporter's patterns work as written, e.g.
// `(?i)^lo$`. Immutable after construction; excludes() is safe from any thread.

#include <memory>
#include <string>
#include <string_view>

namespace flowgate::collectors {

class NameFilter {
 public:
  // Throws std::invalid_argument naming `flag` when `pattern` does not
  // compile (a start-up misconfiguration).
  NameFilter(const std::string& pattern, std::string_view flag);
  NameFilter(NameFilter&&) noexcept;
  NameFilter& operator=(NameFilter&&) noexcept;
  ~NameFilter();

  bool excludes(std::string_view name) const;

 private:
  // RE2's header stays inside name_filter.cpp.
  struct Compiled;
  std::unique_ptr<const Compiled> compiled_;
};

}  // namespace flowgate::collectors
