// parse_openmetrics must never crash or read out of bounds, and its bounds
// hold. What it accepts, the OpenMetrics writer writes to a body it accepts
// again; from then on writing and parsing is a fixed point. (The first write
// may normalize: -0 becomes 0.) Pushed into a store, what it accepts must
// leave a scrape the Go parser accepts (push_invariant.hpp).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "exposition/openmetrics_parser.hpp"
#include "exposition/writer.hpp"
#include "tests/fuzz/push_invariant.hpp"

namespace {

using namespace flowgate::exposition;

[[noreturn]] void broken(const char* what, const std::string& detail) {
  std::fprintf(stderr, "%s: %s\n", what, detail.c_str());
  std::abort();
}

void check_bounds(std::string_view body) {
  const ParseBounds bounds{3, 2};
  const auto bounded = parse_openmetrics(body, bounds);
  if (!bounded) return;
  std::size_t series = 0;
  for (const Family& family : *bounded) {
    series += family.metrics.size();
    for (const Metric& metric : family.metrics) {
      if (metric.labels.size() > bounds.max_labels_per_series) broken("label bound", family.name);
    }
  }
  if (series > bounds.max_series) broken("series bound", std::to_string(series));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  check_bounds(body);
  auto parsed = parse_openmetrics(body);
  if (!parsed) return 0;
  const std::string written = write(Format::openmetrics, *parsed);
  auto normalized = parse_openmetrics(written);
  if (!normalized) broken("written body refused", normalized.error().describe() + "\n" + written);
  const std::string rewritten = write(Format::openmetrics, *normalized);
  auto again = parse_openmetrics(rewritten);
  if (!again) broken("rewritten body refused", again.error().describe());
  if (!identical(*again, *normalized)) broken("not a fixed point", rewritten);
  if (auto violation = flowgate::fuzz::push_invariant_violation(std::move(*parsed))) {
    broken("push invariant broken", *violation);
  }
  return 0;
}
