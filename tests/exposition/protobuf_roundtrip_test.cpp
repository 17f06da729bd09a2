// Writing then parsing protobuf gives back the very same families, for every
// type and every field the model has.

#include <cmath>
#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "exposition/protobuf_parser.hpp"
#include "exposition/protobuf_writer.hpp"
#include "exposition/writer.hpp"
#include "tests/support/family_generator.hpp"

namespace flowgate::exposition {
namespace {

Families round_trip(const Families& families) {
  auto parsed = parse_protobuf(write(Format::protobuf, families));
  EXPECT_TRUE(parsed.has_value()) << (parsed ? "" : parsed.error().describe());
  return parsed ? *parsed : Families{};
}

Exemplar exemplar(double value, bool with_timestamp) {
  Exemplar e;
  e.labels = {{"trace_id", "4bf92f3577b34da6"}, {"span", "日本"}};
  e.value = value;
  if (with_timestamp) e.timestamp = Timestamp{1700000000, 123456789};
  return e;
}

Family every_scalar_type(MetricType type) {
  Family f{"scalar_" + std::string(type_name(type)), "Help with \\ and \n.", type, "seconds", {}};
  for (double value : {0.0, -0.0, 1.5, -1e300, std::numeric_limits<double>::infinity(),
                       std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::denorm_min()}) {
    Metric m;
    m.labels = {{"job", "j"}, {"value", "quote\" backslash\\ newline\n"}};
    m.value = value;
    f.metrics.push_back(m);
  }
  f.metrics[1].timestamp_ms = -1;
  f.metrics[2].timestamp_ms = std::numeric_limits<std::int64_t>::max();
  if (type == MetricType::counter) {
    f.metrics[0].exemplars.push_back(exemplar(0.5, true));
    f.metrics[0].created = Timestamp{-5, -7};
  }
  return f;
}

TEST(ProtobufRoundTrip, CounterGaugeUntypedKeepEveryValueBitForBit) {
  const Families families{every_scalar_type(MetricType::counter), every_scalar_type(MetricType::gauge),
                          every_scalar_type(MetricType::untyped)};
  EXPECT_TRUE(identical(round_trip(families), families));
}

TEST(ProtobufRoundTrip, SummaryKeepsQuantilesCountSumAndCreated) {
  Metric m;
  m.labels = {{"quantile_like", "0.5"}};
  m.sample_count = 12;
  m.sample_sum = 3.25;
  m.quantiles = {{0.5, 1}, {0.9, std::numeric_limits<double>::quiet_NaN()}, {0.99, 7}};
  m.created = Timestamp{1600000000, 0};
  Metric empty;
  const Families families{{"latency", "", MetricType::summary, "", {m, empty}}};
  EXPECT_TRUE(identical(round_trip(families), families));
}

Metric native_histogram(bool float_counts) {
  Metric m;
  m.labels = {{"le_like", "x"}};
  m.float_counts = float_counts;
  m.sample_count = float_counts ? 7.5 : 7;
  m.sample_sum = -0.25;
  m.buckets = {{0.1, 3, exemplar(0.05, true)}, {1, float_counts ? 5.5 : 5, std::nullopt},
               {std::numeric_limits<double>::infinity(), m.sample_count, exemplar(2, false)}};
  NativeHistogram n;
  n.schema = -4;
  n.zero_threshold = 1e-128;
  n.zero_count = float_counts ? 0.5 : 1;
  n.negative_spans = {{-3, 2}};
  n.positive_spans = {{0, 2}, {5, 1}};
  if (float_counts) {
    n.negative_counts = {1, 2.5};
    n.positive_counts = {1.5, 0, 2};
  } else {
    n.negative_deltas = {1, -1};
    n.positive_deltas = {2, -2, 3};
  }
  m.native = n;
  m.exemplars = {exemplar(0.3, true), exemplar(4, true)};
  m.created = Timestamp{1700000001, 999999999};
  m.timestamp_ms = 1700000002000;
  return m;
}

TEST(ProtobufRoundTrip, HistogramsKeepClassicAndNativeBucketsExemplarsAndCreated) {
  Metric classic;
  classic.sample_count = 3;
  classic.sample_sum = 1;
  classic.buckets = {{1, 1, std::nullopt}, {2, 3, std::nullopt}};
  Metric empty_native;
  empty_native.native = NativeHistogram{};
  const Families families{
      {"h", "Histogram.", MetricType::histogram, "", {classic, native_histogram(false), empty_native}},
      {"gh", "", MetricType::gauge_histogram, "bytes", {native_histogram(true)}},
  };
  EXPECT_TRUE(identical(round_trip(families), families));
}

TEST(ProtobufRoundTrip, LongMessagesAndEmptyFamiliesSurvive) {
  Metric m;
  for (int i = 0; i < 300; ++i) m.labels.push_back({"l" + std::to_string(i), std::string(static_cast<std::size_t>(i), 'v')});
  const Families families{{"wide", std::string(200, 'h'), MetricType::gauge, "", {m}},
                          {"nothing", "", MetricType::counter, "", {}}};
  EXPECT_TRUE(identical(round_trip(families), families));
}

TEST(ProtobufRoundTrip, SampleBlocksOfOneFamilyConcatenateUnderOneHeader) {
  const auto family = every_scalar_type(MetricType::gauge);
  Family first = family;
  Family second = family;
  first.metrics.resize(3);
  second.metrics.erase(second.metrics.begin(), second.metrics.begin() + 3);
  std::string a;
  std::string b;
  write_protobuf_samples(first, a);
  write_protobuf_samples(second, b);
  std::string body;
  write_protobuf_header({family.name, family.help, family.type, family.unit}, a.size() + b.size(), body);
  body += a + b;
  auto parsed = parse_protobuf(body);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().describe();
  EXPECT_TRUE(identical(*parsed, Families{family}));
}

TEST(ProtobufRoundTrip, GeneratedFamiliesOfEveryKindSurvive) {
  test_support::GeneratorOptions options;
  options.native_histograms = true;
  options.exemplars = true;
  options.created = true;
  options.units = true;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    const auto families = test_support::generate_families(seed, 8, options);
    ASSERT_TRUE(identical(round_trip(families), families)) << "seed " << seed;
  }
}

}  // namespace
}  // namespace flowgate::exposition
