#include "collectors/prefect/prefect_model.hpp"

#include <algorithm>
#include <chrono>

#include <gtest/gtest.h>

#include "tests/collectors/prefect/fixture.hpp"
#include "tests/collectors/prefect/recorded_poll.hpp"

namespace flowgate::collectors::prefect {
namespace {

using testing::fixture;
using testing::recorded_poll;
using namespace std::chrono_literals;

const prometheus::MetricFamily& family(const MetricFamilies& families, const std::string& name) {
  const auto it = std::find_if(families.begin(), families.end(), [&](const auto& f) { return f.name == name; });
  if (it == families.end()) throw std::logic_error("no family " + name);
  return *it;
}

std::string label(const prometheus::ClientMetric& metric, const std::string& name) {
  for (const auto& pair : metric.label) {
    if (pair.name == name) return pair.value;
  }
  return "<absent>";
}

// Value of the one sample whose labels include all of `want`.
double value(const MetricFamilies& families, const std::string& name,
             const std::vector<std::pair<std::string, std::string>>& want) {
  const auto& f = family(families, name);
  const prometheus::ClientMetric* found = nullptr;
  for (const auto& metric : f.metric) {
    const bool match = std::all_of(want.begin(), want.end(), [&](const auto& w) { return label(metric, w.first) == w.second; });
    if (!match) continue;
    if (found != nullptr) throw std::logic_error("several samples of " + name + " match");
    found = &metric;
  }
  if (found == nullptr) throw std::logic_error("no sample of " + name + " matches");
  return f.type == prometheus::MetricType::Counter ? found->counter.value : found->gauge.value;
}

TEST(PrefectExceptionType, ReadsTheTypeNamedInPrefectsMessages) {
  struct Case {
    std::string_view message;
    std::string_view type;
  };
  const Case cases[] = {
      {"Flow run encountered an exception: ValueError: bad input row 17", "ValueError"},
      {"Flow run encountered an exception: prefect.exceptions.MissingResult: no result", "MissingResult"},
      {"Task run encountered an exception RuntimeError: transient", "RuntimeError"},
      {"Flow run encountered an exception: KeyError", "KeyError"},
      {"Flow run exceeded timeout of 1.0 second(s)", "FlowRunTimeoutError"},
      {"Execution was aborted by Python system exit call.", "SystemExit"},
      {"Execution was aborted by an interrupt signal.", "KeyboardInterrupt"},
      {"Flow run encountered an exception: something went wrong here", "unknown"},
      {"Flow run encountered an exception: 42: odd", "unknown"},
      {"cancelled by test", "unknown"},
      {"", "unknown"},
  };
  for (const auto& c : cases) EXPECT_EQ(exception_type_from_message(c.message), c.type) << c.message;
}

TEST(PrefectModel, CountsRecordedRunsByFlowDeploymentAndState) {
  const auto outcome = build_families({}, recorded_poll(), {});
  const auto& f = outcome.families;
  EXPECT_EQ(value(f, "prefect_up", {}), 1);
  EXPECT_EQ(value(f, "prefect_server_info", {{"version", "3.8.8"}}), 1);
  EXPECT_EQ(value(f, "prefect_flow_runs_finished_total",
                  {{"flow_name", "etl-bad"}, {"deployment_name", ""}, {"state_type", "FAILED"}, {"state_name", "Failed"}}),
            1);
  EXPECT_EQ(value(f, "prefect_flow_runs_finished_total", {{"flow_name", "etl-timeout"}, {"state_name", "TimedOut"}}), 1);
  EXPECT_EQ(value(f, "prefect_flow_runs",
                  {{"flow_name", "nightly-report"}, {"deployment_name", "daily"}, {"state_name", "Late"}}),
            1);
  EXPECT_EQ(value(f, "prefect_flow_run_lateness_seconds", {{"flow_name", "nightly-report"}, {"deployment_name", "daily"}}),
            108);  // 14:01:30 - 13:59:42
  EXPECT_EQ(value(f, "prefect_work_queues_late_runs_count", {{"work_pool_name", "pool-a"}, {"work_queue_name", "default"}}),
            1);
  EXPECT_EQ(value(f, "prefect_flow_run_failures_total", {{"flow_name", "etl-bad"}, {"exception_type", "ValueError"}}), 1);
  EXPECT_EQ(value(f, "prefect_flow_run_failures_total", {{"flow_name", "etl-crash"}, {"exception_type", "SystemExit"}}), 1);
  EXPECT_EQ(value(f, "prefect_flow_run_last_failure_info",
                  {{"flow_run_id", "b0939a28-c907-4fb7-9fb2-5c49d4d7aa73"}, {"flow_run_name", "adventurous-peacock"}}),
            1);
  EXPECT_EQ(value(f, "prefect_task_run_retries_total", {{"flow_name", "etl-good"}}), 2);
  EXPECT_EQ(value(f, "prefect_task_runs_finished_total", {{"state_type", "COMPLETED"}}), 3);
  EXPECT_EQ(value(f, "prefect_worker_online", {{"worker_name", "worker-1"}}), 1);
  EXPECT_EQ(value(f, "prefect_worker_online", {{"worker_name", "worker-gone"}}), 0);
  EXPECT_NEAR(value(f, "prefect_worker_heartbeat_age_seconds", {{"worker_name", "worker-gone"}}), 47.491965, 1e-6);
  EXPECT_EQ(value(f, "prefect_info_deployment", {{"deployment_name", "daily"}, {"status", "NOT_READY"},
                                                 {"paused", "false"}, {"is_schedule_active", "true"}}),
            1);
  EXPECT_EQ(value(f, "prefect_deployments_total", {}), 1);
  EXPECT_EQ(value(f, "prefect_info_work_pools", {{"work_pool_name", "pool-a"}, {"type", "process"}}), 1);
}

TEST(PrefectModel, FlagsRunsRunningLongerThanTheThreshold) {
  ModelOptions options;
  options.stuck_running_after = 30s;  // "stuck" started 14:00:43, now is 14:01:30
  const auto outcome = build_families({}, recorded_poll(), options);
  EXPECT_EQ(value(outcome.families, "prefect_flow_runs_stuck_running", {{"flow_name", "nightly-report"}}), 1);
  options.stuck_running_after = 1h;
  const auto later = build_families({}, recorded_poll(), options);
  EXPECT_EQ(value(later.families, "prefect_flow_runs_stuck_running", {{"flow_name", "nightly-report"}}), 0);
}

TEST(PrefectModel, CountsEachTerminalStateOnceAcrossOverlappingPolls) {
  const auto first = build_families({}, recorded_poll(), {});
  auto again = recorded_poll();
  again.now += 30s;
  const auto second = build_families(first.state, again, {});
  EXPECT_EQ(value(second.families, "prefect_flow_runs_finished_total", {{"flow_name", "etl-bad"}}), 1);
  EXPECT_EQ(value(second.families, "prefect_task_run_retries_total", {{"flow_name", "etl-good"}}), 2);
  const auto& histogram = family(second.families, "prefect_flow_run_duration_seconds").metric;
  const auto bad = std::find_if(histogram.begin(), histogram.end(), [](const auto& m) { return label(m, "flow_name") == "etl-bad"; });
  ASSERT_NE(bad, histogram.end());
  EXPECT_EQ(bad->histogram.sample_count, 1u);
  EXPECT_EQ(bad->histogram.bucket.back().cumulative_count, 1u);
}

TEST(PrefectModel, CountersNeverDecreaseWhenRunsLeaveTheWindowOrTheServerForgetsThem) {
  const auto first = build_families({}, recorded_poll(), {});
  PollResult empty;
  empty.now = *parse_timestamp("2026-11-23T15:00:00Z");
  empty.flows = recorded_poll().flows;
  const auto second = build_families(first.state, empty, {});
  for (const auto& name : {"prefect_flow_runs_finished_total", "prefect_flow_run_failures_total",
                           "prefect_task_runs_finished_total", "prefect_task_run_retries_total"}) {
    const auto& before = family(first.families, name).metric;
    const auto& after = family(second.families, name).metric;
    ASSERT_EQ(before.size(), after.size()) << name;
    for (std::size_t i = 0; i < before.size(); ++i) EXPECT_GE(after[i].counter.value, before[i].counter.value) << name;
  }
  // Current gauges keep their label sets at zero instead of vanishing.
  EXPECT_EQ(value(second.families, "prefect_flow_runs", {{"state_name", "Late"}}), 0);
}

TEST(PrefectModel, ForgetsCountedStatesOnceTheWatermarkLeavesThemBehindTheOverlap) {
  const auto first = build_families({}, recorded_poll(), {});
  EXPECT_EQ(first.state.counted_flow_states.size(), 5u);
  PollResult later;
  later.now = *parse_timestamp("2026-11-23T15:00:00Z");
  FlowRun run;
  run.id = "r";
  run.flow_id = "f";
  run.state = {"s", "COMPLETED", "Completed", "", later.now - 10s};
  run.end_time = run.state.timestamp;
  later.finished_flow_runs.push_back(run);
  const auto second = build_families(first.state, later, {});
  ASSERT_EQ(second.state.counted_flow_states.size(), 1u);
  EXPECT_EQ(second.state.counted_flow_states.begin()->first, "r/s");
  EXPECT_EQ(second.state.watermark, run.end_time);
}

TEST(PrefectModel, SeedsFinishedCountersOnlyAtTheFirstPollAndNeverBelowWhatWasCounted) {
  auto poll = recorded_poll();
  const auto flow_id = std::find_if(poll.flows.begin(), poll.flows.end(), [](const Flow& f) { return f.name == "etl-bad"; })->id;
  poll.finished_seed = {{flow_id, "", "FAILED", "Failed", 40}};
  const auto first = build_families({}, poll, {});
  // The seed (40 runs in the database) already holds the run read at the same poll.
  EXPECT_EQ(value(first.families, "prefect_flow_runs_finished_total", {{"flow_name", "etl-bad"}, {"state_name", "Failed"}}),
            40);
  poll.finished_seed = {{flow_id, "", "FAILED", "Failed", 3}};
  const auto second = build_families(first.state, poll, {});
  EXPECT_EQ(value(second.families, "prefect_flow_runs_finished_total", {{"flow_name", "etl-bad"}, {"state_name", "Failed"}}),
            40);
}

// A run that finishes while the seed is read: the seed is bounded by end
// time, so the run is either in it or counted on top of it, never both.
TEST(PrefectModel, CountsRunsThatEndedAfterTheSeedsBoundOnTopOfTheSeed) {
  PollResult poll;
  poll.now = *parse_timestamp("2026-11-23T14:10:00Z");
  poll.flows = {{"f", "etl"}};
  poll.seed_until = poll.now - 5s;
  poll.finished_seed = {{"f", "", "FAILED", "Failed", 40}};
  for (const auto& [id, ended] : {std::pair{"in-seed", poll.now - 30s}, std::pair{"at-bound", poll.now - 5s},
                                  std::pair{"after-bound", poll.now - 2s}}) {
    FlowRun run;
    run.id = id;
    run.flow_id = "f";
    run.total_run_time = 7;
    run.state = {std::string(id) + "-state", "FAILED", "Failed", "Flow run encountered an exception: KeyError: x", ended};
    run.end_time = ended;
    poll.finished_flow_runs.push_back(run);
  }
  const auto first = build_families({}, poll, {});
  const std::vector<std::pair<std::string, std::string>> failed{{"flow_name", "etl"}, {"state_name", "Failed"}};
  EXPECT_EQ(value(first.families, "prefect_flow_runs_finished_total", failed), 41);
  EXPECT_EQ(value(first.families, "prefect_flow_run_failures_total", {{"flow_name", "etl"}}), 1);
  EXPECT_EQ(value(first.families, "prefect_flow_run_last_failure_info", {{"flow_run_id", "after-bound"}}), 1);
  EXPECT_EQ(first.state.watermark, poll.now - 2s);
  // The next poll reads the same window again: nothing is counted twice.
  PollResult next = poll;
  next.now = poll.now + 30s;
  next.finished_seed.clear();
  next.seed_until.reset();
  const auto second = build_families(first.state, next, {});
  EXPECT_EQ(value(second.families, "prefect_flow_runs_finished_total", failed), 41);
}

TEST(PrefectModel, ARestoredStateCountsWhatFinishedSinceItsWatermarkThenTakesTheSeedAsAFloor) {
  auto poll = recorded_poll();
  const auto flow_id = std::find_if(poll.flows.begin(), poll.flows.end(), [](const Flow& f) { return f.name == "etl-bad"; })->id;
  PrefectState restored;
  restored.restored = true;
  restored.watermark = poll.now - 1h;
  restored.flow_runs_finished[{"etl-bad", "", "FAILED", "Failed"}] = 10;
  restored.flow_run_failures[{"etl-bad", "", "ValueError"}] = 10;
  // Prefect's database forgot old runs: its count is below what was published.
  poll.finished_seed = {{flow_id, "", "FAILED", "Failed", 3}};
  const auto lower = build_families(restored, poll, {});
  const std::vector<std::pair<std::string, std::string>> bad_failed{{"flow_name", "etl-bad"}, {"state_name", "Failed"}};
  EXPECT_EQ(value(lower.families, "prefect_flow_runs_finished_total", bad_failed), 11);  // + the run read
  EXPECT_EQ(value(lower.families, "prefect_flow_run_failures_total", {{"flow_name", "etl-bad"}}), 11);
  // Prefect counts runs flowgate never saw: the seed is the floor.
  poll.finished_seed = {{flow_id, "", "FAILED", "Failed", 40}};
  const auto higher = build_families(restored, poll, {});
  EXPECT_EQ(value(higher.families, "prefect_flow_runs_finished_total", bad_failed), 40);
  EXPECT_EQ(value(higher.families, "prefect_flow_run_failures_total", {{"flow_name", "etl-bad"}}), 11);
}

TEST(PrefectModel, CountsCurrentTaskRunsFromHistoryAndZeroFillsStatesThatEmptied) {
  PollResult poll;
  poll.now = *parse_timestamp("2026-11-23T14:10:00Z");
  poll.current_task_states = {{"RUNNING", "Running", 1200, 0, 0}, {"SCHEDULED", "AwaitingRetry", 3, 0, 0},
                              {"COMPLETED", "Completed", 9, 0, 0}};
  const auto first = build_families({}, poll, {});
  EXPECT_EQ(value(first.families, "prefect_task_runs", {{"state_name", "Running"}}), 1200);
  EXPECT_EQ(value(first.families, "prefect_task_runs", {{"state_name", "AwaitingRetry"}}), 3);
  EXPECT_THROW(value(first.families, "prefect_task_runs", {{"state_name", "Completed"}}), std::logic_error);
  poll.current_task_states = {{"RUNNING", "Running", 1199, 0, 0}};
  const auto second = build_families(first.state, poll, {});
  EXPECT_EQ(value(second.families, "prefect_task_runs", {{"state_name", "Running"}}), 1199);
  EXPECT_EQ(value(second.families, "prefect_task_runs", {{"state_name", "AwaitingRetry"}}), 0);
}

TEST(PrefectModel, BoundsFailureInfoAndExceptionTypes) {
  ModelOptions options;
  options.failure_info_limit = 2;
  options.exception_types_per_deployment = 1;
  PollResult poll;
  poll.now = *parse_timestamp("2026-11-23T14:10:00Z");
  poll.flows = {{"f", "etl"}};
  const char* types[] = {"ValueError", "KeyError", "OSError", "ValueError"};
  for (int i = 0; i < 4; ++i) {
    FlowRun run;
    run.id = "run-" + std::to_string(i);
    run.name = "name-" + std::to_string(i);
    run.flow_id = "f";
    run.state = {"state-" + std::to_string(i), "FAILED", "Failed",
                 std::string("Flow run encountered an exception: ") + types[i] + ": x",
                 poll.now - std::chrono::minutes(10 - i)};
    run.end_time = run.state.timestamp;
    poll.finished_flow_runs.push_back(run);
  }
  const auto outcome = build_families({}, poll, options);
  EXPECT_EQ(family(outcome.families, "prefect_flow_run_last_failure_info").metric.size(), 2u);
  EXPECT_EQ(value(outcome.families, "prefect_flow_run_last_failure_info", {{"flow_run_id", "run-3"}}), 1);
  EXPECT_EQ(value(outcome.families, "prefect_flow_run_failures_total", {{"exception_type", "ValueError"}}), 2);
  EXPECT_EQ(value(outcome.families, "prefect_flow_run_failures_total", {{"exception_type", "other"}}), 2);
}

TEST(PrefectModel, LeavesOutRunsAndDeploymentsOfFlowsNotKept) {
  ModelOptions options;
  options.keep = [](std::string_view flow, std::string_view) { return flow != "etl-bad" && flow != "nightly-report"; };
  const auto outcome = build_families({}, recorded_poll(), options);
  for (const auto& metric : family(outcome.families, "prefect_flow_runs_finished_total").metric) {
    EXPECT_NE(label(metric, "flow_name"), "etl-bad");
  }
  EXPECT_TRUE(family(outcome.families, "prefect_flow_runs").metric.empty());
  EXPECT_TRUE(family(outcome.families, "prefect_info_deployment").metric.empty());
  EXPECT_EQ(value(outcome.families, "prefect_deployments_total", {}), 0);
  EXPECT_EQ(value(outcome.families, "prefect_flow_runs_finished_total", {{"flow_name", "etl-good"}}), 1);
}

}  // namespace
}  // namespace flowgate::collectors::prefect
