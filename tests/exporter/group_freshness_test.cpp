// flowgate_group_up and flowgate_group_last_push_age_seconds: the deadline
// of each group (declared interval, declared TTL, server TTL, none) and what
// a failed push does to them.

#include "exporter/group_freshness.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "exporter/scrape_handler.hpp"
#include "pushgw/group.hpp"
#include "tests/exporter/route_fixture.hpp"
#include "tests/pushgw/store_testing.hpp"

namespace flowgate::exporter {
namespace {

using pushgw::testing::key;
using pushgw::testing::put;

// job → value of `family` at `now`; a job without a series is absent.
std::map<std::string, double> by_job(const pushgw::GroupStore& store, double now, std::string_view family,
                                     const FreshnessOptions& options = {}) {
  std::map<std::string, double> values;
  for (const auto& f : group_freshness_families(*store.snapshot(), now, options)) {
    if (f.name != family) continue;
    for (const auto& metric : f.metrics) {
      for (const auto& label : metric.labels) {
        if (label.name == "job") values[label.value] = metric.value;
      }
    }
  }
  return values;
}

TEST(GroupFreshness, AGroupIsUpUntilItsDeclaredIntervalPasses) {
  pushgw::GroupStore store({});
  ASSERT_TRUE(put(store, "job/etl", "# TYPE prefect_task_expected_push_interval_seconds gauge\n"
                                    "prefect_task_expected_push_interval_seconds 60\nrows 5\n", 100));
  EXPECT_EQ(by_job(store, 160, kGroupUpName)["etl"], 1);
  EXPECT_EQ(by_job(store, 160, kGroupLastPushAgeName)["etl"], 60);
  EXPECT_EQ(by_job(store, 160.5, kGroupUpName)["etl"], 0);
  EXPECT_EQ(by_job(store, 160.5, kGroupLastPushAgeName)["etl"], 60.5);
  // Another name for the declaration is read when configured.
  EXPECT_EQ(by_job(store, 160.5, kGroupUpName, {0, "rows"})["etl"], 1) << "5 s is not the deadline: rows is no gauge";
}

TEST(GroupFreshness, WithoutAnIntervalTheDeclaredTtlThenTheServersIsTheDeadline) {
  pushgw::GroupStore store({});
  ASSERT_TRUE(store.push(pushgw::PushMode::replace_group, key("job/declared"), pushgw::testing::text("m 1\n"), 100,
                         30.0));
  ASSERT_TRUE(put(store, "job/plain", "m 1\n", 100));
  auto up = by_job(store, 131, kGroupUpName, {50});
  EXPECT_EQ(up["declared"], 0);
  EXPECT_EQ(up["plain"], 1);
  up = by_job(store, 151, kGroupUpName, {50});
  EXPECT_EQ(up["plain"], 0);
  EXPECT_EQ(by_job(store, 1e9, kGroupUpName)["plain"], 1) << "no deadline at all: up while its pushes succeed";
}

TEST(GroupFreshness, AFailedLastPushIsDownAndAGroupNeverPushedHasNoAge) {
  pushgw::GroupStore store({});
  ASSERT_TRUE(put(store, "job/failing", "m 1\n", 100));
  ASSERT_FALSE(put(store, "job/failing", "m 1 5\n", 110));  // a timestamp: refused, failure time recorded
  ASSERT_FALSE(put(store, "job/never", "m 1 5\n", 110));
  const auto up = by_job(store, 120, kGroupUpName);
  const auto age = by_job(store, 120, kGroupLastPushAgeName);
  EXPECT_EQ(up.at("failing"), 0);
  EXPECT_EQ(age.at("failing"), 20) << "the age counts from the last successful push";
  EXPECT_EQ(up.at("never"), 0);
  EXPECT_EQ(age.count("never"), 0u);
  ASSERT_TRUE(put(store, "job/failing", "m 2\n", 121));
  EXPECT_EQ(by_job(store, 122, kGroupUpName).at("failing"), 1);
}

TEST(GroupFreshness, SeriesCarryTheGroupingKeyAsPushTimeSecondsDoes) {
  pushgw::GroupStore store({});
  ASSERT_TRUE(put(store, "job/a/instance/h1/task/load", "m 1\n", 100));
  ASSERT_TRUE(put(store, "job/b", "m 1\n", 100));
  const auto families = group_freshness_families(*store.snapshot(), 101, {});
  ASSERT_EQ(families.size(), 2u);
  ASSERT_EQ(families[1].metrics.size(), 2u);
  EXPECT_EQ(families[1].metrics[0].labels,
            (exposition::Labels{{"instance", "h1"}, {"job", "a"}, {"task", "load"}}));
  EXPECT_EQ(families[1].metrics[1].labels, (exposition::Labels{{"instance", ""}, {"job", "b"}}));
}

TEST(GroupFreshness, TheScrapeHasThemAndAPushMayNotTakeTheirNames) {
  testing::RouteFixture fixture(testing::flags_of({}));
  ScrapeHandler scrape(fixture.store, {}, fixture.self_metrics, {}, FreshnessOptions{});
  ASSERT_EQ(fixture.send("PUT", "/metrics/job/etl", "m 1\n").reply.status, 200);
  const std::string body = testing::body_of(scrape.handle(Request{}));
  EXPECT_NE(body.find("# TYPE flowgate_group_up gauge\n"), std::string::npos) << body;
  EXPECT_NE(body.find("flowgate_group_up{instance=\"\",job=\"etl\"} 1\n"), std::string::npos) << body;
  EXPECT_NE(body.find("flowgate_group_last_push_age_seconds{instance=\"\",job=\"etl\"} "), std::string::npos) << body;
  const Reply clash = fixture.send("PUT", "/metrics/job/x", "# TYPE flowgate_group_up counter\nflowgate_group_up 1\n").reply;
  EXPECT_EQ(clash.status, 400) << clash.body;
}

}  // namespace
}  // namespace flowgate::exporter
