// What durability costs: pushes per second through the group store with the
// write-ahead log under each sync policy (memory only, interval, always with
// group commit), from 1 and 16 threads; and how long a start takes to recover
// 10k and 1M series from the snapshot file or from the log alone. The files
// go to $FLOWGATE_BENCH_DIR (default: the system temp folder), so the disk
// measured is the one named there.

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <future>
#include <limits>
#include <memory>
#include <string>

#include <benchmark/benchmark.h>

#include "pushgw/group_store.hpp"
#include "pushgw/persistence/recovery.hpp"
#include "pushgw/persistence/snapshot_file.hpp"
#include "pushgw/persistence/write_ahead_log.hpp"
#include "pushgw/snapshot.hpp"

namespace {

using flowgate::exposition::Families;
using flowgate::exposition::Family;
using flowgate::exposition::MetricType;
using flowgate::pushgw::GroupingKey;
using flowgate::pushgw::GroupStore;
using flowgate::pushgw::PushMode;
namespace persistence = flowgate::pushgw::persistence;

std::filesystem::path bench_folder(const std::string& name) {
  const char* root = std::getenv("FLOWGATE_BENCH_DIR");
  auto folder = std::filesystem::path(root != nullptr ? root : std::filesystem::temp_directory_path().string()) /
                ("flowgate_durability_" + std::to_string(::getpid()) + "_" + name);
  std::filesystem::remove_all(folder);
  std::filesystem::create_directories(folder);
  return folder;
}

// The small push of the comparison harness: a counter, a gauge and a
// 5-bucket histogram.
Families small_push(double value) {
  Families out;
  Family counter;
  counter.name = "task_records_processed_total";
  counter.type = MetricType::counter;
  counter.metrics.emplace_back().value = value;
  out.push_back(counter);
  Family gauge;
  gauge.name = "task_last_duration_seconds";
  gauge.type = MetricType::gauge;
  gauge.metrics.emplace_back().value = value / 7;
  out.push_back(gauge);
  Family histogram;
  histogram.name = "task_page_load_seconds";
  histogram.type = MetricType::histogram;
  auto& metric = histogram.metrics.emplace_back();
  metric.sample_count = 5;
  metric.sample_sum = value / 3;
  double cumulative = 0;
  for (double bound : {0.1, 0.25, 0.5, 1.0, 2.5}) {
    cumulative += 1;
    auto& bucket = metric.buckets.emplace_back();
    bucket.upper_bound = bound;
    bucket.cumulative_count = cumulative;
  }
  auto& infinity = metric.buckets.emplace_back();
  infinity.upper_bound = std::numeric_limits<double>::infinity();
  infinity.cumulative_count = cumulative;
  out.push_back(histogram);
  return out;
}

// Families of `series` gauges, for the recovery sizes.
Families wide_push(int families, int series_each) {
  Families out;
  for (int f = 0; f < families; ++f) {
    Family family;
    family.name = "prefect_task_metric_" + std::to_string(f);
    family.help = "A metric a Prefect task pushes.";
    family.type = MetricType::gauge;
    for (int s = 0; s < series_each; ++s) {
      auto& metric = family.metrics.emplace_back();
      metric.labels = {{"flow", "etl_flow"}, {"task", "task_" + std::to_string(s)}};
      metric.value = s * 1.5;
    }
    out.push_back(std::move(family));
  }
  return out;
}

GroupingKey group_key(int group) {
  return GroupingKey{{{"instance", "worker-" + std::to_string(group % 16)}, {"job", "job_" + std::to_string(group)}}};
}

enum Policy { memory_only = 0, interval = 1, always = 2 };

struct SharedLog {
  std::filesystem::path folder;
  std::unique_ptr<persistence::WriteAheadLog> log;
  std::unique_ptr<GroupStore> store;
};
SharedLog* shared = nullptr;  // set up by thread 0, used by every thread of one run

// Push throughput: each thread pushes into its own group (thread 0 .. 15),
// waiting for durability as the server does before it answers.
void BM_Push(benchmark::State& state) {
  const auto policy = static_cast<Policy>(state.range(0));
  if (state.thread_index() == 0) {
    shared = new SharedLog;
    shared->store = std::make_unique<GroupStore>(flowgate::pushgw::StoreOptions{});
    if (policy != memory_only) {
      shared->folder = bench_folder("push");
      persistence::LogOptions options;
      options.folder = shared->folder / "store.db.wal";
      options.sync = policy == always ? persistence::SyncPolicy::always : persistence::SyncPolicy::interval;
      auto log = persistence::WriteAheadLog::open(options, 1, {});
      if (!log) {
        state.SkipWithError(log.error().message.c_str());
        return;
      }
      shared->log = std::move(*log);
      shared->store->attach_wal(shared->log.get());
    }
  }
  // Google Benchmark starts the timed loop of all threads together, after
  // thread 0's set-up above.
  const int group = static_cast<int>(state.thread_index());
  double value = 1;
  for (auto _ : state) {
    auto ticket = shared->store->push(PushMode::replace_group, group_key(group), small_push(value), 1000 + value);
    if (!ticket) {
      state.SkipWithError(ticket.error().message.c_str());
      break;
    }
    if (*ticket != 0) {
      std::promise<bool> durable;
      shared->log->when_durable(*ticket, [&durable](bool ok) { durable.set_value(ok); });
      if (!durable.get_future().get()) {
        state.SkipWithError("sync failed");
        break;
      }
    }
    value += 1;
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    if (shared->log) {
      const auto stats = shared->log->stats();
      state.counters["syncs"] = static_cast<double>(stats.syncs);
      state.counters["log_bytes"] = static_cast<double>(stats.bytes);
    }
    shared->store->attach_wal(nullptr);
    shared->log.reset();
    if (!shared->folder.empty()) std::filesystem::remove_all(shared->folder);
    delete shared;
    shared = nullptr;
  }
}
BENCHMARK(BM_Push)
    ->ArgName("policy")
    ->Arg(memory_only)
    ->Arg(interval)
    ->Arg(always)
    ->Threads(1)
    ->Threads(16)
    ->UseRealTime();

// Start-up: recover `series` series (100 per group) from the snapshot file
// (range 1 = 0) or from the log alone (range 1 = 1), then restore the store.
void BM_Recovery(benchmark::State& state) {
  const int series = static_cast<int>(state.range(0));
  const bool from_log = state.range(1) == 1;
  const auto folder = bench_folder("recovery");
  const auto snapshot_file = folder / "store.db";
  const auto log_folder = folder / "store.db.wal";
  {
    GroupStore store({});
    persistence::LogOptions options;
    options.folder = log_folder;
    options.sync = persistence::SyncPolicy::interval;
    auto log = persistence::WriteAheadLog::open(options, 1, {});
    if (!log) {
      state.SkipWithError(log.error().message.c_str());
      return;
    }
    if (from_log) store.attach_wal(log->get());
    const Families push = wide_push(10, 10);
    for (int g = 0; g < series / 100; ++g) (void)store.push(PushMode::replace_group, group_key(g), push, 1000.0 + g);
    store.attach_wal(nullptr);
    if (!from_log) (void)flowgate::pushgw::write_snapshot_file(*store.snapshot(), snapshot_file, 0);
  }
  const auto bytes = from_log ? std::filesystem::file_size(persistence::segment_path(log_folder, 1))
                              : std::filesystem::file_size(snapshot_file);
  for (auto _ : state) {
    auto recovered = persistence::recover_store(snapshot_file, log_folder);
    if (!recovered) {
      state.SkipWithError(recovered.error().message.c_str());
      break;
    }
    GroupStore store({});
    store.restore(std::move(recovered->groups));
    benchmark::DoNotOptimize(store.snapshot()->series_count());
  }
  state.counters["file_bytes"] = static_cast<double>(bytes);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
  std::filesystem::remove_all(folder);
}
BENCHMARK(BM_Recovery)
    ->ArgNames({"series", "from_log"})
    ->Args({10'000, 0})
    ->Args({10'000, 1})
    ->Args({1'000'000, 0})
    ->Args({1'000'000, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
