// Pushes of application/openmetrics-text: read by the OpenMetrics parser,
// their exemplars, _created and info/stateset types kept for OpenMetrics
// scrapes (and through the snapshot file), dropped from text scrapes as
// before; a refused body changes nothing.

#include <unistd.h>

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "pushgw/persistence/snapshot_file.hpp"
#include "pushgw/push_request.hpp"
#include "tests/pushgw/store_testing.hpp"

namespace flowgate::pushgw {
namespace {

using testing::refused_status;
using testing::scrape;

constexpr std::string_view kOpenMetricsType = "application/openmetrics-text; version=1.0.0; charset=utf-8";

constexpr std::string_view kBody =
    "# HELP jobs Jobs done.\n# TYPE jobs counter\n"
    "jobs_total{queue=\"a\"} 3.0 # {trace_id=\"abc\"} 1.0 1700000000.5\n"
    "jobs_created{queue=\"a\"} 1700000000.25\n"
    "# TYPE lat_seconds histogram\n# UNIT lat_seconds seconds\n"
    "lat_seconds_bucket{le=\"0.5\"} 1 # {trace_id=\"def\"} 0.25\nlat_seconds_bucket{le=\"+Inf\"} 2\n"
    "lat_seconds_count 2\nlat_seconds_sum 1.5\n"
    "# TYPE build info\nbuild_info{version=\"1.2\"} 1\n"
    "# TYPE state stateset\nstate{state=\"up\"} 1\n"
    "# EOF\n";

PushRequest openmetrics_request(std::string_view body) {
  auto r = testing::request("PUT", "job/om", body);
  r.content_type = kOpenMetricsType;
  return r;
}

TEST(OpenMetricsPush, KeepsExemplarsCreatedAndTypesForOpenMetricsScrapes) {
  GroupStore store({});
  ASSERT_TRUE(apply_push(openmetrics_request(kBody), store, {}));
  const std::string openmetrics = scrape(*store.snapshot(), exposition::Format::openmetrics);
  EXPECT_NE(openmetrics.find("# TYPE jobs counter\njobs_total{instance=\"\",job=\"om\",queue=\"a\"} 3.0 # "
                             "{trace_id=\"abc\"} 1.0 1700000000.5\n"
                             "jobs_created{instance=\"\",job=\"om\",queue=\"a\"} 1700000000.25\n"),
            std::string::npos)
      << openmetrics;
  EXPECT_NE(openmetrics.find("# UNIT lat_seconds seconds\nlat_seconds_bucket{instance=\"\",job=\"om\",le=\"0.5\"} 1 # "
                             "{trace_id=\"def\"} 0.25\n"),
            std::string::npos)
      << openmetrics;
  EXPECT_NE(openmetrics.find("# TYPE build info\nbuild_info{instance=\"\",job=\"om\",version=\"1.2\"} 1.0\n"),
            std::string::npos)
      << openmetrics;
  EXPECT_NE(openmetrics.find("# TYPE state stateset\nstate{instance=\"\",job=\"om\",state=\"up\"} 1.0\n"),
            std::string::npos)
      << openmetrics;
}

TEST(OpenMetricsPush, TextScrapesShowNeitherExemplarsNorCreated) {
  GroupStore store({});
  ASSERT_TRUE(apply_push(openmetrics_request(kBody), store, {}));
  const std::string text = scrape(*store.snapshot());
  EXPECT_NE(text.find("# TYPE jobs_total counter\njobs_total{instance=\"\",job=\"om\",queue=\"a\"} 3\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("# TYPE build_info gauge\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("trace_id"), std::string::npos) << text;
  EXPECT_EQ(text.find("_created"), std::string::npos) << text;
}

TEST(OpenMetricsPush, RefusedBodyLeavesTheStoreUnchanged) {
  GroupStore store({});
  ASSERT_TRUE(apply_push(testing::request("PUT", "job/om", "kept 1\n"), store, {}));
  const auto before = store.snapshot();
  // Valid up to a bucket count that falls: the whole push is refused.
  const auto outcome = apply_push(
      openmetrics_request("# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\n# EOF\n"), store, {});
  EXPECT_EQ(refused_status(outcome), 400);
  ASSERT_FALSE(outcome);
  const std::string& message = outcome.error().message;
  EXPECT_TRUE(message.starts_with("text format parsing error in line 3: ")) << message;
  EXPECT_NE(message.find("rule bucket-cumulative, OpenMetrics 1.0)"), std::string::npos) << message;
  EXPECT_EQ(store.snapshot(), before);
}

TEST(OpenMetricsPush, ATextBodySentAsOpenMetricsIsRefusedForItsMissingEof) {
  GroupStore store({});
  const auto outcome = apply_push(openmetrics_request("a 1\n"), store, {});
  ASSERT_FALSE(outcome);
  EXPECT_NE(outcome.error().message.find("rule eof-missing"), std::string::npos) << outcome.error().message;
  EXPECT_EQ(store.snapshot()->group_count(), 0u);
}

TEST(OpenMetricsPush, RefusesAnUnknownOpenMetricsVersion) {
  GroupStore store({});
  auto r = openmetrics_request("a 1\n# EOF\n");
  r.content_type = "application/openmetrics-text; version=2.0.0";
  const auto outcome = apply_push(r, store, {});
  EXPECT_EQ(refused_status(outcome), 400);
  ASSERT_FALSE(outcome);
  EXPECT_NE(outcome.error().message.find("version=1.0.0"), std::string::npos) << outcome.error().message;
  EXPECT_EQ(store.snapshot()->group_count(), 0u);
}

TEST(OpenMetricsPush, BoundsOfThePushLimitsApply) {
  GroupStore store({});
  PushLimits limits;
  limits.max_series_per_push = 1;
  const auto outcome = apply_push(openmetrics_request("a 1\nb 1\n# EOF\n"), store, limits);
  ASSERT_FALSE(outcome);
  EXPECT_EQ(outcome.error().kind, PushErrorKind::too_many_series);
}

TEST(OpenMetricsPush, TypesConflictAcrossGroupsLikeAnyOther) {
  GroupStore store({});
  ASSERT_TRUE(apply_push(testing::request("PUT", "job/text", "# TYPE build_info gauge\nbuild_info 1\n"), store, {}));
  const auto outcome = apply_push(openmetrics_request("# TYPE build info\nbuild_info 1\n# EOF\n"), store, {});
  ASSERT_FALSE(outcome);
  EXPECT_EQ(outcome.error().kind, PushErrorKind::inconsistent);
}

TEST(OpenMetricsPush, TheSnapshotFileKeepsWhatOnlyOpenMetricsCarries) {
  GroupStore store({});
  ASSERT_TRUE(apply_push(openmetrics_request(kBody), store, {}));
  const auto path = std::filesystem::temp_directory_path() /
                    ("pushgw_openmetrics_" + std::to_string(::getpid()) + ".snapshot");
  ASSERT_TRUE(write_snapshot_file(*store.snapshot(), path));
  auto loaded = read_snapshot_file(path);
  std::filesystem::remove(path);
  ASSERT_TRUE(loaded);
  GroupStore restored({});
  restored.restore(std::move(loaded->groups));
  EXPECT_EQ(scrape(*restored.snapshot(), exposition::Format::openmetrics),
            scrape(*store.snapshot(), exposition::Format::openmetrics));
}

}  // namespace
}  // namespace flowgate::pushgw
