#include "collectors/prefect/prefect_json.hpp"

#include <algorithm>
#include <chrono>

#include <gtest/gtest.h>

#include "tests/collectors/prefect/fixture.hpp"

namespace flowgate::collectors::prefect {
namespace {

using testing::fixture;

Timestamp utc(int y, unsigned mo, unsigned d, int h, int mi, int s, int micros = 0) {
  using namespace std::chrono;
  return Timestamp{sys_days{year{y} / month{mo} / day{d}}} + hours{h} + minutes{mi} + seconds{s} +
         microseconds{micros};
}

template <typename T>
const T& named(const std::vector<T>& items, const std::string& name) {
  const auto it = std::find_if(items.begin(), items.end(), [&](const T& item) { return item.name == name; });
  if (it == items.end()) throw std::logic_error("no item named " + name);
  return *it;
}

TEST(PrefectTimestamp, ReadsPydanticUtcWithMicroseconds) {
  EXPECT_EQ(parse_timestamp("2026-11-23T14:00:42.508814Z"), utc(2026, 11, 23, 14, 0, 42, 508814));
}

TEST(PrefectTimestamp, ReadsWithoutFractionAndWithShortOrLongFractions) {
  EXPECT_EQ(parse_timestamp("2026-11-23T13:00:54Z"), utc(2026, 11, 23, 13, 0, 54));
  EXPECT_EQ(parse_timestamp("2026-11-23T14:00:43.168Z"), utc(2026, 11, 23, 14, 0, 43, 168000));
  EXPECT_EQ(parse_timestamp("2026-11-23T14:00:43.123456789Z"), utc(2026, 11, 23, 14, 0, 43, 123456));
}

TEST(PrefectTimestamp, AppliesNumericOffsets) {
  EXPECT_EQ(parse_timestamp("2026-11-23T16:30:00+02:30"), utc(2026, 11, 23, 14, 0, 0));
  EXPECT_EQ(parse_timestamp("2026-11-23T09:00:00-05:00"), utc(2026, 11, 23, 14, 0, 0));
  EXPECT_EQ(parse_timestamp("2026-11-23 14:00:00+00:00"), utc(2026, 11, 23, 14, 0, 0));
}

TEST(PrefectTimestamp, RejectsNaiveOrMalformedTimes) {
  EXPECT_EQ(parse_timestamp("2026-11-23T14:00:00"), std::nullopt);
  EXPECT_EQ(parse_timestamp("2026-02-30T14:00:00Z"), std::nullopt);
  EXPECT_EQ(parse_timestamp("2026-11-23T14:00:00.Z"), std::nullopt);
  EXPECT_EQ(parse_timestamp("2026-11-23T14:00:00Zjunk"), std::nullopt);
  EXPECT_EQ(parse_timestamp(""), std::nullopt);
}

TEST(PrefectJson, DecodesRecordedFlowRuns) {
  const auto runs = parse_flow_runs(fixture("flow_runs_filter.json"));
  ASSERT_TRUE(runs) << runs.error().describe();
  ASSERT_EQ(runs->size(), 7u);

  const FlowRun& failed = named(*runs, "adventurous-peacock");
  EXPECT_EQ(failed.id, "b0939a28-c907-4fb7-9fb2-5c49d4d7aa73");
  EXPECT_EQ(failed.state.type, "FAILED");
  EXPECT_EQ(failed.state.name, "Failed");
  EXPECT_EQ(failed.state.id, "01a208b5-4b37-7d9c-bf9e-da37c73d2c35");
  EXPECT_EQ(failed.state.message, "Flow run encountered an exception: ValueError: bad input row 17");
  EXPECT_EQ(failed.deployment_id, "");
  EXPECT_EQ(failed.end_time, utc(2026, 11, 23, 14, 0, 28, 727885));
  EXPECT_EQ(failed.state.timestamp, failed.end_time);
  EXPECT_DOUBLE_EQ(failed.total_run_time, 1.15303);

  const FlowRun& late = named(*runs, "late-one");
  EXPECT_EQ(late.state.type, "SCHEDULED");
  EXPECT_EQ(late.state.name, "Late");
  EXPECT_EQ(late.deployment_id, "7fe06530-ffad-4156-840c-90349ec9f21c");
  EXPECT_EQ(late.work_pool_name, "pool-a");
  EXPECT_EQ(late.work_queue_name, "default");
  EXPECT_EQ(late.expected_start_time, utc(2026, 11, 23, 13, 59, 42));
  EXPECT_EQ(late.start_time, std::nullopt);
  EXPECT_EQ(late.end_time, std::nullopt);
  EXPECT_EQ(late.run_count, 0);

  const FlowRun& running = named(*runs, "stuck");
  EXPECT_EQ(running.state.type, "RUNNING");
  EXPECT_TRUE(running.start_time.has_value());
}

TEST(PrefectJson, DecodesRecordedTaskRunsWithRunCountsOfRetries) {
  const auto runs = parse_task_runs(fixture("task_runs_filter.json"));
  ASSERT_TRUE(runs) << runs.error().describe();
  ASSERT_EQ(runs->size(), 3u);
  const TaskRun& flaky = named(*runs, "flaky-303");
  EXPECT_EQ(flaky.run_count, 3);  // retries=2, succeeded on the third try
  EXPECT_EQ(flaky.state.type, "COMPLETED");
  EXPECT_EQ(flaky.flow_run_id, "73f3f99b-19f5-4927-80f4-551750df30ea");
  EXPECT_TRUE(flaky.end_time.has_value());
}

TEST(PrefectJson, DecodesRecordedInventories) {
  const auto flows = parse_flows(fixture("flows_filter.json"));
  ASSERT_TRUE(flows) << flows.error().describe();
  EXPECT_EQ(named(*flows, "etl-bad").id, "22fb0063-6fda-4548-8eed-b0348f57e930");

  const auto deployments = parse_deployments(fixture("deployments_filter.json"));
  ASSERT_TRUE(deployments) << deployments.error().describe();
  ASSERT_EQ(deployments->size(), 1u);
  const Deployment& daily = deployments->front();
  EXPECT_EQ(daily.name, "daily");
  EXPECT_EQ(daily.flow_id, "8d7affcd-1fc9-4732-8adb-7b41fa40aa85");
  EXPECT_EQ(daily.status, "NOT_READY");
  EXPECT_FALSE(daily.paused);
  EXPECT_TRUE(daily.any_schedule_active);
  EXPECT_EQ(daily.work_pool_name, "pool-a");
  EXPECT_EQ(daily.work_queue_name, "default");

  const auto pools = parse_work_pools(fixture("work_pools_filter.json"));
  ASSERT_TRUE(pools) << pools.error().describe();
  ASSERT_EQ(pools->size(), 1u);
  EXPECT_EQ(pools->front().type, "process");
  EXPECT_EQ(pools->front().status, "READY");

  const auto queues = parse_work_queues(fixture("work_queues_filter.json"));
  ASSERT_TRUE(queues) << queues.error().describe();
  ASSERT_EQ(queues->size(), 1u);
  EXPECT_EQ(queues->front().work_pool_name, "pool-a");
  EXPECT_EQ(queues->front().status, "NOT_READY");
}

TEST(PrefectJson, DecodesRecordedWorkersOnlineAndOffline) {
  const auto workers = parse_workers(fixture("workers_filter.json"));
  ASSERT_TRUE(workers) << workers.error().describe();
  ASSERT_EQ(workers->size(), 2u);
  EXPECT_EQ(named(*workers, "worker-1").status, "ONLINE");
  EXPECT_EQ(named(*workers, "worker-1").heartbeat_interval_seconds, 30.0);
  EXPECT_EQ(named(*workers, "worker-gone").status, "OFFLINE");
  EXPECT_EQ(named(*workers, "worker-gone").last_heartbeat_time, utc(2026, 11, 23, 14, 0, 42, 508035));
}

TEST(PrefectJson, DecodesRecordedQueueStatusHistoryVersionAndCount) {
  const auto status = parse_work_queue_status(fixture("work_queue_status.json"));
  ASSERT_TRUE(status) << status.error().describe();
  EXPECT_FALSE(status->healthy);
  EXPECT_EQ(status->late_runs_count, 1);

  const auto history = parse_run_history(fixture("flow_runs_history.json"));
  ASSERT_TRUE(history) << history.error().describe();
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ(history->front().start, utc(2026, 11, 23, 13, 0, 54));
  const auto& states = history->front().states;
  ASSERT_EQ(states.size(), 7u);
  const auto timed_out = std::find_if(states.begin(), states.end(),
                                      [](const HistoryStateCount& s) { return s.state_name == "TimedOut"; });
  ASSERT_NE(timed_out, states.end());
  EXPECT_EQ(timed_out->state_type, "FAILED");
  EXPECT_EQ(timed_out->count_runs, 1);

  const auto api_version = parse_version(fixture("version.json"));
  const auto prefect_version = parse_version(fixture("admin_version.json"));
  const auto count = parse_count(fixture("count.json"));
  ASSERT_TRUE(api_version && prefect_version && count);
  EXPECT_EQ(*api_version, "0.8.4");
  EXPECT_EQ(*prefect_version, "3.8.8");
  EXPECT_EQ(*count, 3);
}

TEST(PrefectJson, ReadsTheSentenceOfEachErrorBodyShape) {
  EXPECT_EQ(parse_api_error(fixture("error_404.json")), "Flow run not found");
  EXPECT_EQ(parse_api_error(fixture("error_422_limit.json")), "Invalid limit: must be less than or equal to 200.");
  EXPECT_EQ(parse_api_error(fixture("error_422_unknown_key.json")),
            "Invalid request received. body.flow_runs.bogus: Extra inputs are not permitted");
  EXPECT_EQ(parse_api_error("<html>bad gateway</html>"), std::nullopt);
}

TEST(PrefectJson, ReadsAnEventPagesResourcesAndTheNextPagesToken) {
  const auto first = parse_event_page(fixture("events_filter.json"));
  ASSERT_TRUE(first) << first.error().describe();
  ASSERT_EQ(first->events.size(), 1u);
  EXPECT_EQ(first->events[0].id, "01a209c6-fbb2-77a3-87fe-fcd3508753a6");
  EXPECT_EQ(first->events[0].resource_id, "prefect.flow-run.a53c49ca-ccba-4790-a9aa-2bfe0f47bed2");
  EXPECT_EQ(first->next_page_token, "YWJj+ZGVm/Z2g=");
  const auto last = parse_event_page(fixture("events_filter_next.json"));
  ASSERT_TRUE(last) << last.error().describe();
  EXPECT_EQ(last->events.size(), 1u);
  EXPECT_FALSE(last->next_page_token);
  const auto no_token = parse_event_page(R"({"events":[],"total":0,"next_page":"http://h/api/events/filter/next"})");
  ASSERT_FALSE(no_token);
  EXPECT_EQ(no_token.error().where, "/next_page");
}

TEST(PrefectJson, NamesTheFieldThatIsWrong) {
  const auto runs = parse_flow_runs(R"([{"id":"a","name":"n","flow_id":"f","deployment_id":null,
      "work_pool_name":null,"work_queue_name":null,"expected_start_time":"yesterday","start_time":null,
      "end_time":null,"total_run_time":0.0,"run_count":0,"state":null}])");
  ASSERT_FALSE(runs);
  EXPECT_EQ(runs.error().where, "/0/expected_start_time");
}

TEST(PrefectJson, ReportsMissingFieldsAndNonJsonBodies) {
  const auto pools = parse_work_pools(R"([{"id":"a","name":"p","type":"process","status":null}])");
  ASSERT_FALSE(pools);
  EXPECT_EQ(pools.error().where, "/0/is_paused");
  EXPECT_EQ(pools.error().message, "missing");

  const auto garbage = parse_flow_runs("[{");
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().where, "");
  EXPECT_FALSE(parse_flows(R"({"detail":"Unauthorized"})"));
  EXPECT_FALSE(parse_count("-1"));
  EXPECT_FALSE(parse_count("1.5"));
}

