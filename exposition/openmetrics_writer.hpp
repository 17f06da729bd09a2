#pragma once
// OpenMetrics 1.0.0 writer internals behind exposition/writer.hpp.

#include <string>

#include "exposition/writer.hpp"

namespace flowgate::exposition {

void write_openmetrics_header(const FamilyHeader& header, std::string& out);
void write_openmetrics_samples(const Family& family, std::string& out);

}  // namespace flowgate::exposition
