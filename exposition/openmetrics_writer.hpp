#pragma once
// OpenMetrics 1.0.0 writer internals behind exposition/writer.hpp.

#include <string>

#include "exposition/writer.hpp"

namespace flowgate::exposition {

void write_openmetrics_header(const FamilyHeader& header, std::string& out);
// The TYPE word of `type`: untyped is "unknown", gauge_histogram "gaugehistogram".
std::string_view openmetrics_type_word(MetricType type);
void write_openmetrics_samples(const Family& family, std::string& out);

}  // namespace flowgate::exposition
