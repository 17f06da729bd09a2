// Protobuf-delimited parsing and writing of a realistic scrape: 100k series
// (sample lines in the text rendering: every histogram bucket, _sum and
// _count is a series) of counters, gauges and histograms with 4-5 labels.

#include <benchmark/benchmark.h>

#include <string>

#include "exposition/protobuf_parser.hpp"
#include "exposition/protobuf_writer.hpp"
#include "exposition/writer.hpp"
#include "tests/support/realistic_exposition.hpp"

namespace {

using namespace flowgate::exposition;

constexpr std::size_t kSeries = 100'000;

// Series as Prometheus counts them: the sample lines of the text rendering.
std::size_t series_in(const Families& families) {
  const std::string text = write(Format::text, families);
  std::size_t lines = 0;
  for (std::size_t start = 0; start < text.size(); start = text.find('\n', start) + 1) {
    if (text[start] != '#') ++lines;
  }
  return lines;
}

void report(benchmark::State& state, std::size_t bytes, std::size_t series) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
  state.counters["series/s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * series), benchmark::Counter::kIsRate);
}

void BM_ProtobufParser_Parse100kSeries(benchmark::State& state) {
  const Families families = flowgate::test_support::realistic_families(kSeries);
  const std::string body = write(Format::protobuf, families);
  for (auto _ : state) {
    auto parsed = parse_protobuf(body);
    benchmark::DoNotOptimize(parsed);
  }
  report(state, body.size(), series_in(families));
}
BENCHMARK(BM_ProtobufParser_Parse100kSeries)->Unit(benchmark::kMillisecond);

// The scrape path's shape: each family's samples block, then its header.
void BM_ProtobufWriter_Write100kSeries(benchmark::State& state) {
  const Families families = flowgate::test_support::realistic_families(kSeries);
  std::string out;
  std::string samples;
  for (auto _ : state) {
    out.clear();
    for (const Family& family : families) {
      samples.clear();
      write_protobuf_samples(family, samples);
      write_protobuf_header(FamilyHeader{family.name, family.help, family.type, family.unit}, samples.size(), out);
      out += samples;
    }
    benchmark::DoNotOptimize(out.data());
  }
  report(state, out.size(), series_in(families));
}
BENCHMARK(BM_ProtobufWriter_Write100kSeries)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
