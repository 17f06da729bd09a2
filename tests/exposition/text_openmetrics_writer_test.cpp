// The OpenMetrics 1.0.0 writer on hand-made families; the Python parser
// checks generated ones (openmetrics_writer_python_check.py).

#include <gtest/gtest.h>

#include <limits>

#include "exposition/openmetrics_writer.hpp"
#include "exposition/writer.hpp"

namespace flowgate::exposition {
namespace {

TEST(OpenMetricsWriter, NamesCounterFamilyWithoutTotalAndItsSamplesWithIt) {
  Metric metric;
  metric.value = 3;
  metric.created = Timestamp{1700000000, 500000000};
  Family family{"jobs_total", "Jobs \"done\".", MetricType::counter, "", {metric}};
  EXPECT_EQ(write(Format::openmetrics, {family}),
            "# HELP jobs Jobs \\\"done\\\".\n# TYPE jobs counter\njobs_total 3.0\njobs_created 1700000000.5\n# EOF\n");
}

TEST(OpenMetricsWriter, AddsTotalToCounterNamedWithoutIt) {
  Metric metric;
  metric.value = 1.5;
  Family family{"jobs", "", MetricType::counter, "", {metric}};
  EXPECT_EQ(write(Format::openmetrics, {family}), "# TYPE jobs counter\njobs_total 1.5\n# EOF\n");
}

TEST(OpenMetricsWriter, WritesUnknownForUntypedAndTimestampsInSeconds) {
  Metric metric;
  metric.value = 1e6;
  metric.timestamp_ms = 1700000000123;
  Family family{"u", "", MetricType::untyped, "", {metric}};
  EXPECT_EQ(write(Format::openmetrics, {family}), "# TYPE u unknown\nu 1e+06 1700000000.123\n# EOF\n");
}

TEST(OpenMetricsWriter, WritesNegativeTimestamps) {
  Metric metric;
  metric.timestamp_ms = -1500;
  Family family{"g", "", MetricType::gauge, "", {metric}};
  EXPECT_EQ(write(Format::openmetrics, {family}), "# TYPE g gauge\ng 0.0 -1.5\n# EOF\n");
}

TEST(OpenMetricsWriter, WritesUnitOnlyWhenItIsTheNameSuffix) {
  Family with{"latency_seconds", "", MetricType::gauge, "seconds", {Metric{}}};
  Family without{"latency", "", MetricType::gauge, "seconds", {Metric{}}};
  EXPECT_EQ(write(Format::openmetrics, {with}),
            "# TYPE latency_seconds gauge\n# UNIT latency_seconds seconds\nlatency_seconds 0.0\n# EOF\n");
  EXPECT_EQ(write(Format::openmetrics, {without}), "# TYPE latency gauge\nlatency 0.0\n# EOF\n");
}

TEST(OpenMetricsWriter, WritesHistogramWithIntegerCountsExemplarAndInfBucket) {
  Metric metric;
  metric.labels = {{"path", "/"}};
  Exemplar exemplar{{{"trace_id", "abc"}}, 0.2, Timestamp{1700000000, 0}};
  metric.buckets = {{0.25, 1, exemplar}, {1, 2, std::nullopt}};
  metric.sample_count = 3;
  metric.sample_sum = 2;
  Family family{"h", "", MetricType::histogram, "", {metric}};
  EXPECT_EQ(write(Format::openmetrics, {family}),
            "# TYPE h histogram\n"
            "h_bucket{path=\"/\",le=\"0.25\"} 1 # {trace_id=\"abc\"} 0.2 1700000000\n"
            "h_bucket{path=\"/\",le=\"1.0\"} 2\n"
            "h_bucket{path=\"/\",le=\"+Inf\"} 3\n"
            "h_count{path=\"/\"} 3\nh_sum{path=\"/\"} 2.0\n# EOF\n");
}

TEST(OpenMetricsWriter, WritesGaugeHistogramWithGcountAndGsum) {
  Metric metric;
  metric.buckets = {{std::numeric_limits<double>::infinity(), 2.5, std::nullopt}};
  metric.float_counts = true;
  metric.sample_count = 2.5;
  metric.sample_sum = 1;
  Family family{"g", "", MetricType::gauge_histogram, "", {metric}};
  EXPECT_EQ(write(Format::openmetrics, {family}),
            "# TYPE g gaugehistogram\ng_bucket{le=\"+Inf\"} 2.5\ng_gcount 2.5\ng_gsum 1.0\n# EOF\n");
}

TEST(OpenMetricsWriter, WritesSummaryWithCreated) {
  Metric metric;
  metric.quantiles = {{0.5, 1}};
  metric.sample_count = 4;
  metric.sample_sum = 4.5;
  metric.created = Timestamp{10, 0};
  Family family{"s", "", MetricType::summary, "", {metric}};
  EXPECT_EQ(write(Format::openmetrics, {family}),
            "# TYPE s summary\ns{quantile=\"0.5\"} 1.0\ns_sum 4.5\ns_count 4\ns_created 10\n# EOF\n");
}

TEST(OpenMetricsWriter, WritesCounterExemplar) {
  Metric metric;
  metric.value = 7;
  metric.exemplars.push_back(Exemplar{{{"trace_id", "x"}}, 1, std::nullopt});
  Family family{"c_total", "", MetricType::counter, "", {metric}};
  EXPECT_EQ(write(Format::openmetrics, {family}),
            "# TYPE c counter\nc_total 7.0 # {trace_id=\"x\"} 1.0\n# EOF\n");
}

TEST(OpenMetricsWriter, EofOnlyFromWholeBody) {
  Family family{"g", "", MetricType::gauge, "", {Metric{}}};
  std::string samples;
  write_samples(Format::openmetrics, family, samples);
  EXPECT_EQ(samples, "g 0.0\n");
  EXPECT_EQ(write(Format::openmetrics, {}), "# EOF\n");
}

TEST(OpenMetricsWriter, ContentTypeIsVersion100) {
  EXPECT_EQ(content_type(Format::openmetrics), "application/openmetrics-text; version=1.0.0; charset=utf-8");
}

}  // namespace
}  // namespace flowgate::exposition
