#include "collectors/prefect/prefect_compat_model.hpp"

#include <algorithm>
#include <unordered_map>

#include "collectors/metric_family_builder.hpp"
#include "collectors/prefect/prefect_model.hpp"
#include "collectors/prefect/prefect_poll.hpp"

namespace flowgate::collectors::prefect {

namespace {

using prometheus::MetricType;
using Kept = std::function<bool(const std::string&, const std::string&)>;

// Prefect's /work_queues/{id}/status applies one fixed policy to every queue
// (server/models/work_queues.py): healthy when no run is Late and a worker
// polled within the last minute.
constexpr std::int64_t kMaximumLateRuns = 0;
constexpr std::chrono::seconds kMaximumSecondsSinceLastPolled{60};

// Python's str(bool), which the exporter writes into its labels.
std::string python_bool(bool value) { return value ? "True" : "False"; }

// id -> name, "null" for none or an unknown id, as the exporter labels them.
class NameLookup {
 public:
  explicit NameLookup(const PollResult& poll) {
    for (const auto& flow : poll.flows) flows_.emplace(flow.id, flow.name);
    for (const auto& deployment : poll.deployments) deployments_.emplace(deployment.id, deployment.name);
  }
  const std::string& flow(const std::string& id) const { return find(flows_, id); }
  const std::string& deployment(const std::string& id) const { return find(deployments_, id); }

 private:
  static const std::string& find(const std::unordered_map<std::string, std::string>& names, const std::string& id) {
    static const std::string none = "null";
    const auto it = names.find(id);
    return it == names.end() ? none : it->second;
  }
  std::unordered_map<std::string, std::string> flows_;
  std::unordered_map<std::string, std::string> deployments_;
};

// Samples of one family keyed by label values: one sample per label set,
// whatever the rows that fed it (the exporter's duplicate-series bug cannot
// happen here).
class FamilyRows {
 public:
  FamilyRows(std::string name, std::string help, std::vector<std::string> label_names)
      : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}
  double& operator[](const LabelValues& values) { return rows_[values]; }
  void publish(MetricFamilies& out) const {
    auto family = make_family(name_, help_, MetricType::Gauge);
    for (const auto& [values, value] : rows_) {
      Labels labels;
      for (std::size_t i = 0; i < label_names_.size(); ++i) labels.emplace_back(label_names_[i], values[i]);
      add_sample(family, value, labels);
    }
    out.push_back(std::move(family));
  }

