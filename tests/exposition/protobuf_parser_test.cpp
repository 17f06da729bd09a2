#include "exposition/protobuf_parser.hpp"

#include <cmath>
#include <string>

#include <gtest/gtest.h>

#include "tests/exposition/protobuf_test_encoder.hpp"

namespace flowgate::exposition {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): the encoder's vocabulary

constexpr std::uint64_t kCounter = 0;
constexpr std::uint64_t kGauge = 1;
constexpr std::uint64_t kSummary = 2;
constexpr std::uint64_t kUntyped = 3;
constexpr std::uint64_t kHistogram = 4;
constexpr std::uint64_t kGaugeHistogram = 5;

Families parse_ok(const std::string& body) {
  auto parsed = parse_protobuf(body);
  EXPECT_TRUE(parsed.has_value()) << (parsed ? "" : parsed.error().describe());
  return parsed ? *parsed : Families{};
}

ParseError parse_error(const std::string& body) {
  auto parsed = parse_protobuf(body);
  EXPECT_FALSE(parsed.has_value());
  return parsed ? ParseError{} : parsed.error();
}

std::string gauge_metric(double v) { return bytes_field(2, double_field(1, v)); }

TEST(ProtobufParser, EmptyBodyHasNoFamilies) { EXPECT_TRUE(parse_ok("").empty()); }

TEST(ProtobufParser, ReadsCounterWithLabelsTimestampExemplarAndCreated) {
  const auto exemplar = concat({label("trace_id", "abc"), double_field(2, 1.5),
                                bytes_field(3, uint_field(1, 1700000000) + uint_field(2, 5))});
  const auto counter = concat({double_field(1, 42), bytes_field(2, exemplar), bytes_field(3, uint_field(1, 1600000000))});
  const auto metric = concat({label("job", "j"), label("flow", "étl"), bytes_field(3, counter), uint_field(6, 1234)});
  const auto families = parse_ok(family("tasks_total", kCounter, {metric}, "Tasks run."));

  ASSERT_EQ(families.size(), 1U);
  const auto& f = families[0];
  EXPECT_EQ(f.name, "tasks_total");
  EXPECT_EQ(f.help, "Tasks run.");
  EXPECT_EQ(f.type, MetricType::counter);
  ASSERT_EQ(f.metrics.size(), 1U);
  const auto& m = f.metrics[0];
  EXPECT_EQ(m.labels, (Labels{{"job", "j"}, {"flow", "étl"}}));
  EXPECT_EQ(m.value, 42);
  EXPECT_EQ(m.timestamp_ms, 1234);
  ASSERT_EQ(m.exemplars.size(), 1U);
  EXPECT_EQ(m.exemplars[0].labels, (Labels{{"trace_id", "abc"}}));
  EXPECT_EQ(m.exemplars[0].value, 1.5);
  EXPECT_EQ(m.exemplars[0].timestamp, (Timestamp{1700000000, 5}));
  EXPECT_EQ(m.created, (Timestamp{1600000000, 0}));
}

TEST(ProtobufParser, ReadsGaugeUntypedAndUnit) {
  const auto body = family("depth", kGauge, {gauge_metric(-2.5)}) +
                    delimited(concat({bytes_field(1, "raw"), uint_field(3, kUntyped),
                                      bytes_field(4, bytes_field(5, double_field(1, 7))), bytes_field(5, "bytes")}));
  const auto families = parse_ok(body);
  ASSERT_EQ(families.size(), 2U);
  EXPECT_EQ(families[0].metrics.at(0).value, -2.5);
  EXPECT_EQ(families[1].type, MetricType::untyped);
  EXPECT_EQ(families[1].unit, "bytes");
  EXPECT_EQ(families[1].metrics.at(0).value, 7);
}

TEST(ProtobufParser, ReadsSummaryQuantilesInOrder) {
  const auto summary = concat({uint_field(1, 4), double_field(2, 10), bytes_field(3, double_field(1, 0.5) + double_field(2, 2)),
                               bytes_field(3, double_field(1, 0.9) + double_field(2, 4))});
  const auto m = parse_ok(family("d", kSummary, {bytes_field(4, summary)})).at(0).metrics.at(0);
  EXPECT_EQ(m.sample_count, 4);
  EXPECT_EQ(m.sample_sum, 10);
  ASSERT_EQ(m.quantiles.size(), 2U);
  EXPECT_EQ(m.quantiles[1].quantile, 0.9);
  EXPECT_EQ(m.quantiles[1].value, 4);
  EXPECT_FALSE(m.native);
}

