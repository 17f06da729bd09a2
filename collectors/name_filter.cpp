#include "collectors/name_filter.hpp"

#include <stdexcept>

#include <re2/re2.h>

namespace flowgate::collectors {

struct NameFilter::Compiled {
  explicit Compiled(const std::string& pattern, const RE2::Options& options) : regex(pattern, options) {}
  RE2 regex;
};

namespace {

RE2::Options quiet_options() {
  RE2::Options options;
  options.set_log_errors(false);  // the error comes back in the exception instead
  return options;
}

}  // namespace

NameFilter::NameFilter(const std::string& pattern, std::string_view flag)
    : compiled_(std::make_unique<const Compiled>(pattern, quiet_options())) {
  if (!compiled_->regex.ok()) {
    throw std::invalid_argument(std::string(flag) + ": invalid regular expression \"" + pattern +
                                "\": " + compiled_->regex.error());
  }
}

NameFilter::NameFilter(NameFilter&&) noexcept = default;
NameFilter& NameFilter::operator=(NameFilter&&) noexcept = default;
NameFilter::~NameFilter() = default;

bool NameFilter::excludes(std::string_view name) const {
  return RE2::PartialMatch(re2::StringPiece(name.data(), name.size()), compiled_->regex);
}

}  // namespace flowgate::collectors
