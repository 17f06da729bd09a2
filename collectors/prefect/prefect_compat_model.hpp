#pragma once
// --prefect.compat-prefecthq: the families of PrefectHQ's
// prometheus-prefect-exporter that flowgate has no own equivalent for, with
// that exporter's names, labels and windows (OFFSET_MINUTES, ...), built from
// flowgate's background poll instead of a fetch per scrape
// (docs/metrics.md, "PrefectHQ exporter compatibility"). Pure and
// deterministic like build_families: time is `poll.now`, no I/O.
//
// What it keeps between polls is bounded by the windows: the terminal flow
// runs that ended within OFFSET_MINUTES (one small record each) and at most
// FAILED_RUNS_LIMIT failed run ids per (deployment, flow, state name). Both
// are filled once by the reads plan_compat_reads() asks for, then kept up to
// date from each poll's finished and current runs.

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <prometheus/metric_family.h>

#include "collectors/prefect/prefect_json.hpp"

namespace flowgate::collectors::prefect {

struct PollResult;
struct PollRequest;
using LabelValues = std::vector<std::string>;

// The exporter's settings (its environment variables, read by
// exporter/prefect_setup.cpp); off unless `enabled`.
struct CompatOptions {
  bool enabled = false;
  std::chrono::minutes offset{3};  // OFFSET_MINUTES (the exporter's code default)
  // FAILED_RUNS_OFFSET_MINUTES; zero: no prefect_deployment_failed_flow_runs.
  std::chrono::minutes failed_offset{10080};
  std::size_t failed_limit = 10;     // FAILED_RUNS_LIMIT, per (deployment, flow, state name)
  bool flow_run_name_label = false;  // ENABLE_FLOW_RUN_NAME_LABEL
};

// The part of a flow run the windowed families need.
struct CompatRun {
  std::string name;
  std::string flow_id;
  std::string deployment_id;
  std::string state_name;
  std::string work_queue_name;
  std::optional<Timestamp> start_time;  // start, else expected start, as Prefect's start_time filter reads it
  Timestamp end_time;
  double total_run_time = 0.0;
};

struct CompatFailedRun {
  std::string id;
  Timestamp start_time;
};

struct CompatState {
  // Filled by a poll that made the first-poll reads (PollResult::compat_*).
  bool window_filled = false;
  bool failed_filled = false;
  // Terminal runs whose end_time is within OFFSET_MINUTES of the poll, by id.
  std::map<std::string, CompatRun> finished;
  // (deployment id, flow id, state name) -> newest failed runs first, at most failed_limit.
  std::map<LabelValues, std::vector<CompatFailedRun>> failed;
};

// Asks `request` for the reads that fill the windows, when not filled yet.
void plan_compat_reads(const CompatState& state, const CompatOptions& options, PollRequest& request);

// Brings `state` up to date with `poll`, then replaces the families the
// exporter shares with flowgate by its label sets (prefect_info_deployment,
// prefect_info_work_pools, prefect_work_queues_late_runs_count) and adds the
// ones flowgate lacks. `kept` is --prefect.flows/deployments-include/exclude
// on (flow name, deployment name; "" for ad-hoc runs).
void apply_compat(CompatState& state, const PollResult& poll, const CompatOptions& options,
                  const std::function<bool(const std::string&, const std::string&)>& kept,
                  std::vector<prometheus::MetricFamily>& families);

}  // namespace flowgate::collectors::prefect
