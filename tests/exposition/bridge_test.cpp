// prometheus-cpp's families (what Collectables and the Registry return) reach
// our model with every value and label intact.

#include "exposition/from_prometheus_cpp.hpp"

#include <cmath>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/summary.h>

#include <gtest/gtest.h>

namespace flowgate::exposition {
namespace {

const Family& named(const Families& families, std::string_view name) {
  for (const auto& f : families) {
    if (f.name == name) return f;
  }
  ADD_FAILURE() << "no family " << name;
  static const Family none;
  return none;
}

TEST(FromPrometheusCpp, CarriesEveryTypeFromARegistry) {
  prometheus::Registry registry;
  prometheus::BuildCounter().Name("jobs_total").Help("Jobs.").Register(registry).Add({{"queue", "日本"}}).Increment(3);
  prometheus::BuildGauge().Name("depth").Help("Depth.").Register(registry).Add({}).Set(-2.5);
  auto& summary = prometheus::BuildSummary().Name("latency").Help("Latency.").Register(registry).Add(
      {{"path", "/"}}, prometheus::Summary::Quantiles{{0.5, 0.05}});
  summary.Observe(1);
  summary.Observe(3);
  auto& histogram = prometheus::BuildHistogram().Name("size").Help("Size.").Register(registry).Add(
      {}, prometheus::Histogram::BucketBoundaries{1, 10});
  histogram.Observe(0.5);
  histogram.Observe(5);
  histogram.Observe(50);

  const auto families = from_prometheus_cpp(registry.Collect());
  ASSERT_EQ(families.size(), 4U);

  const auto& counter = named(families, "jobs_total");
  EXPECT_EQ(counter.type, MetricType::counter);
  EXPECT_EQ(counter.help, "Jobs.");
  ASSERT_EQ(counter.metrics.size(), 1U);
  EXPECT_EQ(counter.metrics[0].labels, (Labels{{"queue", "日本"}}));
  EXPECT_EQ(counter.metrics[0].value, 3);
  EXPECT_FALSE(counter.metrics[0].timestamp_ms);

  EXPECT_EQ(named(families, "depth").metrics.at(0).value, -2.5);

  const auto& s = named(families, "latency");
  EXPECT_EQ(s.type, MetricType::summary);
  ASSERT_EQ(s.metrics.size(), 1U);
  EXPECT_EQ(s.metrics[0].sample_count, 2);
  EXPECT_EQ(s.metrics[0].sample_sum, 4);
  ASSERT_EQ(s.metrics[0].quantiles.size(), 1U);
  EXPECT_EQ(s.metrics[0].quantiles[0].quantile, 0.5);

  const auto& h = named(families, "size");
  EXPECT_EQ(h.type, MetricType::histogram);
  const auto& hm = h.metrics.at(0);
  EXPECT_EQ(hm.sample_count, 3);
  EXPECT_EQ(hm.sample_sum, 55.5);
  ASSERT_EQ(hm.buckets.size(), 3U);
  EXPECT_EQ(hm.buckets[0].upper_bound, 1);
  EXPECT_EQ(hm.buckets[0].cumulative_count, 1);
  EXPECT_EQ(hm.buckets[1].cumulative_count, 2);
  EXPECT_TRUE(std::isinf(hm.buckets[2].upper_bound));
  EXPECT_EQ(hm.buckets[2].cumulative_count, 3);
  EXPECT_FALSE(hm.native);
}

TEST(FromPrometheusCpp, UntypedAndTimestampsComeThrough) {
  prometheus::MetricFamily family;
  family.name = "raw";
  family.type = prometheus::MetricType::Untyped;
  prometheus::ClientMetric metric;
  metric.untyped.value = 9;
  metric.timestamp_ms = 1700000000000;
  metric.label = {{"a", "b"}};
  family.metric.push_back(metric);

  const auto families = from_prometheus_cpp({family});
  ASSERT_EQ(families.size(), 1U);
  EXPECT_EQ(families[0].type, MetricType::untyped);
  EXPECT_EQ(families[0].help, "");
  EXPECT_EQ(families[0].metrics.at(0).value, 9);
  EXPECT_EQ(families[0].metrics.at(0).timestamp_ms, 1700000000000);
}

}  // namespace
}  // namespace flowgate::exposition
