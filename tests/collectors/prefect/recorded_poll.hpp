#pragma once
// The recorded Prefect 3.8.8 server (fixtures/) as one fully read poll, split
// the way the poll plan reads it: the model's and the state file's input.

#include "collectors/prefect/prefect_model.hpp"
#include "tests/collectors/prefect/fixture.hpp"

namespace flowgate::collectors::prefect::testing {

inline PollResult recorded_poll() {
  PollResult poll;
  poll.now = *parse_timestamp("2026-11-23T14:01:30Z");
  poll.server_version = "3.8.8";
  poll.flows = *parse_flows(fixture("flows_filter.json"));
  poll.deployments = *parse_deployments(fixture("deployments_filter.json"));
  poll.work_pools = *parse_work_pools(fixture("work_pools_filter.json"));
  poll.work_queues = *parse_work_queues(fixture("work_queues_filter.json"));
  for (auto& worker : *parse_workers(fixture("workers_filter.json"))) poll.workers.push_back({"pool-a", worker});
  for (auto& run : *parse_flow_runs(fixture("flow_runs_filter.json"))) {
    (is_terminal_state_type(run.state.type) ? poll.finished_flow_runs : poll.current_flow_runs).push_back(run);
  }
  poll.finished_task_runs = *parse_task_runs(fixture("task_runs_filter.json"));
  return poll;
}

}  // namespace flowgate::collectors::prefect::testing
