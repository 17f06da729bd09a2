// OTLP exports into the group store: series upserted per export, delta
// totals kept with the group, type changes refused, series swept after the
// TTL, and the Pushgateway API's PUT/POST on a group OTLP fed.

#include <gtest/gtest.h>

#include "pushgw/group.hpp"
#include "pushgw/otlp_ingest.hpp"
#include "pushgw/snapshot.hpp"
#include "tests/pushgw/otlp_testing.hpp"
#include "tests/pushgw/store_testing.hpp"

namespace flowgate::pushgw {
namespace {

using testing::counter;
using testing::export_of;
using testing::gauge;
using testing::post;
using testing::put;
using testing::scrape;
namespace otlp = exposition::otlp;
using otlp::Temporality;

const std::string kSeriesA = "steps_total{instance=\"pod-1\",job=\"etl\",step=\"a\"}";

bool scrape_has(const GroupStore& store, std::string_view line) {
  return scrape(store).find(line) != std::string::npos;
}

class OtlpIngestTest : public ::testing::Test {
 protected:
  boost::system::result<OtlpIngestResult, PushError> ingest(const otlp::ExportRequest& request, double now = 100) {
    return ingest_.ingest(request, now);
  }
  GroupStore store_{StoreOptions{}};
  OtlpIngest ingest_{store_, OtlpIngestOptions{{}, 300}};
};

TEST_F(OtlpIngestTest, EachResourceIsOneGroupKeyedByJobAndInstance) {
  auto done = ingest(export_of({counter("steps", 3, Temporality::cumulative)}));
  ASSERT_TRUE(done) << done.error().message;
  ASSERT_EQ(done->groups.size(), 1u);
  EXPECT_EQ(done->groups[0].id(), testing::key("job/etl/instance/pod-1").id());
  EXPECT_TRUE(scrape_has(store_, kSeriesA + " 3\n")) << scrape(store_);
  EXPECT_TRUE(scrape_has(store_, "push_time_seconds{instance=\"pod-1\",job=\"etl\"} 100\n"));
}

TEST_F(OtlpIngestTest, AnExportUpsertsItsSeriesAndKeepsTheOthers) {
  ASSERT_TRUE(ingest(export_of({counter("steps", 1, Temporality::cumulative, {"a", "b"}), gauge("queue", 7)})));
  ASSERT_TRUE(ingest(export_of({counter("steps", 5, Temporality::cumulative, {"a"})}), 110));
  const std::string text = scrape(store_);
  EXPECT_NE(text.find(kSeriesA + " 5\n"), std::string::npos) << text;
  EXPECT_NE(text.find("steps_total{instance=\"pod-1\",job=\"etl\",step=\"b\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("queue{instance=\"pod-1\",job=\"etl\"} 7\n"), std::string::npos) << text;
}

TEST_F(OtlpIngestTest, DeltasAddUpAcrossExportsAndAResentExportIsNotCountedTwice) {
  ASSERT_TRUE(ingest(export_of({counter("steps", 3, Temporality::delta, {"a"}, 10, 20)})));
  ASSERT_TRUE(ingest(export_of({counter("steps", 4, Temporality::delta, {"a"}, 20, 30)}), 110));
  ASSERT_TRUE(ingest(export_of({counter("steps", 4, Temporality::delta, {"a"}, 20, 30)}), 120));  // a retry
  EXPECT_TRUE(scrape_has(store_, kSeriesA + " 7\n")) << scrape(store_);
  const Group* group = store_.snapshot()->find(testing::key("job/etl/instance/pod-1").id());
  ASSERT_NE(group, nullptr);
  ASSERT_NE(group->state, nullptr);
  ASSERT_EQ(group->state->deltas.size(), 1u);
  EXPECT_EQ(group->state->deltas.begin()->second.value, 7);
}

TEST_F(OtlpIngestTest, AMetricWhoseTypeChangesIsRefusedAndNothingChanges) {
  ASSERT_TRUE(ingest(export_of({counter("steps", 3, Temporality::cumulative)})));
  const std::string before = scrape(store_);
  otlp::Metric as_gauge = gauge("steps", 1);
  as_gauge.kind = otlp::MetricKind::sum;  // non-monotonic cumulative sum: a gauge named steps (no _total)
  as_gauge.temporality = Temporality::cumulative;
  otlp::Metric renamed = counter("queue", 1, Temporality::cumulative);
  auto refused = ingest(export_of({renamed, gauge("steps_total", 1)}), 110);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, PushErrorKind::inconsistent);
  EXPECT_NE(refused.error().message.find("metric \"steps_total\" is a gauge in this export but a counter"),
            std::string::npos)
      << refused.error().message;
  EXPECT_NE(refused.error().message.find("rule otlp-type-change"), std::string::npos);
  EXPECT_EQ(scrape(store_), before);
}

TEST_F(OtlpIngestTest, ASeriesWithNoRecordedValueEnds) {
  ASSERT_TRUE(ingest(export_of({counter("steps", 1, Temporality::cumulative, {"a", "b"})})));
  otlp::Metric ended = counter("steps", 0, Temporality::cumulative, {"b"});
  ended.numbers[0].flags = otlp::kNoRecordedValue;
  ASSERT_TRUE(ingest(export_of({ended}), 110));
  const std::string text = scrape(store_);
  EXPECT_NE(text.find(kSeriesA + " 1\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("step=\"b\""), std::string::npos) << text;
}

TEST_F(OtlpIngestTest, WhenTheLastSeriesOfAFamilyEndsTheFamilyGoes) {
  ASSERT_TRUE(ingest(export_of({gauge("queue", 7), counter("steps", 1, Temporality::cumulative)})));
  otlp::Metric ended = gauge("queue", 0);
  ended.numbers[0].flags = otlp::kNoRecordedValue;
  ASSERT_TRUE(ingest(export_of({ended}), 110));
  const std::string text = scrape(store_);
  EXPECT_EQ(text.find("queue"), std::string::npos) << text;
  EXPECT_NE(text.find(kSeriesA + " 1\n"), std::string::npos) << text;
}

TEST_F(OtlpIngestTest, SeriesNotExportedWithinTheTtlAreSweptAndAnEmptiedGroupGoes) {
  ASSERT_TRUE(ingest(export_of({counter("steps", 1, Temporality::delta, {"a", "b"})}), 100));
  ASSERT_TRUE(ingest(export_of({counter("steps", 2, Temporality::delta, {"a"}, 20, 30)}), 350));
  auto swept = ingest_.sweep(450);  // b last exported at 100 < 450 - 300
  EXPECT_FALSE(swept.error);
  EXPECT_EQ(swept.series_dropped, 1u);
  std::string text = scrape(store_);
  EXPECT_NE(text.find(kSeriesA + " 3\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("step=\"b\""), std::string::npos) << text;
  EXPECT_NE(text.find("push_time_seconds{instance=\"pod-1\",job=\"etl\"} 350\n"), std::string::npos) << text;
  const Group* group = store_.snapshot()->find(testing::key("job/etl/instance/pod-1").id());
  ASSERT_NE(group, nullptr);
  EXPECT_EQ(group->state->deltas.size(), 1u);  // b's running total went with it
  EXPECT_EQ(ingest_.sweep(700).series_dropped, 1u);
  EXPECT_EQ(store_.snapshot()->group_count(), 0u);
}

TEST_F(OtlpIngestTest, APostKeepsTheGroupsGroupStateAndAPutDropsIt) {
  ASSERT_TRUE(ingest(export_of({counter("steps", 3, Temporality::delta, {"a"}, 10, 20)})));
  ASSERT_TRUE(post(store_, "job/etl/instance/pod-1", "extra 1\n"));
  ASSERT_TRUE(ingest(export_of({counter("steps", 1, Temporality::delta, {"a"}, 20, 30)}), 110));
  EXPECT_TRUE(scrape_has(store_, kSeriesA + " 4\n")) << scrape(store_);
  EXPECT_TRUE(scrape_has(store_, "extra{instance=\"pod-1\",job=\"etl\"} 1\n"));
  ASSERT_TRUE(put(store_, "job/etl/instance/pod-1", "extra 2\n"));
  EXPECT_EQ(store_.snapshot()->find(testing::key("job/etl/instance/pod-1").id())->state, nullptr);
  ASSERT_TRUE(ingest(export_of({counter("steps", 1, Temporality::delta, {"a"}, 30, 40)}), 120));
  EXPECT_TRUE(scrape_has(store_, kSeriesA + " 1\n")) << scrape(store_);
}

TEST(OtlpIngestUtf8, NamesKeptAsSentNeedAStoreThatTakesUtf8Names) {
  otlp::ExportRequest request = export_of({gauge("queue.depth", 3)});
  request.resources[0].scopes[0].metrics[0].numbers[0].attributes = {{"http.method", "GET"}};
  OtlpIngestOptions utf8_names;
  utf8_names.translate.naming.utf8 = true;
  GroupStore legacy_store{StoreOptions{}};
  auto refused = OtlpIngest(legacy_store, utf8_names).ingest(request, 100);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("invalid label name \"http.method\""), std::string::npos)
      << refused.error().message;
  StoreOptions utf8_store;
  utf8_store.names = exposition::NameValidation::utf8;
  GroupStore store{utf8_store};
  auto taken = OtlpIngest(store, utf8_names).ingest(request, 100);
  ASSERT_TRUE(taken) << taken.error().message;
  ASSERT_NE(store.snapshot()->find(testing::key("job/etl/instance/pod-1").id()), nullptr);
  EXPECT_NE(store.snapshot()->find(testing::key("job/etl/instance/pod-1").id())->find("queue.depth"), nullptr);
}

TEST_F(OtlpIngestTest, AnUnauthorizedGroupRefusesTheWholeExport) {
  otlp::ExportRequest request = export_of({counter("steps", 1, Temporality::cumulative)});
  request.resources.push_back(export_of({gauge("queue", 1)}, "billing").resources[0]);
  auto refused = ingest_.ingest(request, 100, [](const GroupingKey& key) -> std::optional<PushError> {
    if (key.labels.back().value == "billing") return PushError(PushErrorKind::bad_body, "not billing");
    return std::nullopt;
  });
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message, "not billing");
  EXPECT_EQ(store_.snapshot()->group_count(), 0u);
}

TEST_F(OtlpIngestTest, RefusedPointsArePartialSuccessNamingTheMetric) {
  otlp::Metric delta_gauge = counter("level", 1, Temporality::delta);
  delta_gauge.monotonic = false;
  auto done = ingest(export_of({delta_gauge, gauge("queue", 2)}));
  ASSERT_TRUE(done);
  EXPECT_EQ(done->rejected_points, 1u);
  EXPECT_NE(done->rejection_message.find("level"), std::string::npos) << done->rejection_message;
  EXPECT_TRUE(scrape_has(store_, "queue{instance=\"pod-1\",job=\"etl\"} 2\n"));
}

}  // namespace
}  // namespace flowgate::pushgw
