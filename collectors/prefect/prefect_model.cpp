#include "collectors/prefect/prefect_model.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <functional>
#include <optional>
#include <set>

#include "collectors/metric_family_builder.hpp"

namespace flowgate::collectors::prefect {

namespace {

using prometheus::MetricType;

bool is_identifier_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
}

double seconds_between(Timestamp from, Timestamp to) {
  return std::chrono::duration<double>(to - from).count();
}

// id -> name joins for labels; an id the inventory does not know yet keeps
// its id (bounded: one per flow or deployment) until the next refresh.
class Names {
 public:
  explicit Names(const PollResult& poll) {
    for (const auto& flow : poll.flows) flows_.emplace(flow.id, flow.name);
    for (const auto& deployment : poll.deployments) deployments_.emplace(deployment.id, deployment.name);
  }
  std::string flow(const std::string& id) const { return lookup(flows_, id); }
  std::string deployment(const std::string& id) const { return id.empty() ? std::string() : lookup(deployments_, id); }

 private:
  static std::string lookup(const std::unordered_map<std::string, std::string>& names, const std::string& id) {
    const auto it = names.find(id);
    return it == names.end() ? id : it->second;
  }
  std::unordered_map<std::string, std::string> flows_;
  std::unordered_map<std::string, std::string> deployments_;
};

void add_map_family(MetricFamilies& out, std::string name, std::string help, MetricType type,
                    const std::vector<std::string>& label_names, const std::map<LabelValues, double>& values) {
  auto family = make_family(std::move(name), std::move(help), type);
  for (const auto& [label_values, value] : values) {
    Labels labels;
    for (std::size_t i = 0; i < label_names.size(); ++i) labels.emplace_back(label_names[i], label_values[i]);
    add_sample(family, value, labels);
  }
  out.push_back(std::move(family));
}

// `key` followed by the tag label values of `tags` (nothing without --prefect.tag-labels).
LabelValues with_tags(LabelValues key, const std::vector<std::string>& tags, const ModelOptions& options,
                      PrefectState& state) {
  if (options.tag_labels.empty()) return key;
  auto values = tag_label_values(tags, options.tag_labels, options.tag_values_per_label, state.tags);
  key.insert(key.end(), std::make_move_iterator(values.begin()), std::make_move_iterator(values.end()));
  return key;
}

LabelValues joined(LabelValues key, const LabelValues& tag_values) {
  key.insert(key.end(), tag_values.begin(), tag_values.end());
  return key;
}

std::vector<std::string> with_tag_names(std::vector<std::string> names, const ModelOptions& options) {
  const auto tag_names = tag_label_names(options.tag_labels);
  names.insert(names.end(), tag_names.begin(), tag_names.end());
  return names;
}

std::string bool_label(bool value) { return value ? "true" : "false"; }

// Counts each (run, state) once within the overlap window; false when it
// was counted before.
bool first_sighting(std::map<std::string, Timestamp>& counted, const std::string& run_id, const RunState& state,
                    Timestamp end_time) {
  return counted.emplace(counted_key(run_id, state.id), end_time).second;
}

void forget_before(std::map<std::string, Timestamp>& counted, Timestamp cutoff) {
  std::erase_if(counted, [&](const auto& entry) { return entry.second < cutoff; });
}

}  // namespace

std::string counted_key(const std::string& run_id, const std::string& state_id) { return run_id + "/" + state_id; }

bool is_terminal_state_type(std::string_view state_type) {
  return state_type == "COMPLETED" || state_type == "FAILED" || state_type == "CRASHED" || state_type == "CANCELLED";
}

std::string exception_type_from_message(std::string_view message) {
  // Prefect's wordings for failures that carry no exception type.
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 3> kNoTypeWordings{{
      {"exceeded timeout", "FlowRunTimeoutError"},
      {"aborted by Python system exit", "SystemExit"},
      {"aborted by an interrupt signal", "KeyboardInterrupt"},
  }};
  constexpr std::string_view marker = "encountered an exception";
  if (const auto at = message.find(marker); at != std::string_view::npos) {
    std::size_t pos = at + marker.size();
    while (pos < message.size() && (message[pos] == ':' || message[pos] == ' ' || message[pos] == '.')) ++pos;
    const std::size_t start = pos;
    while (pos < message.size() && is_identifier_char(message[pos])) ++pos;
    std::string_view type = message.substr(start, pos - start);
    const bool ends_type = pos == message.size() || message[pos] == ':';
    if (!type.empty() && ends_type && !(type.front() >= '0' && type.front() <= '9') && type.back() != '.') {
      if (const auto dot = type.rfind('.'); dot != std::string_view::npos) type.remove_prefix(dot + 1);
      return std::string(type);
    }
  }
  for (const auto& [wording, type] : kNoTypeWordings) {
    if (message.find(wording) != std::string_view::npos) return std::string(type);
  }
  return "unknown";
}

