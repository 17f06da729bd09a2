// OTLP/HTTP ingest on the CPU side: decoding an export (protobuf and JSON)
// and translating it to families, for an export shaped like an SDK's: one
// resource, 50 instruments (counters, gauges, histograms with 10 bounds)
// each with 200 attribute sets: 10,000 data points.

#include <benchmark/benchmark.h>

#include <string>

#include "exposition/otlp_decode.hpp"
#include "exposition/otlp_translate.hpp"
#include "pushgw/group_store.hpp"
#include "pushgw/otlp_request.hpp"
#include "exposition/protobuf_encoder.hpp"

namespace {

using namespace flowgate::exposition;
namespace wire = flowgate::exposition::wire;

constexpr int kInstruments = 50;
constexpr int kAttributeSets = 200;
constexpr int kPoints = kInstruments * kAttributeSets;

void put_attribute(std::uint32_t field, const std::string& key, const std::string& value, std::string& out) {
  wire::Nested kv(field, out);
  wire::put_string(1, key, out);
  wire::Nested any(2, out);
  wire::put_string(1, value, out);
}

void put_fixed(std::uint32_t field, std::uint64_t v, std::string& out) {
  wire::put_tag(field, wire::kFixed64Wire, out);
  wire::put_fixed64_bits(v, out);
}

std::string protobuf_export() {
  std::string out;
  wire::Nested resource_metrics(1, out);
  {
    wire::Nested resource(1, out);
    put_attribute(1, "service.name", "scraper", out);
    put_attribute(1, "service.instance.id", "pod-7", out);
    put_attribute(1, "host.name", "node-3", out);
  }
  wire::Nested scope_metrics(2, out);
  for (int i = 0; i < kInstruments; ++i) {
    wire::Nested metric(2, out);
    wire::put_string(1, "scraper.instrument." + std::to_string(i), out);
    wire::put_string(3, i % 3 == 2 ? "s" : "{page}", out);
    const std::uint32_t data_field = i % 3 == 0 ? 7 : i % 3 == 1 ? 5 : 9;
    wire::Nested data(data_field, out);
    for (int p = 0; p < kAttributeSets; ++p) {
      wire::Nested point(1, out);
      put_attribute(data_field == 9 ? 9 : 7, "site", "site-" + std::to_string(p % 40), out);
      put_attribute(data_field == 9 ? 9 : 7, "status", std::to_string(200 + p / 40), out);
      put_fixed(2, 1'700'000'000'000'000'000ULL, out);
      put_fixed(3, 1'700'000'060'000'000'000ULL, out);
      if (data_field == 9) {
        put_fixed(4, 110, out);
        wire::put_double(5, 42.5, out);
        for (int b = 0; b <= 10; ++b) put_fixed(6, 10, out);
        for (int b = 0; b < 10; ++b) wire::put_double(7, 0.01 * (1 << b), out);
      } else {
        wire::put_double(4, p * 1.5, out);
      }
    }
    if (data_field != 5) wire::put_uint(2, 2, out);  // cumulative
    if (data_field == 7) wire::put_uint(3, 1, out);  // monotonic
  }
  return out;
}

void report(benchmark::State& state, std::size_t bytes) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
  state.counters["points/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * kPoints, benchmark::Counter::kIsRate);
}

void BM_Otlp_DecodeProtobuf10kPoints(benchmark::State& state) {
  const std::string body = protobuf_export();
  for (auto _ : state) {
    auto decoded = otlp::decode_protobuf(body);
    benchmark::DoNotOptimize(decoded);
  }
  report(state, body.size());
}
BENCHMARK(BM_Otlp_DecodeProtobuf10kPoints)->Unit(benchmark::kMillisecond);

void BM_Otlp_Translate10kPoints(benchmark::State& state) {
  const auto decoded = otlp::decode_protobuf(protobuf_export());
  if (!decoded) {
    state.SkipWithError(decoded.error().describe().c_str());
    return;
  }
  for (auto _ : state) {
    auto translated = otlp::translate(*decoded, {}, {});
    benchmark::DoNotOptimize(translated);
  }
  report(state, 0);
}
BENCHMARK(BM_Otlp_Translate10kPoints)->Unit(benchmark::kMillisecond);

// The whole of an export after the HTTP layer: decode, translate, merge into
// the stored group and render it (no WAL: bench/durability measures the log).
// Each iteration re-exports the same 10k points, as an SDK does every interval.
void BM_Otlp_IngestProtobuf10kPointsIntoTheStore(benchmark::State& state) {
  const std::string body = protobuf_export();
  flowgate::pushgw::GroupStore store(flowgate::pushgw::StoreOptions{});
  flowgate::pushgw::OtlpIngest ingest(store, {});
  double now = 1'700'000'000;
  for (auto _ : state) {
    auto done = flowgate::pushgw::apply_otlp({flowgate::pushgw::OtlpEncoding::protobuf, "", body, now += 60}, ingest, {});
    if (!done) {
      state.SkipWithError(done.error().message.c_str());
      return;
    }
  }
  report(state, body.size());
}
BENCHMARK(BM_Otlp_IngestProtobuf10kPointsIntoTheStore)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
