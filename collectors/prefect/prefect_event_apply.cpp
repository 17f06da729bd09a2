#include "collectors/prefect/prefect_event_apply.hpp"

#include <array>

namespace flowgate::collectors::prefect {

namespace {

// Label sets stay (zero-filled) once seen, as the poll keeps them; a
// decrement never goes below zero.
void move_gauge(std::map<LabelValues, double>& gauge, const LabelValues* from, const LabelValues* to) {
  if (from != nullptr) {
    if (auto it = gauge.find(*from); it != gauge.end()) it->second = std::max(0.0, it->second - 1);
  }
  if (to != nullptr) gauge[*to] += 1;
}

// Where `known` stands against the event: newer or the same state means
// the event adds nothing.
std::optional<EventOutcome> against(const KnownState* known, const RunState& state) {
  if (known == nullptr) return std::nullopt;
  if (known->state_id == state.id) return EventOutcome::duplicate;
  if (*state.timestamp <= known->at) return EventOutcome::stale;
  return std::nullopt;
}

template <typename Map>
const KnownState* known_in(const Map& map, const std::string& id) {
  const auto it = map.find(id);
  return it == map.end() ? nullptr : &it->second;
}

const KnownState* known_current(const LiveRuns& live, const std::string& id) {
  const auto it = live.flow_runs.find(id);
  return it == live.flow_runs.end() ? nullptr : &it->second.state;
}

// Flow and deployment names from the inventory; nullopt when it lacks one.
std::optional<std::pair<std::string, std::string>> run_names(const LiveRuns& live, const StateEvent& event) {
  const auto flow = live.flow_names.find(event.flow_id);
  if (flow == live.flow_names.end()) return std::nullopt;
  if (event.deployment_id.empty()) return std::pair{flow->second, std::string()};
  const auto deployment = live.deployment_names.find(event.deployment_id);
  if (deployment == live.deployment_names.end()) return std::nullopt;
  return std::pair{flow->second, deployment->second};
}

FlowRun as_flow_run(const StateEvent& event) {
  FlowRun run;
  run.id = event.run_id;
  run.name = event.run_name;
  run.state = event.state;
  run.end_time = event.state.timestamp;
  run.run_count = event.run_count;
  return run;
}

EventOutcome count_terminal_flow_run(PrefectState& state, const StateEvent& event, const LabelValues& labels,
                                     const ModelOptions& options) {
  const Timestamp at = *event.state.timestamp;
  if (state.watermark && at < *state.watermark - options.finished_overlap) return EventOutcome::too_old;
  if (!state.counted_flow_states.emplace(counted_key(event.run_id, event.state.id), at).second) {
    return EventOutcome::duplicate;
  }
  count_finished_flow_run_event(state, as_flow_run(event), labels[0], labels[1], options);
  return EventOutcome::applied;
}

EventOutcome apply_flow_run_event(PrefectState& state, LiveRuns& live, const StateEvent& event,
                                  const ModelOptions& options) {
  const auto names = run_names(live, event);
  if (!names) return EventOutcome::unknown_run;
  if (options.keep && !options.keep(names->first, names->second)) return EventOutcome::filtered;
  const KnownState* current = known_current(live, event.run_id);
  if (auto outcome = against(current, event.state)) return *outcome;
  if (auto outcome = against(known_in(live.ended_flow_runs, event.run_id), event.state)) return *outcome;
  const LabelValues labels{names->first, names->second, event.state.type, event.state.name};
  const LabelValues* from = current != nullptr ? &live.flow_runs.at(event.run_id).labels : nullptr;
  const KnownState now{*event.state.timestamp, event.state.id};
  if (is_terminal_state_type(event.state.type)) {
    const EventOutcome counted = count_terminal_flow_run(state, event, labels, options);
    if (counted == EventOutcome::too_old) return counted;
    move_gauge(state.flow_runs_current_seen, from, nullptr);
    live.flow_runs.erase(event.run_id);
    live.ended_flow_runs[event.run_id] = now;
    return counted;
  }
  if (current == nullptr && event.state.type == "SCHEDULED") return EventOutcome::scheduled;
  move_gauge(state.flow_runs_current_seen, from, &labels);
  live.flow_runs[event.run_id] = {labels, now};
  live.ended_flow_runs.erase(event.run_id);
  return EventOutcome::applied;
}

// Task runs: counted once per (run, state) like flow runs; the gauge moves
// from the event's initial state to its new one, for transitions after the
// poll's `now` (earlier ones are in the poll's counts already).
EventOutcome apply_task_run_event(PrefectState& state, LiveRuns& live, const StateEvent& event,
                                  const ModelOptions& options) {
  if (auto outcome = against(known_in(live.task_runs, event.run_id), event.state)) return *outcome;
  const Timestamp at = *event.state.timestamp;
  const bool terminal = is_terminal_state_type(event.state.type);
  if (terminal) {
    if (state.task_watermark && at < *state.task_watermark - options.finished_overlap) return EventOutcome::too_old;
    if (!state.counted_task_states.emplace(counted_key(event.run_id, event.state.id), at).second) {
      return EventOutcome::duplicate;
    }
    state.task_runs_finished[{event.state.type, event.state.name}] += 1;
    if (event.run_count > 1) {
      const auto flow = live.flow_names.find(event.flow_id);
      const std::string name = flow != live.flow_names.end() ? flow->second : event.flow_name;
      state.task_run_retries[{name}] += static_cast<double>(event.run_count - 1);
    }
  }
  live.task_runs[event.run_id] = {at, event.state.id};
  if (at <= live.poll_now) return EventOutcome::applied;
  const bool from_current = event.from && !is_terminal_state_type(event.from->type);
  const LabelValues from = from_current ? LabelValues{event.from->type, event.from->name} : LabelValues{};
  const LabelValues to{event.state.type, event.state.name};
  move_gauge(state.task_runs_current_seen, from_current ? &from : nullptr, terminal ? nullptr : &to);
  return EventOutcome::applied;
}

template <typename Map>
void forget_known_before(Map& map, Timestamp cutoff) {
  std::erase_if(map, [&](const auto& entry) { return entry.second.at < cutoff; });
}

}  // namespace

std::string_view outcome_name(EventOutcome outcome) {
  static constexpr std::array<std::string_view, kEventOutcomes> kNames{
      "applied",  "duplicate", "stale",          "too_old",           "unknown_run",
      "scheduled", "filtered", "before_first_poll", "not_a_state_event", "undecodable"};
  return kNames.at(static_cast<std::size_t>(outcome));
}

void install_poll(LiveRuns& live, const PollResult& poll, const ModelOptions& options) {
  live.polled = true;
  live.poll_now = poll.now;
  // Every poll carries the inventory it used (read, or copied from the last read).
  live.flow_names.clear();
  live.deployment_names.clear();
  for (const auto& flow : poll.flows) live.flow_names.emplace(flow.id, flow.name);
  for (const auto& deployment : poll.deployments) live.deployment_names.emplace(deployment.id, deployment.name);
  live.flow_runs.clear();
  for (const auto& run : poll.current_flow_runs) {
    if (is_terminal_state_type(run.state.type) || run.state.type.empty()) continue;
    const auto flow = live.flow_names.find(run.flow_id);
    const auto deployment = live.deployment_names.find(run.deployment_id);
    const std::string flow_name = flow != live.flow_names.end() ? flow->second : run.flow_id;
    const std::string deployment_name = run.deployment_id.empty()                        ? std::string()
                                        : deployment != live.deployment_names.end() ? deployment->second
                                                                                    : run.deployment_id;
    if (options.keep && !options.keep(flow_name, deployment_name)) continue;
    LabelValues labels{flow_name, deployment_name, run.state.type, run.state.name};
    live.flow_runs[run.id] = {std::move(labels), {run.state.timestamp.value_or(Timestamp{}), run.state.id}};
  }
  for (const auto& run : poll.finished_flow_runs) {
    if (run.end_time) live.ended_flow_runs[run.id] = {*run.end_time, run.state.id};
  }
  const Timestamp cutoff = poll.now - 2 * options.finished_overlap;
  forget_known_before(live.ended_flow_runs, cutoff);
  forget_known_before(live.task_runs, cutoff);
}

EventOutcome apply_state_event(PrefectState& state, LiveRuns& live, const StateEvent& event,
                               const ModelOptions& options) {
  if (!live.polled) return EventOutcome::before_first_poll;
  if (!event.state.timestamp) return EventOutcome::undecodable;
  return event.kind == RunKind::flow_run ? apply_flow_run_event(state, live, event, options)
                                         : apply_task_run_event(state, live, event, options);
}

}  // namespace flowgate::collectors::prefect