namespace {

using Keep = std::function<bool(const std::string& flow, const std::string& deployment)>;

// How a seed (terminal runs per label set, from /flow_runs/history) meets the
// finished counters: a fresh process starts them from it; a restored state
// only takes it as a floor, since it already counted since its watermark.
enum class SeedUse { start_from, floor };

void apply_seed(PrefectState& state, const PollResult& poll, const Names& names, const Keep& kept, SeedUse use,
                const ModelOptions& options) {
  for (const auto& seed : poll.finished_seed) {
    const LabelValues key = with_tags({names.flow(seed.flow_id), names.deployment(seed.deployment_id), seed.state_type,
                                       seed.state_name},
                                      {}, options, state);
    if (!kept(key[0], key[1])) continue;
    double& value = state.flow_runs_finished[key];
    const auto count = static_cast<double>(seed.count);
    value = use == SeedUse::start_from ? value + count : std::max(value, count);
  }
  state.seeded = true;
}

void observe_duration(DurationHistogram& histogram, double seconds, const std::vector<double>& buckets) {
  histogram.bucket_counts.resize(buckets.size());
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    if (seconds <= buckets[i]) {
      ++histogram.bucket_counts[i];
      break;
    }
  }
  ++histogram.count;
  histogram.sum += seconds;
}

// A FAILED or CRASHED run: its exception type (capped per deployment, the
// rest as "other") and the newest-first ring of failures for alert links.
void record_failure(PrefectState& state, const FlowRun& run, const std::string& flow, const std::string& deployment,
                    const LabelValues& tag_values, const ModelOptions& options) {
  std::string exception = exception_type_from_message(run.state.message);
  std::set<std::string_view> types_here;  // tag labels may repeat a type
  for (const auto& [key, value] : state.flow_run_failures) {
    if (key[0] == flow && key[1] == deployment) types_here.insert(key[2]);
  }
  if (!types_here.contains(exception) && types_here.size() >= options.exception_types_per_deployment) {
    exception = "other";
  }
  state.flow_run_failures[joined({flow, deployment, exception}, tag_values)] += 1;
  state.latest_failures.push_front({{flow, deployment, run.id, run.name, run.state.name, exception}});
}

// Finished flow runs not counted before: counters, durations, failures. Runs
// the seed already holds (`in_seed`) only move the watermark.
void count_finished_flow_runs(PrefectState& state, const PollResult& poll, const Names& names, const Keep& kept,
                              const std::function<bool(const FlowRun&)>& in_seed, const ModelOptions& options) {
  std::vector<const FlowRun*> finished;
  for (const auto& run : poll.finished_flow_runs) {
    if (!is_terminal_state_type(run.state.type) || !run.end_time) continue;
    if (first_sighting(state.counted_flow_states, run.id, run.state, *run.end_time)) {
      finished.push_back(&run);
      continue;
    }
    // Counted before (by an event, or in the overlap): the watermark still
    // moves over it, else runs counted from events would hold it back.
    if (!state.watermark || *run.end_time > *state.watermark) state.watermark = run.end_time;
    if (state.durations_pending.erase(counted_key(run.id, run.state.id)) > 0) {
      const std::string flow = names.flow(run.flow_id);
      const std::string deployment = names.deployment(run.deployment_id);
      if (kept(flow, deployment)) {
        observe_duration(state.flow_run_durations[{flow, deployment}], run.total_run_time, options.duration_buckets);
      }
    }
  }
  // Oldest first, so the failure ring ends with the newest in front.
  std::sort(finished.begin(), finished.end(), [](const FlowRun* a, const FlowRun* b) { return *a->end_time < *b->end_time; });
  for (const FlowRun* run : finished) {
    if (!state.watermark || *run->end_time > *state.watermark) state.watermark = run->end_time;
    if (in_seed(*run)) continue;
    const std::string flow = names.flow(run->flow_id);
    const std::string deployment = names.deployment(run->deployment_id);
    if (!kept(flow, deployment)) continue;
    const LabelValues tag_values = with_tags({}, run->tags, options, state);
    state.flow_runs_finished[joined({flow, deployment, run->state.type, run->state.name}, tag_values)] += 1;
    observe_duration(state.flow_run_durations[joined({flow, deployment}, tag_values)],
                     run->total_run_time, options.duration_buckets);
    if (run->state.type == "FAILED" || run->state.type == "CRASHED") {
      record_failure(state, *run, flow, deployment, tag_values, options);
    }
  }
  while (state.latest_failures.size() > options.failure_info_limit) state.latest_failures.pop_back();
}