TEST(ProtobufParser, ClassicHistogramIsNotNative) {
  const auto histogram = concat({uint_field(1, 3), double_field(2, 1.5), bytes_field(3, uint_field(1, 1) + double_field(2, 0.5)),
                                 bytes_field(3, uint_field(1, 3) + double_field(2, INFINITY))});
  const auto m = parse_ok(family("h", kHistogram, {bytes_field(7, histogram)})).at(0).metrics.at(0);
  EXPECT_FALSE(m.native);
  EXPECT_FALSE(m.float_counts);
  ASSERT_EQ(m.buckets.size(), 2U);
  EXPECT_EQ(m.buckets[1].upper_bound, INFINITY);
  EXPECT_EQ(m.buckets[1].cumulative_count, 3);
}

TEST(ProtobufParser, AnyNativeFieldMakesTheHistogramNative) {
  const auto histogram = concat({uint_field(1, 0), sint_field(5, -2)});
  const auto m = parse_ok(family("h", kHistogram, {bytes_field(7, histogram)})).at(0).metrics.at(0);
  ASSERT_TRUE(m.native);
  EXPECT_EQ(m.native->schema, -2);
}

TEST(ProtobufParser, ReadsPackedAndUnpackedNativeBuckets) {
  const auto packed_deltas = tag(13, 2) + varint(3) + varint(2) + varint(1) + varint(3);  // zigzag 1, -1, -2
  const auto histogram = concat({uint_field(1, 5), sint_field(5, 3), double_field(6, 1e-128), uint_field(7, 1),
                                 bytes_field(12, sint_field(1, -1) + uint_field(2, 2)), bytes_field(12, sint_field(1, 4) + uint_field(2, 1)),
                                 packed_deltas, sint_field(10, 7), sint_field(10, -3),
                                 bytes_field(9, sint_field(1, 0) + uint_field(2, 2))});
  const auto m = parse_ok(family("h", kGaugeHistogram, {bytes_field(7, histogram)})).at(0).metrics.at(0);
  ASSERT_TRUE(m.native);
  const auto& n = *m.native;
  EXPECT_EQ(n.schema, 3);
  EXPECT_EQ(n.zero_threshold, 1e-128);
  EXPECT_EQ(n.zero_count, 1);
  EXPECT_EQ(n.positive_spans, (std::vector<BucketSpan>{{-1, 2}, {4, 1}}));
  EXPECT_EQ(n.positive_deltas, (std::vector<std::int64_t>{1, -1, -2}));
  EXPECT_EQ(n.negative_spans, (std::vector<BucketSpan>{{0, 2}}));
  EXPECT_EQ(n.negative_deltas, (std::vector<std::int64_t>{7, -3}));
  EXPECT_FALSE(m.float_counts);
}

TEST(ProtobufParser, FloatFieldsMakeFloatCounts) {
  const auto counts = tag(14, 2) + varint(16) + fixed64(1.5) + fixed64(2.25);
  const auto histogram = concat({double_field(4, 3.75), double_field(8, 0.5), counts, double_field(11, 0.25),
                                 bytes_field(3, double_field(4, 1.5) + double_field(2, 1))});
  const auto m = parse_ok(family("h", kHistogram, {bytes_field(7, histogram)})).at(0).metrics.at(0);
  EXPECT_TRUE(m.float_counts);
  EXPECT_EQ(m.sample_count, 3.75);
  EXPECT_EQ(m.buckets.at(0).cumulative_count, 1.5);
  ASSERT_TRUE(m.native);
  EXPECT_EQ(m.native->zero_count, 0.5);
  EXPECT_EQ(m.native->positive_counts, (std::vector<double>{1.5, 2.25}));
  EXPECT_EQ(m.native->negative_counts, (std::vector<double>{0.25}));
}

TEST(ProtobufParser, ReadsNativeHistogramExemplars) {
  const auto exemplar = concat({label("trace_id", "x"), double_field(2, 0.3)});
  const auto histogram = concat({uint_field(1, 1), sint_field(5, 0), bytes_field(16, exemplar), bytes_field(16, exemplar),
                                 bytes_field(15, uint_field(1, 99) + uint_field(2, 7))});
  const auto m = parse_ok(family("h", kHistogram, {bytes_field(7, histogram)})).at(0).metrics.at(0);
  EXPECT_EQ(m.exemplars.size(), 2U);
  EXPECT_FALSE(m.exemplars[0].timestamp);
  EXPECT_EQ(m.created, (Timestamp{99, 7}));
}

