// What one poll of the Prefect collector costs against a live Prefect API:
// the first poll (inventories and the counters' seed), a poll with nothing
// new, and a poll after the caller made changes. For each: requests,
// response bytes, connections opened, wall and CPU time, series published.
//
//   prefect_poll_bench <api-url> [--step]
//
// With --step it prints "ready <poll>" before each poll and waits for a line
// on stdin, so a driver (bench/prefect/run) can make changes and sample the
// server's CPU between polls; without it the polls run back to back.
// Credentials come from PREFECT_API_KEY / PREFECT_API_AUTH_STRING.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <string>
#include <string_view>

#include "collectors/prefect/prefect_collector.hpp"

namespace {

using flowgate::collectors::prefect::PrefectCollector;
using flowgate::collectors::prefect::PrefectCollectorOptions;

double process_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

struct Published {
  std::size_t series = 0;
  // Sums to check against Prefect's counts: prefect_flow_runs_finished_total,
  // prefect_flow_runs, prefect_task_runs.
  double finished_total = 0;
  double current_flow_runs = 0;
  double current_task_runs = 0;
};

Published count_published(const PrefectCollector& collector) {
  Published published;
  for (const auto& family : collector.Collect()) {
    published.series += family.metric.size();
    for (const auto& metric : family.metric) {
      if (family.name == "prefect_flow_runs_finished_total") published.finished_total += metric.counter.value;
      if (family.name == "prefect_flow_runs") published.current_flow_runs += metric.gauge.value;
      if (family.name == "prefect_task_runs") published.current_task_runs += metric.gauge.value;
    }
  }
  return published;
}

// One poll, measured; prints one key=value line and returns whether it succeeded.
bool measure_poll(PrefectCollector& collector, std::string_view label) {
  const auto before = collector.client_stats();
  const double cpu_before = process_cpu_seconds();
  const auto started = std::chrono::steady_clock::now();
  const bool ok = collector.refresh();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const double cpu = process_cpu_seconds() - cpu_before;
  const auto& after = collector.client_stats();
  const Published published = count_published(collector);
  std::printf("poll=%.*s ok=%d requests=%llu response_bytes=%llu connections=%llu wall_s=%.4f cpu_s=%.4f "
              "series=%zu finished_total=%.0f current_flow_runs=%.0f current_task_runs=%.0f",
              static_cast<int>(label.size()), label.data(), ok ? 1 : 0,
              static_cast<unsigned long long>(after.requests - before.requests),
              static_cast<unsigned long long>(after.response_bytes - before.response_bytes),
              static_cast<unsigned long long>(after.connections - before.connections), wall, cpu, published.series,
              published.finished_total, published.current_flow_runs, published.current_task_runs);
  if (!ok) std::printf(" error=\"%s\"", collector.last_error().c_str());
  std::printf("\n");
  std::fflush(stdout);
  return ok;
}

bool wait_for_go(std::string_view label) {
  std::printf("ready %.*s\n", static_cast<int>(label.size()), label.data());
  std::fflush(stdout);
  std::string line;
  return static_cast<bool>(std::getline(std::cin, line));
}

}  // namespace

int main(int argc, char** argv) {
  const bool step = argc == 3 && std::string_view(argv[2]) == "--step";
  if (argc < 2 || (argc == 3 && !step) || argc > 3) {
    std::cerr << "usage: prefect_poll_bench <api-url> [--step]\n";
    return 2;
  }
  PrefectCollectorOptions options;
  options.api_url = argv[1];
  if (const char* key = std::getenv("PREFECT_API_KEY")) options.api_key = key;
  if (const char* auth = std::getenv("PREFECT_API_AUTH_STRING")) options.auth_string = auth;
  auto collector = PrefectCollector::create(options);
  if (!collector) {
    std::cerr << collector.error().message << "\n";
    return 2;
  }
  bool ok = true;
  for (const std::string_view label : {"cold", "no_change", "after_changes"}) {
    if (step && !wait_for_go(label)) break;
    ok = measure_poll(**collector, label) && ok;
  }
  return ok ? 0 : 1;
}