// Finished task runs: counters and retries (run_count - 1) by flow.
void count_finished_task_runs(PrefectState& state, const PollResult& poll, const Names& names) {
  std::unordered_map<std::string, std::string> flow_id_by_run = poll.flow_id_by_flow_run_id;
  for (const auto* runs : {&poll.current_flow_runs, &poll.finished_flow_runs}) {
    for (const auto& run : *runs) flow_id_by_run.emplace(run.id, run.flow_id);
  }
  for (const auto& task : poll.finished_task_runs) {
    if (!is_terminal_state_type(task.state.type) || !task.end_time) continue;
    if (!state.task_watermark || *task.end_time > *state.task_watermark) state.task_watermark = task.end_time;
    if (!first_sighting(state.counted_task_states, task.id, task.state, *task.end_time)) continue;
    state.task_runs_finished[{task.state.type, task.state.name}] += 1;
    if (task.run_count > 1) {
      const auto flow_id = flow_id_by_run.find(task.flow_run_id);
      const std::string flow = flow_id == flow_id_by_run.end() ? std::string() : names.flow(flow_id->second);
      state.task_run_retries[{flow}] += static_cast<double>(task.run_count - 1);
    }
  }
}

// Gauges of one poll that the state does not carry.
struct CurrentGauges {
  std::map<LabelValues, double> lateness;    // flow, deployment
  std::map<LabelValues, double> stuck;       // flow, deployment
  std::map<LabelValues, double> queue_late;  // work pool, work queue
};

// Current runs: gauges, zero-filled for label sets seen before.
CurrentGauges count_current_runs(PrefectState& state, const PollResult& poll, const Names& names, const Keep& kept,
                                 const ModelOptions& options) {
  CurrentGauges gauges;
  for (auto& entry : state.flow_runs_current_seen) entry.second = 0;
  for (const auto& queue : poll.work_queues) gauges.queue_late[{queue.work_pool_name, queue.name}] = 0;
  for (const auto& run : poll.current_flow_runs) {
    if (is_terminal_state_type(run.state.type) || run.state.type.empty()) continue;
    const std::string flow = names.flow(run.flow_id);
    const std::string deployment = names.deployment(run.deployment_id);
    if (!kept(flow, deployment)) continue;
    const LabelValues tag_values = with_tags({}, run.tags, options, state);
    state.flow_runs_current_seen[joined({flow, deployment, run.state.type, run.state.name}, tag_values)] += 1;
    const LabelValues flow_key = joined({flow, deployment}, tag_values);
    if (run.state.type == "SCHEDULED") {
      double& late = gauges.lateness[flow_key];
      if (run.expected_start_time) late = std::max(late, seconds_between(*run.expected_start_time, poll.now));
      if (run.state.name == "Late") gauges.queue_late[{run.work_pool_name, run.work_queue_name}] += 1;
    }
    if (run.state.type == "RUNNING") {
      double& count = gauges.stuck[flow_key];
      if (run.start_time && poll.now - *run.start_time >= options.stuck_running_after) count += 1;
    }
  }
  for (auto& entry : state.task_runs_current_seen) entry.second = 0;
  for (const auto& counted : poll.current_task_states) {
    if (is_terminal_state_type(counted.state_type) || counted.state_type.empty()) continue;
    state.task_runs_current_seen[{counted.state_type, counted.state_name}] += static_cast<double>(counted.count_runs);
  }
  return gauges;
}

prometheus::MetricFamily duration_family(const PrefectState& state, const ModelOptions& options) {
  const std::vector<double>& buckets = options.duration_buckets;
  const auto label_names = with_tag_names({"flow_name", "deployment_name"}, options);
  auto durations = make_family("prefect_flow_run_duration_seconds", "Run time of finished flow runs.",
                               MetricType::Histogram);
  for (const auto& [key, histogram] : state.flow_run_durations) {
    prometheus::ClientMetric metric;
    for (std::size_t i = 0; i < label_names.size() && i < key.size(); ++i) metric.label.push_back({label_names[i], key[i]});
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < buckets.size(); ++i) {
      cumulative += i < histogram.bucket_counts.size() ? histogram.bucket_counts[i] : 0;
      metric.histogram.bucket.push_back({cumulative, buckets[i]});
    }
    metric.histogram.bucket.push_back({histogram.count, std::numeric_limits<double>::infinity()});
    metric.histogram.sample_count = histogram.count;
    metric.histogram.sample_sum = histogram.sum;
    durations.metric.push_back(std::move(metric));
  }
  return durations;
}