TEST(PrefectJson, AcceptsARunWithoutAState) {
  const auto runs = parse_flow_runs(R"([{"id":"a","name":"n","flow_id":"f","deployment_id":null,
      "work_pool_name":null,"work_queue_name":null,"expected_start_time":null,"start_time":null,
      "end_time":null,"total_run_time":0.0,"run_count":0,"state":null,"state_type":null}])");
  ASSERT_TRUE(runs) << runs.error().describe();
  EXPECT_EQ(runs->front().state.type, "");
}

// --prefect.compat-prefecthq's labels: a deployment's path and tags, a work
// queue's priority and last poll.
TEST(PrefectJson, DecodesDeploymentPathTagsAndQueuePriorityAndLastPoll) {
  const auto deployments = parse_deployments(
      R"([{"id":"d","name":"daily","flow_id":"f","status":null,"paused":false,"work_pool_name":null,)"
      R"("work_queue_name":null,"schedules":[],"path":"/opt/flows","tags":["prod","etl"]}])");
  ASSERT_TRUE(deployments) << deployments.error().describe();
  EXPECT_EQ(deployments->front().path, "/opt/flows");
  EXPECT_EQ(deployments->front().tags, (std::vector<std::string>{"prod", "etl"}));

  const auto queues = parse_work_queues(
      R"([{"id":"q","name":"default","work_pool_name":"pool","status":"READY","is_paused":false,)"
      R"("priority":3,"last_polled":"2026-11-23T14:00:42.508814Z"}])");
  ASSERT_TRUE(queues) << queues.error().describe();
  EXPECT_EQ(queues->front().priority, 3);
  EXPECT_EQ(queues->front().last_polled, parse_timestamp("2026-11-23T14:00:42.508814Z"));

  const auto recorded = parse_work_queues(fixture("work_queues_filter.json"));
  ASSERT_TRUE(recorded);
  EXPECT_FALSE(recorded->front().last_polled);  // never polled: null

  const auto bad_tags = parse_deployments(
      R"([{"id":"d","name":"n","flow_id":"f","paused":false,"schedules":[],"tags":["a",1]}])");
  ASSERT_FALSE(bad_tags);
  EXPECT_EQ(bad_tags.error().where, "/0/tags");
}

}  // namespace
}  // namespace flowgate::collectors::prefect
