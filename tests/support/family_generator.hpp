#pragma once
// Seeded generator of random but valid metric families of every type, for
// round-trip, cross-implementation and fuzz-seed tests. The same seed and
// options give the same families on every run and platform.

#include <cstddef>
#include <cstdint>

#include "exposition/model.hpp"

namespace flowgate::test_support {

struct GeneratorOptions {
  // Defaults give families that survive text 0.0.4 unchanged (but for -0,
  // written as 0, and gauge histograms, which text types as histograms).
  bool timestamps = true;          // some series carry timestamp_ms
  bool special_values = true;      // NaN, +Inf, -Inf and -0 among the values
  bool escapes_and_utf8 = true;    // `\`, `"`, LF and UTF-8 in label values and HELP
  bool gauge_histograms = true;    // gauge_histogram families among the histograms
  bool float_counts = true;        // some histograms with non-integral counts
  bool native_histograms = false;  // only protobuf carries them
  bool exemplars = false;          // OpenMetrics and protobuf only
  bool created = false;            // OpenMetrics and protobuf only
  bool units = false;              // OpenMetrics and protobuf only
  bool info_and_stateset = false;  // info and stateset families (OpenMetrics only; gauges elsewhere)
  // Names that promtool's lint accepts: counters end in _total, nothing else
  // does, and every family has a HELP.
  bool lint_clean = false;
  // Values OpenMetrics allows: counters, counts and sums non-negative and not
  // NaN, quantiles in [0, 1], bucket bounds non-negative.
  bool openmetrics_valid = false;
  std::size_t max_series_per_family = 5;
};

exposition::Families generate_families(std::uint64_t seed, std::size_t count, const GeneratorOptions& options = {});

}  // namespace flowgate::test_support