// prefect_up, the server version and the flow- and task-run families.
void render_run_families(MetricFamilies& out, const PrefectState& state, const CurrentGauges& gauges,
                         const PollResult& poll, const ModelOptions& options) {
  out.push_back(single_sample_family("prefect_up", "1 if the last poll of the Prefect API succeeded.", MetricType::Gauge, 1));
  add_map_family(out, "prefect_server_info", "Prefect server version.", MetricType::Gauge, {"version"},
                 {{{poll.server_version}, 1}});
  for (auto& family : render_state_families(state, options)) out.push_back(std::move(family));
  const auto flow_labels = with_tag_names({"flow_name", "deployment_name"}, options);
  add_map_family(out, "prefect_flow_run_lateness_seconds",
                 "Largest lateness (now - expected start) of runs still scheduled.", MetricType::Gauge, flow_labels,
                 gauges.lateness);
  add_map_family(out, "prefect_flow_runs_stuck_running", "Runs in RUNNING longer than the stuck threshold.",
                 MetricType::Gauge, flow_labels, gauges.stuck);
}

// Deployments, work pools and queues, workers.
void render_inventory_families(MetricFamilies& out, const CurrentGauges& gauges, const PollResult& poll,
                               const Names& names, const Keep& kept, PrefectState& state, const ModelOptions& options) {
  std::map<LabelValues, double> deployments;
  for (const auto& d : poll.deployments) {
    if (!kept(names.flow(d.flow_id), d.name)) continue;
    deployments[with_tags({d.name, names.flow(d.flow_id), d.work_pool_name, d.work_queue_name, d.status,
                           bool_label(d.paused), bool_label(d.any_schedule_active && !d.paused)},
                          d.tags, options, state)] = 1;
  }
  out.push_back(single_sample_family("prefect_deployments_total", "Deployments.", MetricType::Gauge,
                                     static_cast<double>(deployments.size())));
  add_map_family(out, "prefect_info_deployment", "One per deployment.", MetricType::Gauge,
                  with_tag_names({"deployment_name", "flow_name", "work_pool_name", "work_queue_name", "status",
                                 "paused", "is_schedule_active"},
                                options),
                 deployments);

  out.push_back(single_sample_family("prefect_work_pools_total", "Work pools.", MetricType::Gauge,
                                     static_cast<double>(poll.work_pools.size())));
  std::map<LabelValues, double> pools;
  for (const auto& p : poll.work_pools) pools[{p.name, p.type, p.status, bool_label(p.is_paused)}] = p.is_paused ? 0 : 1;
  add_map_family(out, "prefect_info_work_pools", "1 per work pool that is not paused.", MetricType::Gauge,
                 {"work_pool_name", "type", "status", "is_paused"}, pools);
  add_map_family(out, "prefect_work_queues_late_runs_count", "Late runs waiting in the queue.", MetricType::Gauge,
                 {"work_pool_name", "work_queue_name"}, gauges.queue_late);

  std::map<LabelValues, double> online;
  std::map<LabelValues, double> heartbeat_age;
  for (const auto& [pool, worker] : poll.workers) {
    online[{pool, worker.name}] = worker.status == "ONLINE" ? 1 : 0;
    if (worker.last_heartbeat_time) {
      heartbeat_age[{pool, worker.name}] = std::max(0.0, seconds_between(*worker.last_heartbeat_time, poll.now));
    }
  }
  add_map_family(out, "prefect_worker_online", "1 if the worker's status is ONLINE.", MetricType::Gauge,
                 {"work_pool_name", "worker_name"}, online);
  add_map_family(out, "prefect_worker_heartbeat_age_seconds", "Seconds since the worker's last heartbeat.",
                 MetricType::Gauge, {"work_pool_name", "worker_name"}, heartbeat_age);
}

}  // namespace

