// The text 0.0.4 writer: byte for byte what the Pushgateway's expfmt writes.

#include <gtest/gtest.h>

#include <limits>

#include "exposition/text_writer.hpp"
#include "exposition/writer.hpp"

namespace flowgate::exposition {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

Metric series(Labels labels, double value) {
  Metric metric;
  metric.labels = std::move(labels);
  metric.value = value;
  return metric;
}

TEST(TextWriter, EscapesHelpBackslashAndNewlineButNotQuotes) {
  Family family{"a", "x\\y\n\"z\"", MetricType::gauge, "", {series({}, 1)}};
  EXPECT_EQ(write(Format::text, {family}), "# HELP a x\\\\y\\n\"z\"\n# TYPE a gauge\na 1\n");
}

TEST(TextWriter, EscapesBackslashQuoteAndNewlineInLabelValues) {
  Family family{"a", "", MetricType::counter, "", {series({{"x", "a\\b\"c\nd"}, {"e", ""}}, 2)}};
  EXPECT_EQ(write(Format::text, {family}), "# TYPE a counter\na{x=\"a\\\\b\\\"c\\nd\",e=\"\"} 2\n");
}

TEST(TextWriter, OmitsHelpLineWhenHelpIsEmpty) {
  Family family{"a", "", MetricType::untyped, "", {series({}, 1)}};
  EXPECT_EQ(write(Format::text, {family}), "# TYPE a untyped\na 1\n");
}

TEST(TextWriter, WritesTimestampsInMilliseconds) {
  Metric metric = series({}, 1);
  metric.timestamp_ms = 1700000000123;
  Family family{"a", "", MetricType::gauge, "", {metric}};
  EXPECT_EQ(write(Format::text, {family}), "# TYPE a gauge\na 1 1700000000123\n");
}

TEST(TextWriter, WritesSummaryQuantileLastThenSumAndCount) {
  Metric metric = series({{"zzz", "1"}}, 0);
  metric.quantiles = {{0.5, 3}, {0.99, 4}};
  metric.sample_sum = 10.5;
  metric.sample_count = 1000000;
  Family family{"s", "", MetricType::summary, "", {metric}};
  EXPECT_EQ(write(Format::text, {family}),
            "# TYPE s summary\ns{zzz=\"1\",quantile=\"0.5\"} 3\ns{zzz=\"1\",quantile=\"0.99\"} 4\n"
            "s_sum{zzz=\"1\"} 10.5\ns_count{zzz=\"1\"} 1e+06\n");
}

TEST(TextWriter, SynthesizesInfBucketFromCountWhenAbsent) {
  Metric metric;
  metric.buckets = {{0.25, 1, std::nullopt}, {1, 2, std::nullopt}};
  metric.sample_count = 3;
  metric.sample_sum = 1.5;
  Family family{"h", "", MetricType::histogram, "", {metric}};
  EXPECT_EQ(write(Format::text, {family}),
            "# TYPE h histogram\nh_bucket{le=\"0.25\"} 1\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 3\n"
            "h_sum 1.5\nh_count 3\n");
}

TEST(TextWriter, KeepsAnExistingInfBucket) {
  Metric metric;
  metric.labels = {{"a", "b"}};
  metric.buckets = {{kInf, 4, std::nullopt}};
  metric.sample_count = 4;
  Family family{"h", "", MetricType::histogram, "", {metric}};
  EXPECT_EQ(write(Format::text, {family}),
            "# TYPE h histogram\nh_bucket{a=\"b\",le=\"+Inf\"} 4\nh_sum{a=\"b\"} 0\nh_count{a=\"b\"} 4\n");
}

TEST(TextWriter, TypesGaugeHistogramAsHistogram) {
  Family family{"g", "", MetricType::gauge_histogram, "", {Metric{}}};
  EXPECT_EQ(write(Format::text, {family}), "# TYPE g histogram\ng_bucket{le=\"+Inf\"} 0\ng_sum 0\ng_count 0\n");
}

TEST(TextWriter, HeaderAndSamplesConcatenateToTheWholeFamily) {
  Family family{"a", "help", MetricType::gauge, "", {series({{"x", "1"}}, 1), series({{"x", "2"}}, 2)}};
  std::string parts;
  write_header(Format::text, FamilyHeader{family.name, family.help, family.type, family.unit}, parts);
  write_samples(Format::text, family, parts);
  EXPECT_EQ(parts, write(Format::text, {family}));
}

TEST(TextWriter, ContentTypeIsVersion004) {
  EXPECT_EQ(content_type(Format::text), "text/plain; version=0.0.4; charset=utf-8");
}

}  // namespace
}  // namespace flowgate::exposition
