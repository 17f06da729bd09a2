#include "pushgw/api_json.hpp"

#include <string>

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "exposition/rfc3339.hpp"
#include "pushgw/snapshot.hpp"
#include "tests/pushgw/store_testing.hpp"

namespace flowgate::pushgw {
namespace {

using testing::put;

rapidjson::Document parsed_api(const GroupStore& store) {
  const std::string json = api_metrics_json(*store.snapshot());
  rapidjson::Document document;
  document.Parse(json.c_str());
  EXPECT_FALSE(document.HasParseError()) << json;
  return document;
}

TEST(ApiMetrics, ListsGroupsInKeyOrderWithLabelsAndLastPushSuccessful) {
  GroupStore store({});
  ASSERT_TRUE(put(store, "job/b", "a 1\n", 100));
  ASSERT_TRUE(put(store, "job/a/path@base64/L3Zhci90bXA", "a 1\n", 100));
  ASSERT_FALSE(put(store, "job/b", "a 1 5\n", 200));
  const auto document = parsed_api(store);
  EXPECT_STREQ(document["status"].GetString(), "success");
  const auto& data = document["data"];
  ASSERT_EQ(data.Size(), 2u);
  EXPECT_STREQ(data[0]["labels"]["job"].GetString(), "a");
  EXPECT_STREQ(data[0]["labels"]["path"].GetString(), "/var/tmp");
  EXPECT_TRUE(data[0]["last_push_successful"].GetBool());
  EXPECT_STREQ(data[1]["labels"]["job"].GetString(), "b");
  EXPECT_FALSE(data[1]["last_push_successful"].GetBool());
}

TEST(ApiMetrics, DescribesEachFamilyWithStringNumbers) {
  GroupStore store({});
  ASSERT_TRUE(put(store, "job/a",
                  "# HELP c A counter.\n# TYPE c counter\nc 1e21\n"
                  "# TYPE s summary\ns{quantile=\"0.5\"} 2\ns_sum 3\ns_count 4\n"
                  "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 0.5\nh_count 2\n",
                  1795419794.248853529));
  const auto document = parsed_api(store);
  const auto& group = document["data"][0];
  const auto& counter = group["c"];
  EXPECT_STREQ(counter["type"].GetString(), "COUNTER");
  EXPECT_STREQ(counter["help"].GetString(), "A counter.");
  EXPECT_STREQ(counter["time_stamp"].GetString(), exposition::format_rfc3339(exposition::unix_nanos(1795419794.248853529), exposition::SecondFraction::go_nanos).c_str());
  EXPECT_STREQ(counter["metrics"][0]["value"].GetString(), "1e+21");
  EXPECT_STREQ(counter["metrics"][0]["labels"]["instance"].GetString(), "");
  EXPECT_STREQ(counter["metrics"][0]["labels"]["job"].GetString(), "a");

  const auto& summary = group["s"];
  EXPECT_STREQ(summary["type"].GetString(), "SUMMARY");
  EXPECT_FALSE(summary.HasMember("help"));
  EXPECT_STREQ(summary["metrics"][0]["quantiles"]["0.5"].GetString(), "2");
  EXPECT_STREQ(summary["metrics"][0]["count"].GetString(), "4");
  EXPECT_STREQ(summary["metrics"][0]["sum"].GetString(), "3");

  const auto& histogram = group["h"];
  EXPECT_STREQ(histogram["type"].GetString(), "HISTOGRAM");
  EXPECT_STREQ(histogram["metrics"][0]["buckets"]["1"].GetString(), "1");
  EXPECT_STREQ(histogram["metrics"][0]["buckets"]["+Inf"].GetString(), "2");
  EXPECT_STREQ(histogram["metrics"][0]["count"].GetString(), "2");
  EXPECT_STREQ(histogram["metrics"][0]["sum"].GetString(), "0.5");

  EXPECT_STREQ(group["push_time_seconds"]["metrics"][0]["value"].GetString(), "1.7954197942488534e+09");
  EXPECT_STREQ(group["push_time_seconds"]["type"].GetString(), "GAUGE");
}

TEST(ApiMetrics, ListsNativeHistogramBucketsWithBoundaryRules) {
  exposition::Family family;
  family.name = "nh";
  family.type = exposition::MetricType::histogram;
  auto& metric = family.metrics.emplace_back();
  metric.sample_count = 6;
  metric.sample_sum = 1;
  metric.native = exposition::NativeHistogram{};
  metric.native->schema = 0;
  metric.native->zero_threshold = 0.001;
  metric.native->zero_count = 1;
  metric.native->positive_spans = {{1, 2}};  // buckets 1 and 2: (1,2] and (2,4]
  metric.native->positive_deltas = {2, -1};  // counts 2 and 1
  metric.native->negative_spans = {{0, 1}};  // bucket 0: [-1,-0.5)
  metric.native->negative_deltas = {2};
  GroupStore store({});
  ASSERT_TRUE(store.push(PushMode::replace_group, testing::key("job/a"), {family}, 1));
  const auto document = parsed_api(store);
  const auto& buckets = document["data"][0]["nh"]["metrics"][0]["buckets"];
  ASSERT_TRUE(buckets.IsArray());
  ASSERT_EQ(buckets.Size(), 4u);
  auto row = [&](rapidjson::SizeType i) {
    std::string out = std::to_string(buckets[i][0].GetInt());
    for (rapidjson::SizeType k = 1; k < 4; ++k) out += std::string(" ") + buckets[i][k].GetString();
    return out;
  };
  EXPECT_EQ(row(0), "1 -1 -0.5 2");
  EXPECT_EQ(row(1), "3 -0.001 0.001 1");
  EXPECT_EQ(row(2), "0 1 2 2");
  EXPECT_EQ(row(3), "0 2 4 1");
}

TEST(ApiMetrics, AnEmptyStoreIsAnEmptyList) {
  GroupStore store({});
  EXPECT_EQ(api_metrics_json(*store.snapshot()), "{\"status\":\"success\",\"data\":[]}");
}

TEST(ApiMetrics, EscapesHtmlCharactersAsGoDoes) {
  GroupStore store({});
  ASSERT_TRUE(put(store, "job/a", "# HELP m a <b> & c\nm 1\n"));
  const std::string json = api_metrics_json(*store.snapshot());
  EXPECT_NE(json.find(R"("help":"a \u003cb\u003e \u0026 c")"), std::string::npos) << json;
}

TEST(GoFloat, FormatsAsGosPercentV) {
  EXPECT_EQ(go_float(1e21), "1e+21");
  EXPECT_EQ(go_float(-0.0), "-0");
  EXPECT_EQ(go_float(100000), "100000");
  EXPECT_EQ(go_float(1000000), "1e+06");
  EXPECT_EQ(go_float(0.00001), "1e-05");
  EXPECT_EQ(go_float(1.0 / 0.0), "+Inf");
}

}  // namespace
}  // namespace flowgate::pushgw