TEST(ProtobufParser, SkipsUnknownFieldsOfEveryWireType) {
  const auto unknown = concat({uint_field(99, 5), double_field(98, 1), bytes_field(97, "zz"), tag(96, 5) + "abcd",
                               tag(95, 3) + uint_field(1, 1) + tag(95, 4)});
  const auto metric = concat({unknown, gauge_metric(1), unknown});
  const auto body = delimited(concat({unknown, bytes_field(1, "g"), uint_field(3, kGauge), bytes_field(4, metric)}));
  const auto families = parse_ok(body);
  ASSERT_EQ(families.size(), 1U);
  EXPECT_EQ(families[0].metrics.at(0).value, 1);
}

TEST(ProtobufParser, RepeatedFamilyNameReplacesTheEarlierOne) {
  const auto body = family("a", kGauge, {gauge_metric(1)}) + family("b", kGauge, {gauge_metric(2)}) +
                    family("a", kCounter, {bytes_field(3, double_field(1, 3))});
  const auto families = parse_ok(body);
  ASSERT_EQ(families.size(), 2U);
  EXPECT_EQ(families[0].name, "a");
  EXPECT_EQ(families[0].type, MetricType::counter);
  EXPECT_EQ(families[0].metrics.at(0).value, 3);
  EXPECT_EQ(families[1].name, "b");
}

TEST(ProtobufParser, MissingTypeMeansCounterAsProtobufDefaults) {
  const auto body = delimited(bytes_field(1, "c") + bytes_field(4, bytes_field(3, "")));
  const auto families = parse_ok(body);
  EXPECT_EQ(families.at(0).type, MetricType::counter);
  EXPECT_EQ(families.at(0).metrics.at(0).value, 0);
}

TEST(ProtobufParser, RejectsABodyThatEndsInsideAFamily) {
  const auto whole = family("a", kGauge, {gauge_metric(1)}) + family("b", kGauge, {gauge_metric(2)});
  const auto error = parse_error(whole.substr(0, whole.size() - 5));
  EXPECT_EQ(error.line, 2U);
  EXPECT_EQ(error.rule, "protobuf-truncated-message");
  EXPECT_EQ(error.message, "the body ends in the middle of family 2: 5 more bytes were announced than sent");
}

TEST(ProtobufParser, RejectsABodyThatEndsInsideALengthPrefix) {
  const auto error = parse_error(family("a", kGauge, {gauge_metric(1)}) + "\x80");
  EXPECT_EQ(error.line, 2U);
  EXPECT_EQ(error.rule, "protobuf-truncated-varint");
}

TEST(ProtobufParser, RejectsANestedLengthPastItsMessage) {
  const auto metric = tag(1, 2) + varint(50) + "short";
  const auto error = parse_error(delimited(bytes_field(1, "g") + bytes_field(4, metric)));
  EXPECT_EQ(error.rule, "protobuf-truncated-field");
  EXPECT_EQ(error.line, 1U);
  EXPECT_EQ(error.column, 1U + 3U + 2U + 1U);  // after the length prefix, the name field and the metric tag and length
}

TEST(ProtobufParser, RejectsInvalidUtf8InALabelValue) {
  const auto metric = concat({label("l", "\xc3\x28"), gauge_metric(1)});
  const auto error = parse_error(family("g", kGauge, {metric}));
  EXPECT_EQ(error.rule, "protobuf-invalid-utf8");
  EXPECT_EQ(error.message, "a label value is not valid UTF-8");
}

TEST(ProtobufParser, RejectsSurrogatesAndOverlongUtf8InNames) {
  EXPECT_EQ(parse_error(family("\xed\xa0\x80", kGauge, {})).rule, "protobuf-invalid-utf8");
  EXPECT_EQ(parse_error(family("\xc0\xaf", kGauge, {})).rule, "protobuf-invalid-utf8");
  EXPECT_EQ(parse_error(family("\xf4\x90\x80\x80", kGauge, {})).rule, "protobuf-invalid-utf8");
}

TEST(ProtobufParser, RejectsASeriesWithoutAValueOfTheFamilyType) {
  const auto error = parse_error(family("c", kCounter, {gauge_metric(1)}));
  EXPECT_EQ(error.rule, "protobuf-metric-type-mismatch");
  EXPECT_EQ(error.message, "series 1 of counter family \"c\" carries no counter value");
}