 private:
  std::string name_, help_;
  std::vector<std::string> label_names_;
  std::map<LabelValues, double> rows_;
};

std::optional<Timestamp> started_or_expected(const FlowRun& run) {
  return run.start_time ? run.start_time : run.expected_start_time;
}

bool is_failure(const FlowRun& run) { return run.state.type == "FAILED" || run.state.type == "CRASHED"; }

void remember_finished(CompatState& state, const FlowRun& run) {
  if (!is_terminal_state_type(run.state.type) || !run.end_time) return;
  state.finished[run.id] = {run.name,         run.flow_id,          run.deployment_id,   run.state.name,
                            run.work_queue_name, started_or_expected(run), *run.end_time, run.total_run_time};
}

// Keeps the newest `limit` failures per (deployment, flow, state name); a run
// that left the failed states (retried by hand) leaves every list.
void remember_failure(CompatState& state, const FlowRun& run, std::size_t limit) {
  const bool failed = is_failure(run) && !run.deployment_id.empty() && started_or_expected(run).has_value();
  for (auto& [key, runs] : state.failed) {
    if (!failed || key[2] != run.state.name) {
      std::erase_if(runs, [&run](const CompatFailedRun& known) { return known.id == run.id; });
    }
  }
  if (!failed) return;
  auto& runs = state.failed[{run.deployment_id, run.flow_id, run.state.name}];
  if (std::any_of(runs.begin(), runs.end(), [&run](const CompatFailedRun& known) { return known.id == run.id; })) return;
  runs.push_back({run.id, *started_or_expected(run)});
  std::sort(runs.begin(), runs.end(), [](const auto& a, const auto& b) { return a.start_time > b.start_time; });
  if (runs.size() > limit) runs.resize(limit);
}

void update_windows(CompatState& state, const PollResult& poll, const CompatOptions& options) {
  if (poll.compat_window_runs) {
    for (const auto& run : *poll.compat_window_runs) remember_finished(state, run);
    state.window_filled = true;
  }
  if (poll.compat_failed_runs) {
    for (const auto& run : *poll.compat_failed_runs) remember_failure(state, run, options.failed_limit);
    state.failed_filled = true;
  }
  for (const auto& run : poll.finished_flow_runs) {
    remember_finished(state, run);
    if (options.failed_offset.count() > 0) remember_failure(state, run, options.failed_limit);
  }
  for (const auto& run : poll.current_flow_runs) state.finished.erase(run.id);  // back to a non-terminal state
  const Timestamp window_start = poll.now - options.offset;
  std::erase_if(state.finished, [&](const auto& entry) { return entry.second.end_time < window_start; });
  const Timestamp failed_start = poll.now - options.failed_offset;
  for (auto& [key, runs] : state.failed) {
    std::erase_if(runs, [&](const CompatFailedRun& run) { return run.start_time < failed_start; });
  }
  std::erase_if(state.failed, [](const auto& entry) { return entry.second.empty(); });
}

}  // namespace

void plan_compat_reads(const CompatState& state, const CompatOptions& options, PollRequest& request) {
  if (!options.enabled) return;
  request.compat_read_work_queues = true;
  if (!state.window_filled) request.compat_window_since = request.now - options.offset;
  if (options.failed_offset.count() > 0 && !state.failed_filled) {
    request.compat_failed_since = request.now - options.failed_offset;
  }
}

