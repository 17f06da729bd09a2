#include "exporter/group_freshness.hpp"

#include <algorithm>
#include <cmath>

#include "exposition/names.hpp"
#include "pushgw/group.hpp"

namespace flowgate::exporter {
namespace {

// The interval a group declares: the first finite, positive value of its
// gauge `name` (re-read from its stored block: one series, small).
double declared_interval(const pushgw::Group& group, std::string_view name) {
  const pushgw::StoredFamily* family = group.find(name);
  if (family == nullptr || family->type != exposition::MetricType::gauge) return 0;
  for (const auto& metric : family->model().metrics) {
    if (std::isfinite(metric.value) && metric.value > 0) return metric.value;
  }
  return 0;
}

bool has_legacy_label_names(const pushgw::GroupingKey& key) {
  return std::all_of(key.labels.begin(), key.labels.end(), [](const exposition::Label& label) {
    return exposition::is_label_name(label.name, exposition::NameValidation::legacy);
  });
}

exposition::Metric sample(exposition::Labels labels, double value) {
  exposition::Metric metric;
  metric.labels = std::move(labels);
  metric.value = value;
  return metric;
}

exposition::Family gauge(std::string_view name, std::string_view help) {
  exposition::Family family;
  family.name = name;
  family.help = help;
  family.type = exposition::MetricType::gauge;
  return family;
}

}  // namespace

double group_deadline_seconds(const pushgw::Group& group, const FreshnessOptions& options) {
  if (const double interval = declared_interval(group, options.interval_metric); interval > 0) return interval;
  return group.ttl_seconds > 0 ? group.ttl_seconds : options.default_ttl_seconds;
}

exposition::Families group_freshness_families(const pushgw::Snapshot& snapshot, double now_seconds,
                                              const FreshnessOptions& options) {
  exposition::Families families;
  families.push_back(gauge(kGroupLastPushAgeName,
                           "Seconds since the group's last successful push (absent while it has none)."));
  families.push_back(gauge(kGroupUpName,
                           "1 while the group's last push succeeded and it is younger than the push interval it "
                           "declares (else its time to live, if any); else 0."));
  auto& ages = families[0].metrics;
  auto& ups = families[1].metrics;
  for (const auto& group : snapshot.groups()) {
    if (!has_legacy_label_names(group->key)) continue;
    exposition::Labels labels;
    pushgw::sanitize_labels(group->key, labels);
    const bool pushed = group->push_time_seconds > 0;
    const double age = std::max(0.0, now_seconds - group->push_time_seconds);
    if (pushed) ages.push_back(sample(labels, age));
    const double deadline = group_deadline_seconds(*group, options);
    const bool fresh = pushed && group->last_push_successful() && (deadline <= 0 || age <= deadline);
    ups.push_back(sample(std::move(labels), fresh ? 1.0 : 0.0));
  }
  return families;
}

}  // namespace flowgate::exporter
