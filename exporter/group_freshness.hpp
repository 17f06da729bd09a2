#pragma once
// How fresh each pushed group is, as two gauges per group that alerts and
// dashboards use without arithmetic on push_time_seconds:
//   flowgate_group_last_push_age_seconds  seconds since its last successful
//                                         push (absent while it has none)
//   flowgate_group_up                     1 while its last push succeeded and
//                                         it is younger than its deadline
// each labelled with the group's grouping key (instance="" when absent), as
// push_time_seconds is. A group's deadline is the push interval it declares
// (the value of its gauge `interval_metric`, docs/task-metrics.md), else its
// time to live (declared, else --push.group-ttl), else none. Computed from
// the snapshot at scrape time; groups whose grouping label names are not
// legacy names are left out (flowgate's own families are written unescaped).

#include <optional>
#include <string>
#include <string_view>

#include "exposition/model.hpp"
#include "pushgw/snapshot.hpp"

namespace flowgate::exporter {

inline constexpr std::string_view kGroupUpName = "flowgate_group_up";
inline constexpr std::string_view kGroupLastPushAgeName = "flowgate_group_last_push_age_seconds";

struct FreshnessOptions {
  double default_ttl_seconds = 0;  // --push.group-ttl; 0: none
  std::string interval_metric = "prefect_task_expected_push_interval_seconds";
};

// Both families (the age first), series in group order; empty families are
// returned too (the scrape skips them).
exposition::Families group_freshness_families(const pushgw::Snapshot& snapshot, double now_seconds,
                                              const FreshnessOptions& options);

// The deadline of `group` in seconds (0: none), as described above.
double group_deadline_seconds(const pushgw::Group& group, const FreshnessOptions& options);

}  // namespace flowgate::exporter