namespace {

// The exporter's prefect_info_deployment (its nine labels) and
// prefect_info_work_pools (its boolean spelling), in place of flowgate's.
void publish_deployments_and_pools(const PollResult& poll, const NameLookup& names, const Kept& kept,
                                   MetricFamilies& out) {
  FamilyRows deployments("prefect_info_deployment", "One per deployment.",
                         {"flow_name", "is_schedule_active", "deployment_name", "path", "paused", "work_pool_name",
                          "work_queue_name", "status", "tags"});
  for (const auto& d : poll.deployments) {
    const std::string& flow = names.flow(d.flow_id);
    if (!kept(flow, d.name)) continue;
    std::vector<std::string> tags = d.tags;
    std::sort(tags.begin(), tags.end());
    std::string joined;
    for (const auto& tag : tags) joined += (joined.empty() ? "" : ",") + tag;
    // The exporter's is_schedule_active is "not paused" (Prefect dropped the field).
    deployments[{flow, python_bool(!d.paused), d.name, d.path, python_bool(d.paused), d.work_pool_name,
                 d.work_queue_name, d.status, joined}] = 1;
  }
  deployments.publish(out);
  FamilyRows pools("prefect_info_work_pools", "1 per work pool that is not paused.",
                   {"is_paused", "work_pool_name", "type", "status"});
  for (const auto& p : poll.work_pools) pools[{python_bool(p.is_paused), p.name, p.type, p.status}] = p.is_paused ? 0 : 1;
  pools.publish(out);
}

// prefect_work_queues_total, prefect_info_work_queues and
// prefect_work_queues_late_runs_count with the exporter's nine labels. The
// health and late count the exporter asks /work_queues/{id}/status for, one
// request per queue, come from the runs the poll read anyway and the queue's
// last_polled, under Prefect's own fixed policy.
void publish_work_queues(const PollResult& poll, MetricFamilies& out) {
  std::map<std::pair<std::string, std::string>, std::int64_t> late;
  for (const auto& run : poll.current_flow_runs) {
    if (run.state.name == "Late") ++late[{run.work_pool_name, run.work_queue_name}];
  }
  const std::vector<std::string> label_names{"is_paused",
                                             "work_queue_name",
                                             "priority",
                                             "type",
                                             "work_pool_name",
                                             "status",
                                             "healthy",
                                             "health_check_policy_maximum_late_runs",
                                             "health_check_policy_maximum_seconds_since_last_polled"};
  FamilyRows info("prefect_info_work_queues", "1 per work queue that is not paused.", label_names);
  FamilyRows late_runs("prefect_work_queues_late_runs_count", "Late runs waiting in the queue.", label_names);
  for (const auto& q : poll.work_queues) {
    const auto found = late.find({q.work_pool_name, q.name});
    const std::int64_t late_count = found == late.end() ? 0 : found->second;
    const bool polled_lately = q.last_polled && poll.now - *q.last_polled <= kMaximumSecondsSinceLastPolled;
    const LabelValues labels{python_bool(q.is_paused),
                             q.name,
                             std::to_string(q.priority),
                             "null",  // queues have no type; the exporter's default
                             q.work_pool_name,
                             q.status,
                             python_bool(late_count <= kMaximumLateRuns && polled_lately),
                             std::to_string(kMaximumLateRuns),
                             std::to_string(kMaximumSecondsSinceLastPolled.count())};
    info[labels] = q.is_paused ? 0 : 1;
    late_runs[labels] = static_cast<double>(late_count);
  }
  out.push_back(single_sample_family("prefect_work_queues_total", "Work queues.", MetricType::Gauge,
                                     static_cast<double>(poll.work_queues.size())));
  info.publish(out);
  late_runs.publish(out);
}

void publish_flows(const PollResult& poll, MetricFamilies& out) {
  out.push_back(single_sample_family("prefect_flows_total", "Flows.", MetricType::Gauge,
                                     static_cast<double>(poll.flows.size())));
  FamilyRows flows("prefect_info_flows", "One per flow.", {"flow_name"});
  for (const auto& flow : poll.flows) flows[{flow.name}] = 1;
  flows.publish(out);
}

}  // namespace

