#include "pushgw/push_limits.hpp"

#include <string>

#include "pushgw/label_rules.hpp"

namespace flowgate::pushgw {

namespace {

boost::system::result<void, PushError> check_labels(const exposition::Family& family, const exposition::Labels& labels,
                                                    const PushLimits& limits) {
  for (const auto& label : labels) {
    if (exceeds_limit(label.name.size(), limits.max_label_name_bytes)) {
      return PushError(PushErrorKind::label_name_too_long,
                       "family " + quoted_start(family.name) + ": label name " + quoted_start(label.name) + " has " +
                           std::to_string(label.name.size()) + " bytes, " +
                           over_limit(limits.max_label_name_bytes, "push.max-label-name-bytes"));
    }
    if (exceeds_limit(label.value.size(), limits.max_label_value_bytes)) {
      return PushError(PushErrorKind::label_value_too_long,
                       "family " + quoted_start(family.name) + ": the value of label " + quoted_start(label.name) +
                           " has " + std::to_string(label.value.size()) + " bytes, " +
                           over_limit(limits.max_label_value_bytes, "push.max-label-value-bytes"));
    }
  }
  return {};
}

}  // namespace

std::string over_limit(std::size_t limit, std::string_view flag) {
  return "more than the limit of " + std::to_string(limit) + " (--" + std::string(flag) + ")";
}

boost::system::result<void, PushError> check_push_limits(const exposition::Families& families,
                                                         const PushLimits& limits) {
  for (const auto& family : families) {
    if (exceeds_limit(family.name.size(), limits.max_label_value_bytes)) {
      return PushError(PushErrorKind::label_value_too_long,
                       "metric name " + quoted_start(family.name) + " has " + std::to_string(family.name.size()) +
                           " bytes, " + over_limit(limits.max_label_value_bytes, "push.max-label-value-bytes"));
    }
    for (const auto& metric : family.metrics) {
      if (auto checked = check_labels(family, metric.labels, limits); !checked) return checked;
    }
  }
  return {};
}

}  // namespace flowgate::pushgw
