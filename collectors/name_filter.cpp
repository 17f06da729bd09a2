// g++ 12 at -O1 with sanitizers reports a false -Wmaybe-uninitialized inside
// <regex>'s std::function members (GCC bug 105562); keeping every use of
// std::regex in this one file confines the suppression to it.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "collectors/name_filter.hpp"

#include <regex>
#include <stdexcept>

namespace flowgate::collectors {

struct NameFilter::Compiled {
  std::regex regex;
};

NameFilter::NameFilter(const std::string& pattern, std::string_view flag) {
  try {
    compiled_ = std::make_unique<const Compiled>(
        Compiled{std::regex(pattern, std::regex::ECMAScript | std::regex::optimize)});
  } catch (const std::regex_error& e) {
    throw std::invalid_argument(std::string(flag) + ": invalid regular expression \"" + pattern +
                                "\": " + e.what());
  }
}

NameFilter::NameFilter(NameFilter&&) noexcept = default;
NameFilter& NameFilter::operator=(NameFilter&&) noexcept = default;
NameFilter::~NameFilter() = default;

bool NameFilter::excludes(std::string_view name) const {
  return std::regex_search(name.begin(), name.end(), compiled_->regex);
}

}  // namespace flowgate::collectors
