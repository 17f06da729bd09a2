// BM_<Collector>_Refresh: one gather-and-publish against the live /proc and
// libstatgrab, the work the scheduler thread does every interval.
// BM_<Collector>_Collect: what a scrape pays to take the published families.

#include <benchmark/benchmark.h>

#include "collectors/host/host_collector.hpp"
#include "collectors/process/process_collector.hpp"

namespace {

using flowgate::collectors::Collector;
using flowgate::collectors::HostCollector;
using flowgate::collectors::ProcessCollector;

double series_in(const Collector& collector) {
  double series = 0;
  for (const auto& family : collector.Collect()) series += static_cast<double>(family.metric.size());
  return series;
}

template <typename CollectorType>
void refresh(benchmark::State& state, CollectorType& collector) {
  for (auto _ : state) {
    if (!collector.refresh()) state.SkipWithError("refresh failed");
  }
  const double series = series_in(collector);
  state.counters["series"] = series;
  state.counters["series/s"] =
      benchmark::Counter(series * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

template <typename CollectorType>
void collect(benchmark::State& state, CollectorType& collector) {
  if (!collector.refresh()) state.SkipWithError("refresh failed");
  for (auto _ : state) benchmark::DoNotOptimize(collector.Collect());
  state.counters["series/s"] = benchmark::Counter(series_in(collector) * static_cast<double>(state.iterations()),
                                                  benchmark::Counter::kIsRate);
}

void BM_HostCollector_Refresh(benchmark::State& state) {
  HostCollector collector({});
  refresh(state, collector);
}
BENCHMARK(BM_HostCollector_Refresh)->Unit(benchmark::kMillisecond);

void BM_ProcessCollector_Refresh(benchmark::State& state) {
  ProcessCollector collector;
  refresh(state, collector);
}
BENCHMARK(BM_ProcessCollector_Refresh)->Unit(benchmark::kMicrosecond);

void BM_HostCollector_Collect(benchmark::State& state) {
  HostCollector collector({});
  collect(state, collector);
}
BENCHMARK(BM_HostCollector_Collect)->Unit(benchmark::kMicrosecond);

void BM_ProcessCollector_Collect(benchmark::State& state) {
  ProcessCollector collector;
  collect(state, collector);
}
BENCHMARK(BM_ProcessCollector_Collect)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