namespace {

std::vector<std::string> with_run_name(std::vector<std::string> labels, bool run_name) {
  if (run_name) labels.push_back("flow_run_name");
  return labels;
}

// prefect_flow_runs_total, prefect_flow_runs_total_run_time (the mean per
// label set: the exporter's dashboards average it) and prefect_info_flow_runs.
void publish_windowed_runs(const CompatState& state, const PollResult& poll, const CompatOptions& options,
                           const NameLookup& names, const Kept& kept, MetricFamilies& out) {
  const Timestamp window_start = poll.now - options.offset;
  FamilyRows run_time("prefect_flow_runs_total_run_time",
                      "Mean total_run_time of the flow runs that ended within OFFSET_MINUTES.",
                      {"flow_name", "deployment_name"});
  std::map<LabelValues, double> runs_per_label_set;
  FamilyRows info("prefect_info_flow_runs", "Flow runs started (or due) within OFFSET_MINUTES, by current state.",
                  with_run_name({"deployment_name", "flow_name", "state_name", "work_queue_name"},
                                options.flow_run_name_label));
  double total = 0;
  const auto count_started = [&](const CompatRun& run, const std::string& flow, const std::string& deployment) {
    if (!run.start_time || *run.start_time < window_start) return;
    LabelValues labels{deployment, flow, run.state_name, run.work_queue_name};
    if (options.flow_run_name_label) labels.push_back(run.name);
    info[labels] += 1;
  };
  for (const auto& [id, run] : state.finished) {
    const std::string& flow = names.flow(run.flow_id);
    const std::string& deployment = names.deployment(run.deployment_id);
    if (!kept(flow, run.deployment_id.empty() ? "" : deployment)) continue;
    total += 1;
    run_time[{flow, deployment}] += run.total_run_time;
    runs_per_label_set[{flow, deployment}] += 1;
    count_started(run, flow, deployment);
  }
  for (const auto& run : poll.current_flow_runs) {
    const std::string& flow = names.flow(run.flow_id);
    const std::string& deployment = names.deployment(run.deployment_id);
    if (!kept(flow, run.deployment_id.empty() ? "" : deployment)) continue;
    count_started({run.name, run.flow_id, run.deployment_id, run.state.name, run.work_queue_name,
                   started_or_expected(run), {}, 0.0},
                  flow, deployment);
  }
  for (const auto& [labels, runs] : runs_per_label_set) run_time[labels] /= runs;
  out.push_back(single_sample_family("prefect_flow_runs_total", "Flow runs that ended within OFFSET_MINUTES.",
                                     MetricType::Gauge, total));
  run_time.publish(out);
  info.publish(out);
}

// Seconds since start of each running, pending or (awaiting retry) scheduled
// run that has started: one series per run, as the exporter has it.
void publish_ongoing_runs(const PollResult& poll, const CompatOptions& options, const NameLookup& names,
                          const Kept& kept, MetricFamilies& out) {
  FamilyRows ongoing("prefect_flow_runs_ongoing_run_time", "Seconds since the start of each ongoing flow run.",
                     with_run_name({"deployment_name", "flow_name", "state_name", "flow_run_id"},
                                   options.flow_run_name_label));
  for (const auto& run : poll.current_flow_runs) {
    const auto& type = run.state.type;
    if (!run.start_time || run.end_time || (type != "RUNNING" && type != "PENDING" && type != "SCHEDULED")) continue;
    const std::string& flow = names.flow(run.flow_id);
    const std::string& deployment = names.deployment(run.deployment_id);
    if (!kept(flow, run.deployment_id.empty() ? "" : deployment)) continue;
    LabelValues labels{deployment, flow, run.state.name, run.id};
    if (options.flow_run_name_label) labels.push_back(run.name);
    ongoing[labels] = std::max(0.0, std::chrono::duration<double>(poll.now - *run.start_time).count());
  }
  ongoing.publish(out);
}

void publish_failed_runs(const CompatState& state, const NameLookup& names, const Kept& kept, MetricFamilies& out) {
  FamilyRows failed("prefect_deployment_failed_flow_runs",
                    "The latest failed or crashed deployment runs within FAILED_RUNS_OFFSET_MINUTES.",
                    {"deployment_name", "flow_name", "last_failed_run_id", "state_name"});
  for (const auto& [key, runs] : state.failed) {
    const std::string& deployment = names.deployment(key[0]);
    const std::string& flow = names.flow(key[1]);
    if (!kept(flow, deployment)) continue;
    for (const auto& run : runs) failed[{deployment, flow, run.id, key[2]}] = 1;
  }
  failed.publish(out);
}

}  // namespace

void apply_compat(CompatState& state, const PollResult& poll, const CompatOptions& options, const Kept& kept,
                  MetricFamilies& families) {
  if (!options.enabled) return;
  update_windows(state, poll, options);
  static const std::vector<std::string_view> replaced{"prefect_info_deployment", "prefect_info_work_pools",
                                                      "prefect_work_queues_late_runs_count"};
  std::erase_if(families, [](const prometheus::MetricFamily& family) {
    return std::find(replaced.begin(), replaced.end(), family.name) != replaced.end();
  });
  const NameLookup names(poll);
  publish_deployments_and_pools(poll, names, kept, families);
  publish_work_queues(poll, families);
  publish_flows(poll, families);
  publish_windowed_runs(state, poll, options, names, kept, families);
  publish_ongoing_runs(poll, options, names, kept, families);
  if (options.failed_offset.count() > 0) publish_failed_runs(state, names, kept, families);
}

}  // namespace flowgate::collectors::prefect
