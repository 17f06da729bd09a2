// Push and scrape costs of the group store. Inputs are generated
// deterministically (no randomness), so runs compare.

#include <malloc.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "exposition/assembler.hpp"
#include "exposition/gzip.hpp"
#include "pushgw/group_store.hpp"
#include "pushgw/snapshot.hpp"

namespace {

using flowgate::exposition::Families;
using flowgate::exposition::Family;
using flowgate::exposition::Format;
using flowgate::exposition::MetricType;
using flowgate::pushgw::GroupingKey;
using flowgate::pushgw::GroupStore;
using flowgate::pushgw::PushMode;

// A task-like push: `families` gauges/counters with `series_each` series.
Families make_push(int families, int series_each, int seed) {
  Families out;
  for (int f = 0; f < families; ++f) {
    Family family;
    family.name = "prefect_task_metric_" + std::to_string(f);
    family.help = "A metric a Prefect task pushes.";
    family.type = f % 2 == 0 ? MetricType::gauge : MetricType::counter;
    for (int s = 0; s < series_each; ++s) {
      auto& metric = family.metrics.emplace_back();
      metric.labels = {{"flow", "etl_flow"}, {"task", "task_" + std::to_string(s)}};
      metric.value = seed * 1.5 + s;
    }
    out.push_back(std::move(family));
  }
  return out;
}

GroupingKey group_key(int group) {
  return GroupingKey{{{"instance", "worker-" + std::to_string(group % 16)}, {"job", "job_" + std::to_string(group)}}};
}

std::size_t heap_in_use() { return mallinfo2().uordblks; }

void fill(GroupStore& store, int groups, int families, int series_each) {
  const Families push = make_push(families, series_each, 1);
  for (int g = 0; g < groups; ++g) (void)store.push(PushMode::replace_group, group_key(g), push, 1000.0 + g);
}

// What the benchmarks below do to a group: a plain push (PUT) or an
// aggregating push (issue 20) of the same families, so the two compare.
enum class Change { put, aggregate };

boost::system::result<flowgate::pushgw::CommitTicket, flowgate::pushgw::PushError> change_group(
    GroupStore& store, Change change, int group, const Families& push, double now) {
  if (change == Change::put) return store.push(PushMode::replace_group, group_key(group), push, now);
  return store.aggregate(group_key(group), push, {}, now);
}

// The same push (20 series) again and again to one group.
void change_one_group(benchmark::State& state, Change change) {
  GroupStore store({});
  const Families push = make_push(5, 4, 1);
  double now = 1000;
  for (auto _ : state) {
    auto changed = change_group(store, change, 0, push, now += 1);
    benchmark::DoNotOptimize(changed);
  }
  state.counters["pushes/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["series/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * 20, benchmark::Counter::kIsRate);
}

// 10,000 groups already stored (plainly pushed); each push changes one of
// them (20 series). Threads(2): two pushers, as on the 2-core target machine.
void change_spread_over_10k_groups(benchmark::State& state, Change change) {
  static GroupStore* store = nullptr;
  if (state.thread_index() == 0) {
    store = new GroupStore({});
    fill(*store, 10000, 5, 4);
  }
  const Families push = make_push(5, 4, 2);
  int group = state.thread_index() * 5000;
  double now = 5000;
  for (auto _ : state) {
    auto changed = change_group(*store, change, group++ % 10000, push, now += 1);
    benchmark::DoNotOptimize(changed);
  }
  state.counters["pushes/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  if (state.thread_index() == 0) {
    delete store;
    store = nullptr;
  }
}

void BM_GroupStore_PushOneGroup(benchmark::State& state) { change_one_group(state, Change::put); }
BENCHMARK(BM_GroupStore_PushOneGroup);

void BM_GroupStore_PushSpreadOver10kGroups(benchmark::State& state) {
  change_spread_over_10k_groups(state, Change::put);
}
BENCHMARK(BM_GroupStore_PushSpreadOver10kGroups)->Threads(1)->Threads(2)->UseRealTime();

void BM_GroupStore_AggregateOneGroup(benchmark::State& state) { change_one_group(state, Change::aggregate); }
BENCHMARK(BM_GroupStore_AggregateOneGroup);

void BM_GroupStore_AggregateSpreadOver10kGroups(benchmark::State& state) {
  change_spread_over_10k_groups(state, Change::aggregate);
}
BENCHMARK(BM_GroupStore_AggregateSpreadOver10kGroups)->Threads(1)->Threads(2)->UseRealTime();

// A scrape right after a push (the merge is redone) over `groups` groups of
// 10 families x 10 series: snapshot, merged family list, assembled text body.
struct FilledStore {
  GroupStore store{{}};
  double heap_bytes = 0;  // what filling it allocated
};

// Built once per size and shared by the scrape benchmarks, so the bench.smoke
// run fills the million-series store only once.
FilledStore& filled_store(int groups) {
  static std::map<int, std::unique_ptr<FilledStore>> stores;
  auto& slot = stores[groups];
  if (!slot) {
    const std::size_t heap_before = heap_in_use();
    slot = std::make_unique<FilledStore>();
    fill(slot->store, groups, 10, 10);
    slot->heap_bytes = static_cast<double>(heap_in_use() - heap_before);
  }
  return *slot;
}

// The body as a scrape builds it: plain, or gzip from blocks deflated once per family.
std::size_t scrape_body_size(const flowgate::pushgw::Snapshot& snapshot, Format format, bool gzip) {
  const auto body = gzip ? flowgate::exposition::assemble_gzip(format, snapshot.merged_deflated(format))
                         : flowgate::exposition::assemble(format, snapshot.merged(format));
  return body.size();
}

void scrape_after_change(benchmark::State& state, int groups, Format format = Format::text, bool gzip = false) {
  FilledStore& filled = filled_store(groups);
  GroupStore& store = filled.store;
  // OpenMetrics blocks are rendered, and gzip blocks deflated, on first
  // request and cached per family: do that once, so the loop measures the
  // steady state (one group new).
  (void)scrape_body_size(*store.snapshot(), format, gzip);
  const Families push = make_push(10, 10, 3);
  std::size_t bytes = 0;
  int round = 0;
  for (auto _ : state) {
    state.PauseTiming();
    ++round;
    (void)store.push(PushMode::replace_group, group_key(round % groups), push, 9000.0 + round);
    state.ResumeTiming();
    bytes = scrape_body_size(*store.snapshot(), format, gzip);
    benchmark::DoNotOptimize(bytes);
  }
  const auto series = static_cast<double>(store.snapshot()->series_count());
  state.counters["series"] = series;
  state.counters["body_MB"] = static_cast<double>(bytes) / 1e6;
  state.counters["heap_B_per_series"] = filled.heap_bytes / series;
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(bytes));
}

