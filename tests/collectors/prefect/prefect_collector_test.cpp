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
          ok(fixture("work_queues_filter.json")), ok(fixture("flow_runs_filter.json")),  // finished
          ok(fixture("flow_runs_filter.json")),                                           // active
          ok("[]"),                                                                       // due
          ok("[]"),                                                                       // current tasks (history)
          ok(fixture("task_runs_filter.json")),                                           // finished tasks
          ok(fixture("workers_filter.json"))};
}

constexpr const char* kNoEvents = R"({"events":[],"total":0,"next_page":null})";

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
                         "POST /api/flow_runs/filter", "POST /api/flow_runs/filter", "POST /api/task_runs/history",
                         "POST /api/task_runs/filter", "POST /api/work_pools/pool-a/workers/filter"}));
  const auto seen = server.seen();
  EXPECT_NE(seen[5].body.find(R"("end_time":{"after_":)"), std::string::npos) << seen[5].body;
  EXPECT_NE(seen[5].body.find(R"("limit":200,"offset":0)"), std::string::npos) << seen[5].body;
  EXPECT_EQ(sample(collector->Collect(), "prefect_up"), 1);
}

TEST(PrefectCollector, SeedsFromHistoryBoundedByEndTimeOnePerDeploymentAndOnePerFlow) {
  auto replies = first_poll();
  for (int i = 0; i < 1 + 5; ++i) replies.push_back(ok(fixture("flow_runs_history.json")));  // 1 deployment, 5 flows
  CannedServer server(replies);
  PrefectCollectorOptions options;
  options.api_url = server.url();
  options.client.first_backoff = 1ms;
  auto collector = PrefectCollector::create(options);
  ASSERT_TRUE(collector);
  ASSERT_TRUE((*collector)->refresh()) << (*collector)->last_error();
  const auto seen = server.seen();
  ASSERT_EQ(seen.size(), replies.size());
  for (std::size_t i = first_poll().size(); i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].target, "/api/flow_runs/history");
    EXPECT_NE(seen[i].body.find(R"("end_time":{"before_":")"), std::string::npos) << seen[i].body;
    EXPECT_NE(seen[i].body.find(R"("type":{"any_":["COMPLETED","FAILED","CRASHED","CANCELLED"]})"), std::string::npos)
        << seen[i].body;
  }
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
  for (auto reply : {ok(fixture("flow_runs_filter.json")), ok(kNoEvents), ok("[]"),
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
  replies.push_back(ok("[]"));       // second poll: none finished...
  replies.push_back(ok(kNoEvents));  // ...no run changed...
  replies.push_back({422, fixture("error_422_limit.json"), {}, false});  // ...then the runs come due fail
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

double value_of(const std::vector<prometheus::MetricFamily>& families, const std::string& name,
                const std::string& label, const std::string& wanted) {
  double sum = 0;
  for (const auto& family : families) {
    if (family.name != name) continue;
    for (const auto& metric : family.metric) {
      for (const auto& pair : metric.label) {
        if (pair.name == label && pair.value == wanted) sum += metric.gauge.value;
      }
    }
  }
  return sum;
}

// After the first poll only the runs with a flow-run event since it are
// read (by id), merged into the runs already known: cost follows changes.
TEST(PrefectCollector, LaterPollsReadOnlyTheRunsWhoseStateChanged) {
  auto replies = first_poll();
  const std::vector<Reply> second{ok("[]"),                                // finished since the watermark
                                  ok(fixture("events_filter.json")),       // page 1: the Running run completed
                                  ok(fixture("events_filter_next.json")),  // page 2: a new run started
                                  ok("[]"),                                // scheduled runs come due: none
                                  ok(fixture("flow_runs_changed.json")),   // the two runs, by id
                                  ok("[]"), ok("[]"), ok(fixture("workers_filter.json"))};
  replies.insert(replies.end(), second.begin(), second.end());
  CannedServer server(replies);
  auto collector = collector_for(server);
  ASSERT_TRUE(collector->refresh()) << collector->last_error();
  EXPECT_EQ(value_of(collector->Collect(), "prefect_flow_runs", "state_name", "Running"), 1);
  ASSERT_TRUE(collector->refresh()) << collector->last_error();
  const auto seen = server.seen();
  ASSERT_EQ(seen.size(), replies.size());
  const std::size_t at = first_poll().size() + 1;
  EXPECT_EQ(seen[at].method + " " + seen[at].target, "POST /api/events/filter");
  EXPECT_NE(seen[at].body.find(R"("prefix":["prefect.flow-run."])"), std::string::npos) << seen[at].body;
  EXPECT_NE(seen[at].body.find(R"("distinct":true)"), std::string::npos) << seen[at].body;
  // The next page's token, sent to our own endpoint (not the host in Prefect's link), encoded.
  EXPECT_EQ(seen[at + 1].method + " " + seen[at + 1].target,
            "GET /api/events/filter/next?page-token=YWJj%2BZGVm%2FZ2g%3D");
  EXPECT_NE(seen[at + 2].body.find(R"("expected_start_time":{"after_":)"), std::string::npos) << seen[at + 2].body;
  EXPECT_NE(seen[at + 3].body.find(R"("id":{"any_":["5e7d2c1a-9b8f-4a3e-8d6c-1f2e3d4c5b6a","a53c49ca-ccba-4790-a9aa-2bfe0f47bed2"]})"),
            std::string::npos)
      << seen[at + 3].body;
  const auto families = collector->Collect();
  // The old Running run completed, the new one runs; the Late run, unchanged, is still counted.
  EXPECT_EQ(value_of(families, "prefect_flow_runs", "state_name", "Running"), 1);
  EXPECT_EQ(value_of(families, "prefect_flow_runs", "state_name", "Late"), 1);
}

// An event still inside the overlap window that was seen before names a
// run already read: the next poll does not read it again.
TEST(PrefectCollector, DoesNotReadARunAgainForAnEventItHasSeen) {
  auto replies = first_poll();
  for (int poll = 0; poll < 2; ++poll) {
    const std::vector<Reply> later{ok("[]"), ok(fixture("events_filter_next.json")), ok("[]")};
    replies.insert(replies.end(), later.begin(), later.end());
    if (poll == 0) replies.push_back(ok(fixture("flow_runs_changed.json")));  // by id, the first time only
    replies.insert(replies.end(), {ok("[]"), ok("[]"), ok(fixture("workers_filter.json"))});
  }
  CannedServer server(replies);
  auto collector = collector_for(server);
  for (int poll = 0; poll < 3; ++poll) ASSERT_TRUE(collector->refresh()) << poll << ": " << collector->last_error();
  EXPECT_EQ(server.seen().size(), replies.size());
  EXPECT_EQ(server.seen()[replies.size() - 4].target, "/api/flow_runs/filter");  // due, then no read by id
  // The canned read by id also says the first poll's Running run completed.
  EXPECT_EQ(value_of(collector->Collect(), "prefect_flow_runs", "state_name", "Running"), 1);
}

TEST(PrefectCollector, ReadsEveryCurrentRunWhenTheServerHasNoEventsApi) {
  auto replies = first_poll();
  const std::vector<Reply> second{ok("[]"),                                      // finished
                                  {404, fixture("error_404.json"), {}, false},  // no /events/filter
                                  ok(fixture("flow_runs_filter.json")),          // every active run
                                  ok("[]"),                                      // every due run
                                  ok("[]"), ok("[]"), ok(fixture("workers_filter.json"))};
  replies.insert(replies.end(), second.begin(), second.end());
  CannedServer server(replies);
  auto collector = collector_for(server);
  ASSERT_TRUE(collector->refresh()) << collector->last_error();
  ASSERT_TRUE(collector->refresh()) << collector->last_error();
  EXPECT_EQ(server.seen().size(), replies.size());
  EXPECT_EQ(value_of(collector->Collect(), "prefect_flow_runs", "state_name", "Running"), 1);
}

// More changed runs than max_event_pages of events: reading every current
// run is then the cheaper read, and the events are not paged further.
TEST(PrefectCollector, ReadsEveryCurrentRunWhenMoreRunsChangedThanItsEventPages) {
  auto replies = first_poll();
  const std::vector<Reply> second{ok("[]"),                           // finished
                                  ok(fixture("events_filter.json")),  // one page, and a next one
                                  ok(fixture("flow_runs_filter.json")), ok("[]"),  // every active and due run
                                  ok("[]"), ok("[]"), ok(fixture("workers_filter.json"))};
  replies.insert(replies.end(), second.begin(), second.end());
  CannedServer server(replies);
  PrefectCollectorOptions options;
  options.api_url = server.url();
  options.seed_finished_counters = false;
  options.plan.max_event_pages = 1;
  auto collector = PrefectCollector::create(options);
  ASSERT_TRUE(collector);
  ASSERT_TRUE((*collector)->refresh()) << (*collector)->last_error();
  ASSERT_TRUE((*collector)->refresh()) << (*collector)->last_error();
  const auto seen = server.seen();
  ASSERT_EQ(seen.size(), replies.size());
  EXPECT_NE(seen[first_poll().size() + 2].body.find(R"("any_":["PENDING","RUNNING","PAUSED","CANCELLING"])"),
            std::string::npos)
      << seen[first_poll().size() + 2].body;
  EXPECT_EQ(value_of((*collector)->Collect(), "prefect_flow_runs", "state_name", "Running"), 1);
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
  const auto finished_read = server.seen().at(first_poll().size() + 5).body;
  EXPECT_NE(finished_read.find(R"("end_time":{"after_":"2026-11-23T13:58:43.159390Z")"), std::string::npos)
      << finished_read;
  std::filesystem::remove_all(folder);
}

}  // namespace
}  // namespace flowgate::collectors::prefect
