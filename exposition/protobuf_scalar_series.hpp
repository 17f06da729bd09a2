#pragma once
// The series of a counter, gauge or untyped family read straight from its
// protobuf samples block (write_protobuf_samples' bytes: one Metric message
// per series), as views into the block: labels and the value, without
// building the model. For hot paths that need only those (pushgw adds
// aggregating pushes onto stored families this way). Pure, safe from any
// thread.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "exposition/model.hpp"

namespace flowgate::exposition {

struct LabelView {
  std::string_view name;
  std::string_view value;
};

struct ScalarSeries {
  struct Series {
    std::uint32_t first_label = 0;  // into `labels`
    std::uint32_t label_count = 0;
    double value = 0;
  };
  std::vector<LabelView> labels;  // every series' labels, series after series
  std::vector<Series> series;     // in block order
};

// Succeeds only where parse_protobuf (any UTF-8 names) would read each series
// as exactly these labels and this value, nothing else: every label pair a
// valid UTF-8 name (not __name__) and value, each series one `type` value and
// no timestamp, exemplar or created time. Anything else (another type, a
// field it does not expect, bytes the parser would refuse): nullopt, and the
// caller parses. `series_hint`: how many series the block likely holds (for
// reserving; any number is correct).
std::optional<ScalarSeries> scan_scalar_series(MetricType type, std::string_view block, std::size_t series_hint = 0);

}  // namespace flowgate::exposition
