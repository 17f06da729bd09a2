// --prefect.compat-prefecthq: PrefectHQ's exporter's families from flowgate's
// poll (collectors/prefect/prefect_compat_model.hpp), on hand-made polls.
#include "collectors/prefect/prefect_compat_model.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "collectors/prefect/prefect_model.hpp"
#include "collectors/prefect/prefect_poll.hpp"

namespace flowgate::collectors::prefect {
namespace {

using namespace std::chrono_literals;
using Sample = std::map<std::string, std::string>;

const Timestamp kNow = Timestamp{} + std::chrono::hours(24 * 20000);

// Every sample of `name` as {labels: value}; absent family: empty.
std::map<Sample, double> samples(const MetricFamilies& families, const std::string& name) {
  std::map<Sample, double> out;
  for (const auto& family : families) {
    if (family.name != name) continue;
    for (const auto& metric : family.metric) {
      Sample labels;
      for (const auto& pair : metric.label) labels[pair.name] = pair.value;
      out[labels] = metric.gauge.value;
    }
  }
  return out;
}

bool served(const MetricFamilies& families, const std::string& name) {
  return std::any_of(families.begin(), families.end(), [&](const auto& family) { return family.name == name; });
}

FlowRun run(std::string id, std::string state_type, std::string state_name, Timestamp start,
            std::optional<Timestamp> end = std::nullopt, double run_time = 0) {
  FlowRun r;
  r.id = std::move(id);
  r.name = "run-" + r.id;
  r.flow_id = "f1";
  r.deployment_id = "d1";
  r.work_pool_name = "pool";
  r.work_queue_name = "default";
  r.state = {"s-" + r.id, std::move(state_type), std::move(state_name), "", end};
  r.start_time = start;
  r.expected_start_time = start;
  r.end_time = end;
  r.total_run_time = run_time;
  return r;
}

PollResult inventory() {
  PollResult poll;
  poll.now = kNow;
  poll.server_version = "3.9.1";
  poll.flows = {{"f1", "etl"}, {"f2", "report"}};
  Deployment daily;
  daily.id = "d1";
  daily.name = "daily";
  daily.flow_id = "f1";
  daily.status = "READY";
  daily.paused = true;
  daily.work_pool_name = "pool";
  daily.work_queue_name = "default";
  daily.tags = {"prod", "etl"};
  poll.deployments = {daily};
  poll.work_pools = {{"p1", "pool", "process", "READY", false}};
  WorkQueue queue;
  queue.name = "default";
  queue.work_pool_name = "pool";
  queue.status = "READY";
  queue.priority = 1;
  queue.last_polled = kNow - 10s;
  poll.work_queues = {queue};
  return poll;
}

ModelOptions compat_on() {
  ModelOptions options;
  options.compat.enabled = true;
  return options;
}

TEST(PrefectCompat, ServesNothingOfTheExportersOwnWithoutTheFlag) {
  const auto outcome = build_families({}, inventory(), {});
  EXPECT_FALSE(served(outcome.families, "prefect_flows_total"));
  EXPECT_FALSE(served(outcome.families, "prefect_info_work_queues"));
  const auto info = samples(outcome.families, "prefect_info_deployment");
  ASSERT_EQ(info.size(), 1u);
  EXPECT_EQ(info.begin()->first.at("paused"), "true");
  EXPECT_EQ(info.begin()->first.count("tags"), 0u);
}

TEST(PrefectCompat, SharedFamiliesTakeTheExportersLabelsAndSpelling) {
  const auto outcome = build_families({}, inventory(), compat_on());
  const auto info = samples(outcome.families, "prefect_info_deployment");
  const Sample expected{{"flow_name", "etl"},        {"is_schedule_active", "False"}, {"deployment_name", "daily"},
                        {"path", ""},                {"paused", "True"},              {"work_pool_name", "pool"},
                        {"work_queue_name", "default"}, {"status", "READY"},          {"tags", "etl,prod"}};
  EXPECT_EQ(info, (std::map<Sample, double>{{expected, 1}}));
  EXPECT_EQ(samples(outcome.families, "prefect_info_work_pools"),
            (std::map<Sample, double>{
                {{{"is_paused", "False"}, {"work_pool_name", "pool"}, {"type", "process"}, {"status", "READY"}}, 1}}));
  EXPECT_EQ(samples(outcome.families, "prefect_flows_total"), (std::map<Sample, double>{{{}, 2}}));
  EXPECT_EQ(samples(outcome.families, "prefect_info_flows").size(), 2u);
  const auto names = std::count_if(outcome.families.begin(), outcome.families.end(),
                                   [](const auto& family) { return family.name == "prefect_info_deployment"; });
  EXPECT_EQ(names, 1);  // replaced, not served twice
}

TEST(PrefectCompat, QueueHealthComesFromLateRunsAndLastPolledWithoutAStatusRequest) {
  PollResult poll = inventory();
  auto outcome = build_families({}, poll, compat_on());
  auto info = samples(outcome.families, "prefect_info_work_queues");
  ASSERT_EQ(info.size(), 1u);
  EXPECT_EQ(info.begin()->first.at("healthy"), "True");
  EXPECT_EQ(info.begin()->first.at("type"), "null");
  EXPECT_EQ(info.begin()->first.at("priority"), "1");
  EXPECT_EQ(info.begin()->first.at("health_check_policy_maximum_seconds_since_last_polled"), "60");

  poll.current_flow_runs = {run("late", "SCHEDULED", "Late", kNow - 5min)};
  outcome = build_families({}, poll, compat_on());
  const auto late = samples(outcome.families, "prefect_work_queues_late_runs_count");
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late.begin()->first.at("healthy"), "False");
  EXPECT_EQ(late.begin()->second, 1);

