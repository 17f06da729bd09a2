#pragma once
// Prefect's event stream (the websocket GET /api/events/out) as values: the
// two messages flowgate sends (auth, filter) and the decoding of what the
// server sends into the run state events the collector applies. Shapes as
// Prefect 3.9.1 serves them (docs/design-notes/prefect-collector.md,
// "Events in real time"). Pure, no I/O, safe from any thread; a message
// that does not decode is an error value naming the field.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "collectors/prefect/prefect_json.hpp"

namespace flowgate::collectors::prefect {

enum class RunKind { flow_run, task_run };

// A `prefect.flow-run.<State>` or `prefect.task-run.<State>` event: a run
// entered a state. Prefect uses the new state's id as the event's id, so
// `state.id` is both (the poll's counted sets key on it), and
// `state.timestamp` is the run's end_time when the state is terminal.
struct StateEvent {
  RunKind kind = RunKind::flow_run;
  std::string run_id;  // the uuid, without the "prefect.flow-run." prefix
  std::string run_name;
  RunState state;                 // id, type, name, message, timestamp (always set)
  std::optional<RunState> from;   // payload.initial_state's type and name; none for a new run
  std::string flow_id;            // related resource of role "flow" ("" when absent)
  std::string flow_name;
  std::string deployment_id;      // role "deployment"; "" for ad-hoc runs
  std::string deployment_name;
  std::string flow_run_id;        // task runs: role "flow-run"
  std::int64_t run_count = 0;     // prefect.run-count
  Timestamp occurred;
};

enum class StreamMessageKind {
  auth_success,  // {"type":"auth_success"}
  state_event,   // an event of a run entering a state: `event` is set
  other_event,   // any other event (a heartbeat, a deployment's...): `event_name` says which
  other,         // a message of another type: `type` says which
};

struct StreamMessage {
  StreamMessageKind kind = StreamMessageKind::other;
  std::string type;
  std::string event_name;
  std::optional<StateEvent> event;
};

// One text message of the stream. Errors: not JSON, not an object, no
// string "type", or a run state event missing its id, run id, state type,
// state name or a readable state timestamp.
JsonResult<StreamMessage> parse_stream_message(std::string_view text);

// {"type":"auth","token":<token>}; an empty token is sent as null (a server
// without an auth string accepts that).
std::string auth_message(std::string_view token);

// The subscription: run state events (flow and task runs, heartbeats
// excluded) occurring from `since` on, without backfill (the poll heals
// what happened while the stream was down).
std::string filter_message(Timestamp since);

}  // namespace flowgate::collectors::prefect
