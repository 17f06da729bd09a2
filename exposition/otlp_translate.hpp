#pragma once
// An OTLP export as Prometheus families, one group per OTLP resource, by the
// OpenTelemetry → Prometheus compatibility specification and as Prometheus
// 3's OTLP receiver does it (differences are listed in exposition/README.md):
//
// - `service.namespace`/`service.name` → job ("unknown_service" without a
//   name), `service.instance.id` → instance; the other resource attributes go
//   into `target_info` (a gauge of 1), and those named in
//   `promote_resource_attributes` onto every series too.
// - gauges → gauges; monotonic sums → counters; non-monotonic cumulative sums
//   → gauges; histograms → classic histograms; exponential histograms →
//   native histograms plus classic buckets at their bucket bounds (what a text
//   scrape shows); summaries → summaries. Start times become `_created`.
// - Delta sums and histograms (both kinds) become cumulative against
//   `DeltaState`: a pure function of the state given, whose new entries come
//   back for the caller to store with the groups (so a restart that recovers
//   the store recovers the counters). A delta point not newer than the last
//   one added for its series is a resend and is not added again.
// - Point timestamps are not kept (a push gateway's series have none); a
//   point flagged "no recorded value" ends its series.
//
// Pure function; safe from any thread.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "exposition/model.hpp"
#include "exposition/otlp_model.hpp"
#include "exposition/otlp_names.hpp"

namespace flowgate::exposition::otlp {

struct TranslateOptions {
  NamingOptions naming;
  std::vector<std::string> promote_resource_attributes;  // attribute keys copied onto every series
  bool target_info = true;
};

// The running total of one series that arrives as deltas.
struct DeltaSeries {
  std::uint64_t start_time_unix_nano = 0;  // of the first delta added: the counter's start
  std::uint64_t last_time_unix_nano = 0;   // of the last delta added
  double value = 0;                        // sums
  // Histograms: explicit ones keep their bounds; exponential ones their scale
  // and dense buckets from an offset, as OTLP sends them.
  std::uint64_t count = 0;
  double sum = 0;
  std::vector<double> bounds;
  std::vector<std::uint64_t> buckets;
  std::int32_t scale = 0;
  std::uint64_t zero_count = 0;
  ExponentialBuckets positive;
  ExponentialBuckets negative;
  friend bool operator==(const DeltaSeries&, const DeltaSeries&) = default;
};

// Keyed by delta_key(): the group, the family and the series.
using DeltaState = std::map<std::string, DeltaSeries>;
std::string delta_key(const Labels& grouping, std::string_view family, const Labels& labels);
// Where translate finds a series' running total before this request: the
// entry of `key` (a delta_key) in the group of `grouping`, or null. Lets a
// caller keep each group's totals with the group.
using DeltaLookup = std::function<const DeltaSeries*(const Labels& grouping, const std::string& key)>;

struct TranslatedGroup {
  Labels grouping;    // job, and instance when the resource names one; sorted by name
  Families families;  // sorted by name; target_info among them when there are attributes for it
  // Series whose point said "no recorded value": (family, labels).
  std::vector<std::pair<std::string, Labels>> ended;
  DeltaState delta_updates;  // this group's share of Translation::delta_updates
};

struct Translation {
  std::vector<TranslatedGroup> groups;  // in resource order; two resources of one group are merged
  DeltaState delta_updates;             // new entries for the caller's DeltaState
  std::uint64_t rejected_points = 0;    // OTLP partial success
  std::vector<std::string> rejections;  // one sentence per rejected metric, naming it
};

Translation translate(const ExportRequest& request, const TranslateOptions& options, const DeltaState& state);
// The same, reading the running totals through `totals` (e.g. from each group).
Translation translate_with_totals(const ExportRequest& request, const TranslateOptions& options,
                                  const DeltaLookup& totals);

}  // namespace flowgate::exposition::otlp
