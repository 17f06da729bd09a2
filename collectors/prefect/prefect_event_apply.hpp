#pragma once
// How a run state event from Prefect's stream moves the collector's state
// between two polls, and how a poll takes the gauges back (the poll wins).
// The rules (docs/design-notes/prefect-collector.md, "Events in real time"):
// - Nothing applies before the first poll: the seed and the first finished
//   read hold everything up to it.
// - A terminal state is counted once per (run, state id): the event marks
//   it in the counted set the poll's finished read checks (Prefect makes
//   the event id the state id), so the poll never counts it again; one it
//   already counted is a duplicate. A terminal state older than the poll's
//   window (watermark - overlap) is too old: the poll decided about it.
// - The current-runs gauge follows each run's newest state; an event older
//   than what is known of its run (a replay, or out of order) is stale.
// - A flow run whose flow or deployment the inventory does not know is
//   left to the poll (`unknown_run`), as is a new run entering SCHEDULED
//   (only the poll knows when a scheduled run comes due).
// Pure and deterministic, no I/O; the caller serializes access.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "collectors/prefect/prefect_event.hpp"
#include "collectors/prefect/prefect_model.hpp"

namespace flowgate::collectors::prefect {

// What became of one message of the stream: the `outcome` label of
// flowgate_prefect_events_total.
enum class EventOutcome {
  applied,
  duplicate,          // this state of this run was applied or counted already
  stale,              // older than the run's state already known
  too_old,            // a terminal state before the poll's window
  unknown_run,        // flow or deployment unknown to the inventory
  scheduled,          // a run not known yet entering SCHEDULED: the poll's
  filtered,           // --prefect.flows-include/... leave the run out
  before_first_poll,  // no poll has succeeded yet
  not_a_state_event,  // another event, or another message type
  undecodable,        // not JSON, or a state event without its fields
};
inline constexpr std::size_t kEventOutcomes = 10;
std::string_view outcome_name(EventOutcome outcome);

struct KnownState {
  Timestamp at;
  std::string state_id;
};

// What events know beyond PrefectState: each current flow run's place in
// prefect_flow_runs, the newest state seen of runs that ended and of task
// runs (bounded by time, see install_poll), the inventory's names.
struct LiveRuns {
  bool polled = false;
  Timestamp poll_now{};  // the last poll's `now`
  struct CurrentRun {
    LabelValues labels;  // flow, deployment, state type, state name
    KnownState state;
  };
  std::unordered_map<std::string, CurrentRun> flow_runs;
  std::unordered_map<std::string, KnownState> ended_flow_runs;
  std::unordered_map<std::string, KnownState> task_runs;
  std::unordered_map<std::string, std::string> flow_names;        // id -> name
  std::unordered_map<std::string, std::string> deployment_names;  // id -> name
};

// After a successful poll (build_families done): the gauge view
// becomes the poll's (its current runs), the names its inventory's, and the
// runs it saw finish are remembered; entries older than twice the overlap
// before the poll are forgotten.
void install_poll(LiveRuns& live, const PollResult& poll, const ModelOptions& options);

// Applies one event to `state` (counters, the failure ring, the gauges'
// label sets) and `live`. Never lowers a counter.
EventOutcome apply_state_event(PrefectState& state, LiveRuns& live, const StateEvent& event,
                               const ModelOptions& options);

}  // namespace flowgate::collectors::prefect