void BM_Scrape_Merge100kSeries(benchmark::State& state) { scrape_after_change(state, 1000); }
BENCHMARK(BM_Scrape_Merge100kSeries)->Unit(benchmark::kMillisecond);

void BM_Scrape_Merge1MSeries(benchmark::State& state) { scrape_after_change(state, 10000); }
BENCHMARK(BM_Scrape_Merge1MSeries)->Unit(benchmark::kMillisecond)->Iterations(5);

void BM_Scrape_Merge1MSeriesOpenMetrics(benchmark::State& state) { scrape_after_change(state, 10000, Format::openmetrics); }
BENCHMARK(BM_Scrape_Merge1MSeriesOpenMetrics)->Unit(benchmark::kMillisecond)->Iterations(5);

void BM_Scrape_Merge1MSeriesProtobuf(benchmark::State& state) { scrape_after_change(state, 10000, Format::protobuf); }
BENCHMARK(BM_Scrape_Merge1MSeriesProtobuf)->Unit(benchmark::kMillisecond)->Iterations(5);

void BM_Scrape_Merge1MSeriesGzip(benchmark::State& state) { scrape_after_change(state, 10000, Format::text, true); }
BENCHMARK(BM_Scrape_Merge1MSeriesGzip)->Unit(benchmark::kMillisecond)->Iterations(5);

// The first scrape of a million series in a format whose blocks are made on
// first request: OpenMetrics (each family re-parsed from protobuf and
// rendered) or gzip (each family's text block deflated). Both are cached.
void first_scrape(benchmark::State& state, Format format, bool gzip) {
  std::unique_ptr<GroupStore> store;
  for (auto _ : state) {
    state.PauseTiming();
    store = std::make_unique<GroupStore>(flowgate::pushgw::StoreOptions{});
    fill(*store, 10000, 10, 10);
    state.ResumeTiming();
    benchmark::DoNotOptimize(scrape_body_size(*store->snapshot(), format, gzip));
  }
}

void BM_Scrape_FirstOpenMetrics1MSeries(benchmark::State& state) { first_scrape(state, Format::openmetrics, false); }
BENCHMARK(BM_Scrape_FirstOpenMetrics1MSeries)->Unit(benchmark::kMillisecond)->Iterations(1);

void BM_Scrape_FirstGzip1MSeries(benchmark::State& state) { first_scrape(state, Format::text, true); }
BENCHMARK(BM_Scrape_FirstGzip1MSeries)->Unit(benchmark::kMillisecond)->Iterations(1);

// The same store scraped again without a change: the merge is cached.
void BM_Scrape_Unchanged1MSeries(benchmark::State& state) {
  GroupStore& store = filled_store(10000).store;
  (void)store.snapshot()->merged(Format::text);
  for (auto _ : state) {
    const auto snapshot = store.snapshot();
    const auto body = flowgate::exposition::assemble(Format::text, snapshot->merged(Format::text));
    benchmark::DoNotOptimize(body.size());
  }
}
BENCHMARK(BM_Scrape_Unchanged1MSeries)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
