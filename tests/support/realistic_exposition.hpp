#pragma once
// A realistic scrape for benchmarks: what a Prefect deployment's pushed and
// exported metrics look like (counters, gauges and histograms with 3-5
// labels, pod and run identifiers as values), seeded and fixed.

#include <cstddef>
#include <cstdint>
#include <string>

#include "exposition/model.hpp"

namespace flowgate::test_support {

// About `series` sample lines in total (each histogram bucket, _sum and
// _count line counts as one).
exposition::Families realistic_families(std::size_t series, std::uint64_t seed = 1);

// The same families written in the text format 0.0.4.
std::string realistic_text_exposition(std::size_t series, std::uint64_t seed = 1);

}  // namespace flowgate::test_support
