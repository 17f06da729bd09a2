#pragma once
// Families as the series a Prometheus scraping them would store: counters and
// gauges one series each; summaries {quantile}, _sum and _count; histograms
// native when they have a native part (what Prometheus keeps from a protobuf
// scrape), else _bucket{le}, _sum and _count. `target` labels (a group's
// grouping labels, external labels) are added to every series unless the
// series has that label already (honor_labels: true). Labels come out sorted,
// empty ones dropped. Pure function.

#include <cstdint>
#include <vector>

#include "exposition/model.hpp"
#include "remote_write/write_request.hpp"

namespace flowgate::remote_write {

void append_series(const exposition::Family& family, const exposition::Labels& target, std::int64_t timestamp_ms,
                   std::vector<TimeSeries>& out);

// The same series, each with one stale sample at `timestamp_ms`: what ends
// them on the receiver when their group goes away.
void append_stale_series(const exposition::Family& family, const exposition::Labels& target,
                         std::int64_t timestamp_ms, std::vector<TimeSeries>& out);

}  // namespace flowgate::remote_write