TEST(ProtobufParser, DropsPartsOfOtherTypesEvenWhenTypeComesLast) {
  const auto metric = concat({gauge_metric(2), bytes_field(3, double_field(1, 3)), bytes_field(7, uint_field(1, 9))});
  const auto body = delimited(concat({bytes_field(1, "c"), bytes_field(4, metric), uint_field(3, kCounter)}));
  const auto m = parse_ok(body).at(0).metrics.at(0);
  EXPECT_EQ(m.value, 3);
  EXPECT_EQ(m.sample_count, 0);
}

TEST(ProtobufParser, RejectsMalformedPartsOfOtherTypesToo) {
  const auto metric = concat({bytes_field(2, tag(1, 1) + "abc"), bytes_field(3, double_field(1, 3))});
  EXPECT_EQ(parse_error(family("c", kCounter, {metric})).rule, "protobuf-truncated-field");
}

TEST(ProtobufParser, RejectsAnUnknownMetricType) {
  EXPECT_EQ(parse_error(family("x", 6, {})).rule, "protobuf-unknown-metric-type");
}

TEST(ProtobufParser, RejectsAFamilyWithoutAName) {
  const auto error = parse_error(delimited(uint_field(3, kGauge)));
  EXPECT_EQ(error.rule, "protobuf-family-name-missing");
  EXPECT_EQ(error.message, "family 1 has no name");
}

TEST(ProtobufParser, RejectsAVarintLongerThanTenBytes) {
  const auto error = parse_error(std::string(11, '\xff') + "\x01");
  EXPECT_EQ(error.rule, "protobuf-varint-overflow");
}

TEST(ProtobufParser, RejectsFieldNumberZero) {
  EXPECT_EQ(parse_error(delimited(tag(0, 0) + varint(1))).rule, "protobuf-invalid-field-number");
}

TEST(ProtobufParser, RejectsAnUnterminatedGroup) {
  EXPECT_EQ(parse_error(delimited(bytes_field(1, "g") + tag(20, 3) + uint_field(1, 1))).rule, "protobuf-truncated-group");
}

TEST(ProtobufParser, DescribesErrorsWithFamilyAndByte) {
  const auto error = parse_error(delimited(uint_field(3, kGauge)));
  EXPECT_NE(error.describe().find("family 1"), std::string::npos) << error.describe();
}

struct MediaTypeCase {
  const char* name;
  const char* content_type;
  bool protobuf;
};

class ProtobufMediaType : public testing::TestWithParam<MediaTypeCase> {};

TEST_P(ProtobufMediaType, SelectsProtobufOnlyForTheDelimitedMetricFamilyType) {
  EXPECT_EQ(is_protobuf_delimited(GetParam().content_type), GetParam().protobuf) << GetParam().content_type;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ProtobufMediaType,
    testing::Values(
        MediaTypeCase{"Canonical",
                      "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited",
                      true},
        MediaTypeCase{"NoSpaces", "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited",
                      true},
        MediaTypeCase{"ParametersReordered",
                      "application/vnd.google.protobuf; encoding=delimited; proto=io.prometheus.client.MetricFamily", true},
        MediaTypeCase{"TypeAndNamesInAnyCase",
                      "Application/Vnd.Google.Protobuf; PROTO=io.prometheus.client.MetricFamily; Encoding=delimited", true},
        MediaTypeCase{"QuotedValues",
                      "application/vnd.google.protobuf; proto=\"io.prometheus.client.MetricFamily\"; encoding=\"delimited\"",
                      true},
        MediaTypeCase{"WhitespaceAroundEverything",
                      "  application/vnd.google.protobuf ;  proto = io.prometheus.client.MetricFamily ;encoding= delimited ; ",
                      true},
        MediaTypeCase{"ExtraParameter",
                      "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited; q=1",
                      true},
        MediaTypeCase{"ValueCaseMatters",
                      "application/vnd.google.protobuf; proto=io.prometheus.client.metricfamily; encoding=delimited", false},
        MediaTypeCase{"TextEncoding",
                      "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=text", false},
        MediaTypeCase{"MissingEncoding", "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily", false},
        MediaTypeCase{"RepeatedParameter",
                      "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited; "
                      "encoding=delimited",
                      false},
        MediaTypeCase{"BrokenParameter",
                      "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited; x", false},
        MediaTypeCase{"TextPlain", "text/plain; version=0.0.4", false}, MediaTypeCase{"Empty", "", false}),
    [](const testing::TestParamInfo<MediaTypeCase>& case_info) { return case_info.param.name; });

}  // namespace
}  // namespace flowgate::exposition
