// Text parsing and text/OpenMetrics writing of a realistic scrape: 100k
// sample lines of counters, gauges and histograms with 4-5 labels each.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <string>

#include "exposition/number_format.hpp"
#include "exposition/text_parser.hpp"
#include "exposition/writer.hpp"
#include "tests/support/realistic_exposition.hpp"

namespace {

using namespace flowgate::exposition;

constexpr std::size_t kSeries = 100'000;

std::size_t sample_lines(const std::string& text) {
  std::size_t lines = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    if (text[start] != '#') ++lines;
    start = end + 1;
  }
  return lines;
}

void report(benchmark::State& state, std::size_t bytes, std::size_t series) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
  state.counters["series/s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * series), benchmark::Counter::kIsRate);
}

void BM_TextParser_Parse100kSeries(benchmark::State& state) {
  const std::string body = flowgate::test_support::realistic_text_exposition(kSeries);
  for (auto _ : state) {
    auto families = parse_text(body);
    benchmark::DoNotOptimize(families);
  }
  report(state, body.size(), sample_lines(body));
}
BENCHMARK(BM_TextParser_Parse100kSeries)->Unit(benchmark::kMillisecond);

void write_benchmark(benchmark::State& state, Format format) {
  const Families families = flowgate::test_support::realistic_families(kSeries);
  std::string out;
  for (auto _ : state) {
    out.clear();
    for (const Family& family : families) {
      write_header(format, FamilyHeader{family.name, family.help, family.type, family.unit}, out);
      write_samples(format, family, out);
    }
    benchmark::DoNotOptimize(out.data());
  }
  report(state, out.size(), sample_lines(out));
}

void BM_TextWriter_Write100kSeries(benchmark::State& state) { write_benchmark(state, Format::text); }
BENCHMARK(BM_TextWriter_Write100kSeries)->Unit(benchmark::kMillisecond);

void BM_OpenMetricsWriter_Write100kSeries(benchmark::State& state) { write_benchmark(state, Format::openmetrics); }
BENCHMARK(BM_OpenMetricsWriter_Write100kSeries)->Unit(benchmark::kMillisecond);

void BM_AppendDouble_MixedValues(benchmark::State& state) {
  const double values[] = {0, 1, 42, 0.25, 1234567, 1.7e9 + 0.123, 3.14159, 1e-7, 999999, 12.5};
  std::string out;
  for (auto _ : state) {
    out.clear();
    for (const double value : values) append_double(value, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * std::size(values)));
}
BENCHMARK(BM_AppendDouble_MixedValues);

}  // namespace

BENCHMARK_MAIN();