MetricFamilies render_state_families(const PrefectState& state, const ModelOptions& options) {
  MetricFamilies out;
  const auto run_labels = with_tag_names({"flow_name", "deployment_name", "state_type", "state_name"}, options);
  add_map_family(out, "prefect_flow_runs", "Current non-terminal flow runs.", MetricType::Gauge, run_labels,
                 state.flow_runs_current_seen);
  add_map_family(out, "prefect_flow_runs_finished_total", "Flow runs that reached a terminal state.",
                 MetricType::Counter, run_labels, state.flow_runs_finished);
  out.push_back(duration_family(state, options));
  add_map_family(out, "prefect_flow_run_failures_total",
                 "FAILED/CRASHED runs by the exception type named in the state message.", MetricType::Counter,
                 with_tag_names({"flow_name", "deployment_name", "exception_type"}, options), state.flow_run_failures);
  std::map<LabelValues, double> failure_info;
  for (const auto& failure : state.latest_failures) failure_info[failure.labels] = 1;
  add_map_family(out, "prefect_flow_run_last_failure_info", "The latest flow run failures, for alert links.",
                 MetricType::Gauge,
                 {"flow_name", "deployment_name", "flow_run_id", "flow_run_name", "state_name", "exception_type"},
                 failure_info);
  add_map_family(out, "prefect_task_runs", "Current non-terminal task runs.", MetricType::Gauge,
                 {"state_type", "state_name"}, state.task_runs_current_seen);
  add_map_family(out, "prefect_task_runs_finished_total", "Task runs that reached a terminal state.",
                 MetricType::Counter, {"state_type", "state_name"}, state.task_runs_finished);
  add_map_family(out, "prefect_task_run_retries_total", "Task run retries.", MetricType::Counter, {"flow_name"},
                 state.task_run_retries);
  return out;
}

void count_finished_flow_run_event(PrefectState& state, const FlowRun& run, const std::string& flow,
                                   const std::string& deployment, const ModelOptions& options) {
  state.flow_runs_finished[{flow, deployment, run.state.type, run.state.name}] += 1;
  // Events run only without --prefect.tag-labels (prefect_setup.cpp): no tag values here.
  if (run.state.type == "FAILED" || run.state.type == "CRASHED") record_failure(state, run, flow, deployment, {}, options);
  while (state.latest_failures.size() > options.failure_info_limit) state.latest_failures.pop_back();
  if (run.end_time) state.durations_pending.emplace(counted_key(run.id, run.state.id), *run.end_time);
}

PollOutcome build_families(const PrefectState& previous, const PollResult& poll, const ModelOptions& options) {
  PrefectState state = previous;
  const Names names(poll);
  const Keep kept = [&options](const std::string& flow, const std::string& deployment) {
    return !options.keep || options.keep(flow, deployment);
  };

  // At a fresh process's seeding poll the seed is the counters' start, and
  // the finished runs read that it already holds (end_time <= seed_until)
  // only mark the overlap window and the watermark. A restored state counts
  // every run read (they finished since its watermark) and then takes the
  // seed as a floor.
  const bool seeding = !state.seeded && !state.restored && !poll.finished_seed.empty();
  if (seeding) apply_seed(state, poll, names, kept, SeedUse::start_from, options);
  const auto in_seed = [&](const FlowRun& run) {
    return seeding && (!poll.seed_until || *run.end_time <= *poll.seed_until);
  };
  count_finished_flow_runs(state, poll, names, kept, in_seed, options);
  if (!state.seeded) apply_seed(state, poll, names, kept, SeedUse::floor, options);
  count_finished_task_runs(state, poll, names);
  if (state.watermark) forget_before(state.counted_flow_states, *state.watermark - options.finished_overlap);
  if (state.watermark) forget_before(state.durations_pending, *state.watermark - options.finished_overlap);
  if (state.task_watermark) forget_before(state.counted_task_states, *state.task_watermark - options.finished_overlap);
  const CurrentGauges gauges = count_current_runs(state, poll, names, kept, options);

  MetricFamilies out;
  render_run_families(out, state, gauges, poll, options);
  render_inventory_families(out, gauges, poll, names, kept, state, options);
  if (!options.tag_labels.empty()) {
    add_map_family(out, "flowgate_prefect_tags_refused_total",
                   "Distinct Prefect tags not turned into a tag label value as given, by reason.", MetricType::Counter,
                   {"reason"}, [&state] {
                     std::map<LabelValues, double> refused{{{"invalid_utf8"}, 0}, {{"over_limit"}, 0}};
                     for (const auto& [reason, count] : state.tags.refused) refused[{reason}] = count;
                     return refused;
                   }());
  }
  apply_compat(state.compat, poll, options.compat, kept, out);
  return {std::move(state), std::move(out)};
}

}  // namespace flowgate::collectors::prefect
