#pragma once
// The Prefect collector's arithmetic: from one fully read poll (PollResult)
// and the state carried from the previous poll (PrefectState) to the next
// state and the families of docs/metrics.md. Pure and deterministic (time is
// `poll.now`), no I/O; counters in the state only ever grow, and every label
// set is bounded by names of flows, deployments, states, pools and workers
// (run ids appear only in the last-failure info, limited to a few entries).

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <prometheus/metric_family.h>

#include "collectors/prefect/prefect_compat_model.hpp"
#include "collectors/prefect/prefect_json.hpp"
#include "collectors/prefect/prefect_tags.hpp"

namespace flowgate::collectors::prefect {

using MetricFamilies = std::vector<prometheus::MetricFamily>;
using LabelValues = std::vector<std::string>;

// The exception type a Prefect state message names ("Flow run encountered an
// exception: ValueError: ..." -> "ValueError", dotted names keep their last
// part), a fixed few Prefect wordings without a type (timeout, system exit,
// interrupt), else "unknown".
std::string exception_type_from_message(std::string_view message);

bool is_terminal_state_type(std::string_view state_type);

// Number of terminal runs per (flow_id, deployment_id, state_type,
// state_name) as /flow_runs/history reports them; seeds the finished counters
// at a process's first poll (design note, option A).
struct FinishedSeed {
  std::string flow_id;
  std::string deployment_id;  // "" for ad-hoc runs
  std::string state_type;
  std::string state_name;
  std::int64_t count = 0;
};

struct PoolWorker {
  std::string work_pool_name;
  Worker worker;
};

// Everything one poll read; only built when every request succeeded.
struct PollResult {
  Timestamp now;
  std::string server_version;  // /admin/version
  std::vector<Flow> flows;
  std::vector<Deployment> deployments;
  std::vector<WorkPool> work_pools;
  std::vector<WorkQueue> work_queues;
  std::vector<PoolWorker> workers;
  std::vector<FlowRun> current_flow_runs;   // non-terminal
  std::vector<FlowRun> finished_flow_runs;  // terminal, end_time >= watermark - overlap
  // Non-terminal task runs by (type, name) due within a day (task-run history).
  std::vector<HistoryStateCount> current_task_states;
  std::vector<TaskRun> finished_task_runs;
  // flow_run_id -> flow_id for task runs whose flow run is in neither list.
  std::unordered_map<std::string, std::string> flow_id_by_flow_run_id;
  std::vector<FinishedSeed> finished_seed;  // applied only at the first poll
  // The seed holds the terminal runs with end_time <= seed_until; finished
  // runs read by the same poll that ended later are counted on top of it.
  // None: the seed holds every finished run this poll read.
  std::optional<Timestamp> seed_until;
  bool inventory_read = false;  // flows ... version above were read by this poll, not copied
  // Flow run id -> its latest event's id, read by an updating poll.
  std::unordered_map<std::string, std::string> flow_run_events;
  // --prefect.compat-prefecthq's first-poll reads (PollRequest::compat_*):
  // terminal runs that ended in its window, failed deployment runs in its
  // failed-runs window. None: not read by this poll.
  std::optional<std::vector<FlowRun>> compat_window_runs;
  std::optional<std::vector<FlowRun>> compat_failed_runs;
};

struct ModelOptions {
  std::chrono::seconds stuck_running_after{3600};
  std::chrono::seconds finished_overlap{120};
  std::size_t failure_info_limit = 10;
  std::size_t exception_types_per_deployment = 20;
  std::vector<double> duration_buckets{1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400};
  // Whether runs of (flow name, deployment name; "" for ad-hoc runs) and
  // deployments are reported (--prefect.flows-include/exclude, ...); empty:
  // all. Task runs are not filtered (their flow is not always known).
  std::function<bool(std::string_view flow_name, std::string_view deployment_name)> keep;
  CompatOptions compat;  // --prefect.compat-prefecthq
  // --prefect.tag-labels (checked with check_tag_labels): each key adds the
  // label tag_<key>, after the others, to the flow-run families and
  // prefect_info_deployment, valued from the run's (deployment's) tags
  // (prefect_tags.hpp); runs counted from the seed have them empty.
  std::vector<std::string> tag_labels;
  std::size_t tag_values_per_label = 20;
};

struct DurationHistogram {
  std::vector<std::uint64_t> bucket_counts;  // per upper bound, not cumulative
  std::uint64_t count = 0;
  double sum = 0.0;
};

struct FailureInfo {
  LabelValues labels;  // flow_name, deployment_name, flow_run_id, flow_run_name, state_name, exception_type
};

// Carried from poll to poll and, with a state file, across restarts
// (prefect_state_file.hpp: all but the gauges' label sets and `seeded`).
struct PrefectState {
  bool seeded = false;
  // Loaded from a state file: the first poll counts what finished since the
  // watermarks, then raises the finished counters to the seed (never lowers).
  bool restored = false;
  std::optional<Timestamp> watermark;       // largest flow-run end_time counted
  std::optional<Timestamp> task_watermark;  // largest task-run end_time counted
  // Label values in the order of the family's labels (docs/metrics.md).
  std::map<LabelValues, double> flow_runs_finished;  // flow, deployment, type, name
  std::map<LabelValues, DurationHistogram> flow_run_durations;  // flow, deployment
  std::map<LabelValues, double> flow_run_failures;   // flow, deployment, exception_type
  std::map<LabelValues, double> task_runs_finished;  // type, name
  std::map<LabelValues, double> task_run_retries;    // flow
  std::map<LabelValues, double> flow_runs_current_seen;  // zero-filled gauge label sets
  std::map<LabelValues, double> task_runs_current_seen;
  std::deque<FailureInfo> latest_failures;  // newest first
  // "<run id>/<state id>" -> end_time, for the overlap window only.
  std::map<std::string, Timestamp> counted_flow_states;
  std::map<std::string, Timestamp> counted_task_states;
  // --prefect.compat-prefecthq's windows; not in the state file (refilled
  // by the first poll of a process).
  CompatState compat;
  TagLabelState tags;  // not in the state file
  // Keys of counted_flow_states counted from an event, whose duration the
  // poll that reads the run observes (events carry no flow-run run time).
  // Not kept in the state file: a restart in between loses that observation.
  std::map<std::string, Timestamp> durations_pending;
};

struct PollOutcome {
  PrefectState state;
  MetricFamilies families;
};

PollOutcome build_families(const PrefectState& previous, const PollResult& poll, const ModelOptions& options);

// The key of one (run, state) in counted_flow_states / counted_task_states.
std::string counted_key(const std::string& run_id, const std::string& state_id);

// A terminal flow-run state an event brought first (its key is already in
// counted_flow_states): the finished counter, and for FAILED/CRASHED the
// failure counter and ring; its duration waits for the poll
// (durations_pending). `run` needs id, name and state.
void count_finished_flow_run_event(PrefectState& state, const FlowRun& run, const std::string& flow,
                                   const std::string& deployment, const ModelOptions& options);

// The families that follow the state alone (current runs, finished runs,
// durations, failures, task runs), as build_families renders them: what an
// event can change.
MetricFamilies render_state_families(const PrefectState& state, const ModelOptions& options);

}  // namespace flowgate::collectors::prefect