  poll.current_flow_runs.clear();
  poll.work_queues[0].last_polled = kNow - 61s;  // no worker polled within Prefect's minute
  outcome = build_families({}, poll, compat_on());
  EXPECT_EQ(samples(outcome.families, "prefect_info_work_queues").begin()->first.at("healthy"), "False");
}

TEST(PrefectCompat, RunTimeIsOneSamplePerLabelSetHoldingTheMeanOfTheWindow) {
  PollResult poll = inventory();
  poll.finished_flow_runs = {run("a", "COMPLETED", "Completed", kNow - 100s, kNow - 60s, 10),
                             run("b", "FAILED", "Failed", kNow - 50s, kNow - 20s, 30)};
  const auto outcome = build_families({}, poll, compat_on());
  EXPECT_EQ(samples(outcome.families, "prefect_flow_runs_total_run_time"),
            (std::map<Sample, double>{{{{"flow_name", "etl"}, {"deployment_name", "daily"}}, 20}}));
  EXPECT_EQ(samples(outcome.families, "prefect_flow_runs_total"), (std::map<Sample, double>{{{}, 2}}));
}

TEST(PrefectCompat, RunsLeaveTheWindowOffsetMinutesAfterTheyEnded) {
  PollResult poll = inventory();
  poll.finished_flow_runs = {run("a", "COMPLETED", "Completed", kNow - 100s, kNow - 60s, 10)};
  auto outcome = build_families({}, poll, compat_on());
  EXPECT_EQ(samples(outcome.families, "prefect_flow_runs_total").begin()->second, 1);

  PollResult later = inventory();  // the run is no longer in the finished read
  later.now = kNow + 2min + 1s;    // ended 3 min 1 s ago; OFFSET_MINUTES is 3
  outcome = build_families(outcome.state, later, compat_on());
  EXPECT_EQ(samples(outcome.families, "prefect_flow_runs_total").begin()->second, 0);
  EXPECT_TRUE(samples(outcome.families, "prefect_flow_runs_total_run_time").empty());
}

TEST(PrefectCompat, InfoFlowRunsCountsRunsStartedInTheWindowByCurrentState) {
  PollResult poll = inventory();
  poll.finished_flow_runs = {run("a", "COMPLETED", "Completed", kNow - 100s, kNow - 60s),
                             run("b", "COMPLETED", "Completed", kNow - 10min, kNow - 60s)};  // started before
  poll.current_flow_runs = {run("c", "RUNNING", "Running", kNow - 30s), run("d", "RUNNING", "Running", kNow - 20s)};
  auto options = compat_on();
  auto outcome = build_families({}, poll, options);
  const Sample base{{"deployment_name", "daily"}, {"flow_name", "etl"}, {"work_queue_name", "default"}};
  auto completed = base, running = base;
  completed["state_name"] = "Completed";
  running["state_name"] = "Running";
  EXPECT_EQ(samples(outcome.families, "prefect_info_flow_runs"),
            (std::map<Sample, double>{{completed, 1}, {running, 2}}));

  options.compat.flow_run_name_label = true;
  outcome = build_families({}, poll, options);
  EXPECT_EQ(samples(outcome.families, "prefect_info_flow_runs").size(), 3u);
}

TEST(PrefectCompat, OngoingRunTimeIsPerRunSinceItsStart) {
  PollResult poll = inventory();
  poll.current_flow_runs = {run("c", "RUNNING", "Running", kNow - 30s), run("p", "PAUSED", "Paused", kNow - 20s)};
  poll.current_flow_runs.push_back(run("s", "SCHEDULED", "Scheduled", kNow));
  poll.current_flow_runs.back().start_time.reset();  // never started: no series
  const auto outcome = build_families({}, poll, compat_on());
  EXPECT_EQ(samples(outcome.families, "prefect_flow_runs_ongoing_run_time"),
            (std::map<Sample, double>{{{{"deployment_name", "daily"},
                                        {"flow_name", "etl"},
                                        {"state_name", "Running"},
                                        {"flow_run_id", "c"}},
                                       30}}));
}

TEST(PrefectCompat, FailedDeploymentRunsKeepTheNewestLimitPerDeploymentFlowAndState) {
  PollResult poll = inventory();
  poll.compat_failed_runs = std::vector<FlowRun>{
      run("old", "FAILED", "Failed", kNow - 3h, kNow - 3h), run("mid", "FAILED", "Failed", kNow - 2h, kNow - 2h),
      run("new", "FAILED", "Failed", kNow - 1h, kNow - 1h), run("crash", "CRASHED", "Crashed", kNow - 1h, kNow - 1h),
      run("week", "FAILED", "Failed", kNow - 8 * 24h, kNow - 8 * 24h)};  // outside FAILED_RUNS_OFFSET_MINUTES
  poll.compat_failed_runs->push_back(run("adhoc", "FAILED", "Failed", kNow - 1h, kNow - 1h));
  poll.compat_failed_runs->back().deployment_id.clear();
  auto options = compat_on();
  options.compat.failed_limit = 2;
  const auto outcome = build_families({}, poll, options);
  std::set<std::pair<std::string, std::string>> got;
  for (const auto& [labels, value] : samples(outcome.families, "prefect_deployment_failed_flow_runs")) {
    EXPECT_EQ(value, 1);
    got.insert({labels.at("last_failed_run_id"), labels.at("state_name")});
  }
  EXPECT_EQ(got, (std::set<std::pair<std::string, std::string>>{{"new", "Failed"}, {"mid", "Failed"},
                                                                {"crash", "Crashed"}}));
  EXPECT_TRUE(outcome.state.compat.failed_filled);

  options.compat.failed_offset = 0min;  // FAILED_RUNS_OFFSET_MINUTES=0 turns the family off
  EXPECT_FALSE(served(build_families({}, poll, options).families, "prefect_deployment_failed_flow_runs"));
}

TEST(PrefectCompat, AsksForTheWindowReadsOnlyUntilAPollFilledThem) {
  CompatOptions options;
  PollRequest request;
  request.now = kNow;
  plan_compat_reads({}, options, request);
  EXPECT_FALSE(request.compat_window_since || request.compat_failed_since || request.compat_read_work_queues);

  options.enabled = true;
  plan_compat_reads({}, options, request);
  EXPECT_EQ(request.compat_window_since, kNow - 3min);
  EXPECT_EQ(request.compat_failed_since, kNow - 7 * 24h);
  EXPECT_TRUE(request.compat_read_work_queues);

  PollResult poll = inventory();
  poll.compat_window_runs.emplace();
  poll.compat_failed_runs.emplace();
  ModelOptions model;
  model.compat = options;
  const auto outcome = build_families({}, poll, model);
  PollRequest next;
  next.now = kNow;
  plan_compat_reads(outcome.state.compat, options, next);
  EXPECT_FALSE(next.compat_window_since || next.compat_failed_since);
}

}  // namespace
}  // namespace flowgate::collectors::prefect
