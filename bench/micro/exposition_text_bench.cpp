// Text and OpenMetrics parsing and text/OpenMetrics writing of a realistic scrape: 100k
// sample lines of counters, gauges and histograms with 4-5 labels each.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <string>

#include "exposition/number_format.hpp"
#include "exposition/openmetrics_parser.hpp"
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

// The same families as an OpenMetrics body (what the OpenMetrics writer makes of them).
void BM_OpenMetricsParser_Parse100kSeries(benchmark::State& state) {
  const std::string body = write(Format::openmetrics, flowgate::test_support::realistic_families(kSeries));
  if (!parse_openmetrics(body)) state.SkipWithError("the OpenMetrics body does not parse");
  for (auto _ : state) {
    auto families = parse_openmetrics(body);
    benchmark::DoNotOptimize(families);
  }
  report(state, body.size(), sample_lines(body));
}
BENCHMARK(BM_OpenMetricsParser_Parse100kSeries)->Unit(benchmark::kMillisecond);

// A push of `families` gauge families sharing `series` series between them,
// each with the labels a Prefect task pushes (job, instance, flow, run id).
std::string push_body(std::size_t series, std::size_t families) {
  std::string body;
  const std::size_t per_family = series / families;
  for (std::size_t f = 0; f < families; ++f) {
    const std::string name = "prefect_task_metric_" + std::to_string(f);
    body += "# HELP " + name + " A pushed gauge.\n# TYPE " + name + " gauge\n";
    for (std::size_t s = 0; s < per_family; ++s) {
      body += name + "{job=\"etl\",instance=\"worker-" + std::to_string(s % 17) + "\",flow=\"flow-" +
              std::to_string(s % 101) + "\",run_id=\"3f1a6c2e-9b7d-4e2a-8c11-" + std::to_string(1000000 + s) +
              "\"} " + std::to_string(s) + ".5\n";
    }
  }
  return body;
}

// The series table on pushes of 10k series: a few large families, then many
// small ones (see the SeriesTable comment in exposition/text_parser.cpp).
void BM_TextParser_Push10kSeries(benchmark::State& state) {
  const std::string body = push_body(10'000, static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    auto families = parse_text(body);
    benchmark::DoNotOptimize(families);
  }
  report(state, body.size(), sample_lines(body));
}
BENCHMARK(BM_TextParser_Push10kSeries)->Arg(4)->Arg(2'000)->Unit(benchmark::kMicrosecond);

void BM_TextParser_RealisticPush10kSeries(benchmark::State& state) {
  const std::string body = flowgate::test_support::realistic_text_exposition(10'000);
  for (auto _ : state) {
    auto families = parse_text(body);
    benchmark::DoNotOptimize(families);
  }
  report(state, body.size(), sample_lines(body));
}
BENCHMARK(BM_TextParser_RealisticPush10kSeries)->Unit(benchmark::kMicrosecond);

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
