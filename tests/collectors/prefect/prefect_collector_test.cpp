#include "collectors/prefect/prefect_collector.hpp"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "tests/collectors/prefect/canned_server.hpp"
#include "tests/collectors/prefect/fixture.hpp"

namespace flowgate::collectors::prefect {
namespace {

using namespace std::chrono_literals;
using testing::CannedServer;
using testing::fixture;
using Reply = CannedServer::Reply;

Reply ok(std::string body) { return {200, std::move(body), {}, false}; }

// The first poll's replies, in the order of the poll plan (no seed).
std::vector<Reply> first_poll() {
  return {ok(fixture("admin_version.json")),      ok(fixture("flows_filter.json")),
          ok(fixture("deployments_filter.json")), ok(fixture("work_pools_filter.json")),
          ok(fixture("work_queues_filter.json")), ok(fixture("flow_runs_filter.json")),  // active
          ok("[]"),                                                                       // due
          ok(fixture("flow_runs_filter.json")),                                           // finished
          ok("[]"),                                                                       // current tasks
          ok(fixture("task_runs_filter.json")),                                           // finished tasks
          ok(fixture("workers_filter.json"))};
}

std::unique_ptr<PrefectCollector> collector_for(const CannedServer& server) {
  PrefectCollectorOptions options;
  options.api_url = server.url();
  options.seed_finished_counters = false;
  options.client.first_backoff = 1ms;
  auto collector = PrefectCollector::create(options);
  if (!collector) throw std::logic_error(collector.error().message);
  return std::move(*collector);
}

double sample(const std::vector<prometheus::MetricFamily>& families, const std::string& name) {
  const auto it = std::find_if(families.begin(), families.end(), [&](const auto& f) { return f.name == name; });
  if (it == families.end() || it->metric.empty()) throw std::logic_error("no " + name);
  return it->type == prometheus::MetricType::Counter ? it->metric[0].counter.value : it->metric[0].gauge.value;
}

TEST(PrefectCollector, FirstPollFollowsThePlanInElevenRequests) {
  CannedServer server(first_poll());
  auto collector = collector_for(server);
  ASSERT_TRUE(collector->refresh()) << collector->last_error();
  std::vector<std::string> targets;
  for (const auto& seen : server.seen()) targets.push_back(seen.method + " " + seen.target);
  EXPECT_EQ(targets, (std::vector<std::string>{
                         "GET /api/admin/version", "POST /api/flows/filter", "POST /api/deployments/filter",
                         "POST /api/work_pools/filter", "POST /api/work_queues/filter", "POST /api/flow_runs/filter",
                         "POST /api/flow_runs/filter", "POST /api/flow_runs/filter", "POST /api/task_runs/filter",
                         "POST /api/task_runs/filter", "POST /api/work_pools/pool-a/workers/filter"}));
  const auto seen = server.seen();
  EXPECT_NE(seen[7].body.find(R"("end_time":{"after_":)"), std::string::npos) << seen[7].body;
  EXPECT_NE(seen[7].body.find(R"("limit":200,"offset":0)"), std::string::npos) << seen[7].body;
  EXPECT_EQ(sample(collector->Collect(), "prefect_up"), 1);
}

TEST(PrefectCollector, ReportsItsPollsRequestsAndBytes) {
  CannedServer server(first_poll());
  auto collector = collector_for(server);
  ASSERT_TRUE(collector->refresh()) << collector->last_error();
  EXPECT_FALSE(collector->refresh());  // the canned replies are used up
  const auto families = collector->Collect();
  EXPECT_EQ(sample(families, "flowgate_prefect_polls_total"), 2);
  EXPECT_EQ(sample(families, "flowgate_prefect_requests_total"),
            static_cast<double>(collector->client_stats().requests));
  EXPECT_GE(sample(families, "flowgate_prefect_requests_total"), 11);
  std::size_t bytes = 0;
  for (const auto& reply : first_poll()) bytes += reply.body.size();
  EXPECT_EQ(sample(families, "flowgate_prefect_response_bytes_total"), static_cast<double>(bytes));
}

TEST(PrefectCollector, APollPastItsDeadlineFailsAndKeepsTheLastValues) {
  CannedServer server(first_poll());
  PrefectCollectorOptions options;
  options.api_url = server.url();
  options.seed_finished_counters = false;
  options.poll_timeout = 0ms;
  auto collector = PrefectCollector::create(options);
  ASSERT_TRUE(collector);
  EXPECT_FALSE((*collector)->refresh());
  EXPECT_NE((*collector)->last_error().find("the poll deadline passed"), std::string::npos)
      << (*collector)->last_error();
  EXPECT_TRUE(server.seen().empty());
  EXPECT_EQ(sample((*collector)->Collect(), "prefect_up"), 0);
}

TEST(PrefectCollector, ReadsTheInventoryInTheSamePollWhenARunNamesAnUnknownFlow) {
  // First poll: nothing exists yet. Second: runs of flows created since, so
  // the inventory is read again before anything is counted under an id.
  std::vector<Reply> replies(10, ok("[]"));
  replies[0] = ok(fixture("admin_version.json"));
  for (auto reply : {ok(fixture("flow_runs_filter.json")), ok("[]"), ok(fixture("flow_runs_filter.json")),
                     ok(fixture("admin_version.json")), ok(fixture("flows_filter.json")),
                     ok(fixture("deployments_filter.json")), ok(fixture("work_pools_filter.json")),
                     ok(fixture("work_queues_filter.json")), ok("[]"), ok("[]"), ok(fixture("workers_filter.json"))}) {
    replies.push_back(reply);
  }
  CannedServer server(replies);
  auto collector = collector_for(server);
  ASSERT_TRUE(collector->refresh()) << collector->last_error();
  ASSERT_TRUE(collector->refresh()) << collector->last_error();
  EXPECT_EQ(server.seen().size(), replies.size());
  EXPECT_EQ(server.seen()[13].target, "/api/admin/version");
  std::set<std::string> flow_names;
  for (const auto& family : collector->Collect()) {
    if (family.name != "prefect_flow_runs_finished_total") continue;
    for (const auto& metric : family.metric) {
      for (const auto& pair : metric.label) {
        if (pair.name == "flow_name") flow_names.insert(pair.value);
      }
    }
  }
  EXPECT_EQ(flow_names, (std::set<std::string>{"etl-bad", "etl-crash", "etl-good", "etl-timeout", "nightly-report"}));
}

TEST(PrefectCollector, KeepsTheLastWholePollWhenAPollFailsHalfway) {
  auto replies = first_poll();
  replies.push_back(ok(fixture("flow_runs_filter.json")));  // second poll: active runs read...
  replies.push_back({422, fixture("error_422_limit.json"), {}, false});  // ...then the due runs fail
  CannedServer server(replies);
  auto collector = collector_for(server);
  ASSERT_TRUE(collector->refresh()) << collector->last_error();
  const auto before = collector->Collect();
  EXPECT_FALSE(collector->refresh());
  EXPECT_FALSE(collector->last_success());
  EXPECT_EQ(collector->last_error(),
            "POST /api/flow_runs/filter: HTTP 422: Invalid limit: must be less than or equal to 200.");
  const auto after = collector->Collect();
  ASSERT_EQ(after.size(), before.size());
  EXPECT_EQ(sample(after, "prefect_up"), 0);
  EXPECT_EQ(sample(after, "prefect_flow_runs_finished_total"), sample(before, "prefect_flow_runs_finished_total"));
}

TEST(PrefectCollector, SendsNothingBeforeRetryAfterHasPassed) {
  CannedServer server({{429, R"({"detail":"slow down"})", {{"Retry-After", "60"}}, false}});
  auto collector = collector_for(server);
  EXPECT_FALSE(collector->refresh());
  EXPECT_FALSE(collector->refresh());
  EXPECT_EQ(server.seen().size(), 1u);
  EXPECT_EQ(sample(collector->Collect(), "prefect_up"), 0);
}

TEST(PrefectCollector, AppliesNameFiltersAndRefusesOnesThatDoNotCompile) {
  CannedServer server(first_poll());
  PrefectCollectorOptions options;
  options.api_url = server.url();
  options.seed_finished_counters = false;
  options.flows_exclude = "^etl-(bad|crash)$";
  auto collector = PrefectCollector::create(options);
  ASSERT_TRUE(collector);
  ASSERT_TRUE((*collector)->refresh()) << (*collector)->last_error();
  for (const auto& family : (*collector)->Collect()) {
    for (const auto& metric : family.metric) {
      for (const auto& pair : metric.label) {
        if (pair.name != "flow_name") continue;
        EXPECT_TRUE(pair.value != "etl-bad" && pair.value != "etl-crash") << family.name;
      }
    }
  }
  options.flows_exclude = "(";
  EXPECT_THROW((void)PrefectCollector::create(options), std::invalid_argument);
}

// Every counter sample (histograms as _count, _sum and each bucket) by series.
std::map<std::string, double> counter_samples(const std::vector<prometheus::MetricFamily>& families) {
  std::map<std::string, double> out;
  for (const auto& family : families) {
    if (family.type != prometheus::MetricType::Counter && family.type != prometheus::MetricType::Histogram) continue;
    if (family.name.starts_with("flowgate_")) continue;  // the process's own cost starts at zero
    for (const auto& metric : family.metric) {
      std::string series = family.name + "{";
      for (const auto& pair : metric.label) series += pair.name + "=" + pair.value + ",";
      if (family.type == prometheus::MetricType::Counter) {
        out[series + "}"] = metric.counter.value;
        continue;
      }
      out[series + "}_count"] = static_cast<double>(metric.histogram.sample_count);
      out[series + "}_sum"] = metric.histogram.sample_sum;
      for (const auto& bucket : metric.histogram.bucket) {
        out[series + "le=" + std::to_string(bucket.upper_bound) + "}"] = static_cast<double>(bucket.cumulative_count);
      }
    }
  }
  return out;
}

TEST(PrefectCollector, CountersContinueInACollectorRecreatedFromItsStateFile) {
  const auto folder = std::filesystem::temp_directory_path() / ("prefect-collector-" + std::to_string(::getpid()));
  std::filesystem::remove_all(folder);
  const auto state_file = (folder / "prefect-state.json").string();
  const auto collector_with_state = [&](const CannedServer& server) {
    PrefectCollectorOptions options;
    options.api_url = server.url();
    options.seed_finished_counters = false;
    options.state_file = state_file;
    auto collector = PrefectCollector::create(options);
    if (!collector) throw std::logic_error(collector.error().message);
    return std::move(*collector);
  };

  // One server for both processes (the state belongs to its URL); the
  // second process reads the same runs again (they are inside the overlap):
  // nothing is counted twice and nothing restarts from zero.
  auto replies = first_poll();
  for (auto reply : first_poll()) replies.push_back(std::move(reply));
  CannedServer server(replies);
  auto first = collector_with_state(server);
  EXPECT_EQ(first->state_file_warning(), "");  // no file yet: a fresh start
  ASSERT_TRUE(first->refresh()) << first->last_error();
  EXPECT_EQ(first->state_file_error(), "");
  ASSERT_TRUE(std::filesystem::exists(state_file));
  const auto counted = counter_samples(first->Collect());
  ASSERT_GT(counted.size(), 20u);
  first.reset();

  auto second = collector_with_state(server);
  EXPECT_EQ(second->state_file_warning(), "");
  ASSERT_TRUE(second->refresh()) << second->last_error();
  EXPECT_EQ(counter_samples(second->Collect()), counted);
  // The finished runs are read from the restored watermark, not from "now".
  const auto finished_read = server.seen().at(first_poll().size() + 7).body;
  EXPECT_NE(finished_read.find(R"("end_time":{"after_":"2026-11-23T13:58:43.159390Z")"), std::string::npos)
      << finished_read;
  std::filesystem::remove_all(folder);
}

}  // namespace
}  // namespace flowgate::collectors::prefect
