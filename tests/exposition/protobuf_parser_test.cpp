#include "exposition/protobuf_parser.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

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

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

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
  const auto packed_deltas = tag(13, 2) + varint(3) + varint(2) + varint(1) + varint(4);  // zigzag 1, -1, 2
  const auto histogram = concat({uint_field(1, 15), sint_field(5, 3), double_field(6, 1e-128), uint_field(7, 1),
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
  EXPECT_EQ(n.positive_deltas, (std::vector<std::int64_t>{1, -1, 2}));
  EXPECT_EQ(n.negative_spans, (std::vector<BucketSpan>{{0, 2}}));
  EXPECT_EQ(n.negative_deltas, (std::vector<std::int64_t>{7, -3}));
  EXPECT_FALSE(m.float_counts);
}

TEST(ProtobufParser, FloatFieldsMakeFloatCounts) {
  const auto counts = tag(14, 2) + varint(16) + fixed64(1.5) + fixed64(2.25);
  const auto histogram = concat({double_field(4, 3.75), double_field(8, 0.5), counts, double_field(11, 0.25),
                                 bytes_field(12, uint_field(2, 2)), bytes_field(9, uint_field(2, 1)),
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

// ---------------------------------------------------------------------------
// Names: the text parser's grammar, so that nothing a protobuf push names can
// break the text scrape it is written into.

bool has_control_bytes(std::string_view text) {
  for (const char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == '\x7f') return true;
  }
  return false;
}

TEST(ProtobufParser, RejectsAMetricNameThatWouldInjectLines) {
  const auto error = parse_error(family("up\nspoofed_metric{job=\"billing\"} 666", kGauge, {gauge_metric(1)}));
  EXPECT_EQ(error.rule, "protobuf-metric-name");
  EXPECT_EQ(error.message,
            "the family name \"up\\nspoofed_metric{job=\\\"billing\\\"} 666\" is not a valid metric name; metric names "
            "match [a-zA-Z_:][a-zA-Z0-9_:]* (any UTF-8 with --push.enable-utf8-names)");
  EXPECT_EQ(error.describe().rfind("family 1, byte 4: ", 0), 0U) << error.describe();
}

TEST(ProtobufParser, RejectsEveryMetricNameOutsideTheGrammar) {
  for (const std::string& name : std::vector<std::string>{"a b", "a{b", std::string("a\0b", 3), "1a", "a-b", "a.b", "\xc3\xa9t\xc3\xa9", " a", "a\t"}) {
    const auto error = parse_error(family(name, kGauge, {gauge_metric(1)}));
    EXPECT_EQ(error.rule, "protobuf-metric-name") << name;
    EXPECT_FALSE(has_control_bytes(error.describe())) << error.describe();
  }
}

TEST(ProtobufParser, AcceptsColonsAndDigitsInMetricNames) {
  EXPECT_EQ(parse_ok(family(":a_B:9", kGauge, {gauge_metric(1)})).at(0).name, ":a_B:9");
}

TEST(ProtobufParser, RejectsEveryLabelNameOutsideTheGrammar) {
  for (const std::string& name : std::vector<std::string>{"a:b", "1a", "a-b", "a\nb", "", "\xc3\xa9", "a}", std::string("\0", 1)}) {
    const auto error = parse_error(family("g", kGauge, {concat({label(name, "v"), gauge_metric(1)})}));
    EXPECT_EQ(error.rule, "protobuf-label-name") << name;
    EXPECT_FALSE(has_control_bytes(error.describe())) << error.describe();
  }
}

TEST(ProtobufParser, NamesTheBadLabelAndItsMetric) {
  const auto error = parse_error(family("g", kGauge, {concat({label("job", "x"), label("a\x01}", "v"), gauge_metric(1)})}));
  EXPECT_EQ(error.message,
            "invalid label name \"a\\x01}\" for metric \"g\"; label names match [a-zA-Z_][a-zA-Z0-9_]* (any UTF-8 with "
            "--push.enable-utf8-names)");
}

TEST(ProtobufParser, AcceptsAnyUtf8NamesWithUtf8Names) {
  ParseBounds bounds;
  bounds.names = NameValidation::utf8;
  const auto body = family("my.metric", kGauge, {concat({label("a-b", "1"), label("\xc3\xbc", "2"), gauge_metric(1)})});
  const auto parsed = parse_protobuf(body, bounds);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().describe();
  EXPECT_EQ(parsed->at(0).name, "my.metric");
  EXPECT_EQ(parsed->at(0).metrics.at(0).labels, (Labels{{"a-b", "1"}, {"\xc3\xbc", "2"}}));
}

TEST(ProtobufParser, RefusesEmptyAndInvalidUtf8NamesEvenWithUtf8Names) {
  ParseBounds bounds;
  bounds.names = NameValidation::utf8;
  const auto bad_label = parse_protobuf(family("g", kGauge, {concat({label("", "v"), gauge_metric(1)})}), bounds);
  ASSERT_FALSE(bad_label.has_value());
  EXPECT_EQ(bad_label.error().message, "invalid label name \"\" for metric \"g\"; label names are non-empty valid UTF-8");
  const auto bad_name = parse_protobuf(family("a\xff", kGauge, {gauge_metric(1)}), bounds);
  ASSERT_FALSE(bad_name.has_value());
  EXPECT_EQ(bad_name.error().rule, "protobuf-invalid-utf8");
}

TEST(ProtobufParser, RejectsTheNameLabelAsTheTextParserDoes) {
  const auto error = parse_error(family("g", kGauge, {concat({label("__name__", "other"), gauge_metric(1)})}));
  EXPECT_EQ(error.rule, "protobuf-label-reserved");
  EXPECT_EQ(error.message, "label name \"__name__\" of metric \"g\" is reserved; the metric name is the family's name");
}

TEST(ProtobufParser, LeavesOtherDoubleUnderscoreLabelsToTheStoreAsTheTextParserDoes) {
  const auto m = parse_ok(family("g", kGauge, {concat({label("__meta", "v"), gauge_metric(1)})})).at(0).metrics.at(0);
  EXPECT_EQ(m.labels, (Labels{{"__meta", "v"}}));
}

TEST(ProtobufParser, RejectsAnExemplarLabelNameOutsideTheGrammar) {
  const auto exemplar = concat({label("trace id", "abc"), double_field(2, 1)});
  const auto counter = concat({double_field(1, 1), bytes_field(2, exemplar)});
  const auto error = parse_error(family("c", kCounter, {bytes_field(3, counter)}));
  EXPECT_EQ(error.rule, "protobuf-label-name");
  EXPECT_EQ(error.message,
            "invalid exemplar label name \"trace id\" for metric \"c\"; label names match [a-zA-Z_][a-zA-Z0-9_]* (any "
            "UTF-8 with --push.enable-utf8-names)");
}

TEST(ProtobufParser, RejectsInvalidUtf8InHelp) {
  const auto error = parse_error(family("g", kGauge, {gauge_metric(1)}, "bad \xff help"));
  EXPECT_EQ(error.rule, "protobuf-invalid-utf8");
  EXPECT_EQ(error.message, "the HELP text is not valid UTF-8");
}

TEST(ProtobufParser, RejectsTwoBucketsWithTheSameUpperBound) {
  const auto bucket = [](double bound, std::uint64_t count) { return bytes_field(3, uint_field(1, count) + double_field(2, bound)); };
  const auto error = parse_error(family("h", kHistogram, {bytes_field(7, concat({uint_field(1, 3), bucket(1, 1), bucket(0.5, 1),
                                                                                  bucket(1, 2)}))}));
  EXPECT_EQ(error.rule, "protobuf-duplicate-bucket");
  EXPECT_EQ(error.message, "series 1 of histogram family \"h\" has two buckets for le=\"1\"; each bucket may appear once per series");
}

TEST(ProtobufParser, RejectsTwoQuantilesWithTheSameRank) {
  const auto quantile = [](double rank) { return bytes_field(3, double_field(1, rank) + double_field(2, 1)); };
  const auto error = parse_error(family("s", kSummary, {bytes_field(4, concat({quantile(0.5), quantile(0.5)}))}));
  EXPECT_EQ(error.rule, "protobuf-duplicate-quantile");
  EXPECT_EQ(error.message,
            "series 1 of summary family \"s\" has two quantiles for quantile=\"0.5\"; each quantile may appear once per series");
}

TEST(ProtobufParser, RejectsNegativeFloatCountsOfAClassicHistogramAsTheTextParserDoes) {
  const auto bucket = bytes_field(3, double_field(4, -1.75) + double_field(2, 1));
  const auto error = parse_error(family("h", kHistogram, {bytes_field(7, concat({double_field(4, 2), bucket}))}));
  EXPECT_EQ(error.rule, "protobuf-negative-count");
  EXPECT_EQ(error.message,
            "series 1 of histogram family \"h\" has the negative count \"-1.75\"; bucket populations and counts "
            "cannot be negative");
  EXPECT_EQ(parse_error(family("h", kGaugeHistogram, {bytes_field(7, double_field(4, -2))})).rule,
            "protobuf-negative-count");
}

TEST(ProtobufParser, AcceptsUnsortedAndNanBounds) {
  const auto bucket = [](double bound) { return bytes_field(3, uint_field(1, 1) + double_field(2, bound)); };
  const auto histogram = concat({uint_field(1, 1), bucket(2), bucket(kNan), bucket(1), bucket(kNan)});
  EXPECT_EQ(parse_ok(family("h", kHistogram, {bytes_field(7, histogram)})).at(0).metrics.at(0).buckets.size(), 4U);
}

// ---------------------------------------------------------------------------
// Native histograms: what Prometheus stores, and nothing whose size the
// bytes sent do not pay for.

std::string span(std::int32_t offset, std::uint32_t length) { return sint_field(1, offset) + uint_field(2, length); }

// A histogram family "h" with one series made of `fields` (Histogram message fields).
std::string native(std::initializer_list<std::string> fields) {
  return family("h", kHistogram, {bytes_field(7, concat(fields))});
}

std::string positive_span(std::int32_t offset, std::uint32_t length) { return bytes_field(12, span(offset, length)); }
std::string positive_delta(std::int64_t delta) { return sint_field(13, delta); }

TEST(ProtobufParser, AcceptsANativeHistogramAsClientGolangWritesIt) {
  // 5 observations: 1 in the zero bucket, 3 in positive buckets 1..2, 1 in negative bucket 0.
  const auto m = parse_ok(native({uint_field(1, 5), double_field(2, 4.5), sint_field(5, 3), double_field(6, 1e-128),
                                  uint_field(7, 1), positive_span(1, 2), positive_delta(2), positive_delta(-1),
                                  bytes_field(9, span(0, 1)), sint_field(10, 1)}))
                     .at(0)
                     .metrics.at(0);
  ASSERT_TRUE(m.native);
  EXPECT_EQ(m.native->positive_deltas, (std::vector<std::int64_t>{2, -1}));
}

TEST(ProtobufParser, AcceptsTheNoOpSpanOfAnEmptyNativeHistogram) {
  EXPECT_EQ(parse_ok(native({uint_field(1, 0), sint_field(5, 0), positive_span(0, 0)})).size(), 1U);
}

TEST(ProtobufParser, RejectsFiftySpansOfFourBillionBucketsAtOnce) {
  // The finding: ~500 bytes that made every JSON API read walk 2^32 buckets.
  std::vector<std::string> fields = {uint_field(1, 1), sint_field(5, 0)};
  for (int i = 0; i < 50; ++i) fields.push_back(positive_span(0, 0xFFFFFFFFu));
  fields.push_back(positive_delta(1));
  std::string histogram;
  for (const auto& f : fields) histogram += f;
  const auto error = parse_error(family("h", kHistogram, {bytes_field(7, histogram)}));
  EXPECT_EQ(error.rule, "protobuf-native-bucket-index");
  EXPECT_EQ(error.message,
            "series 1 of histogram family \"h\": span 1 of the positive side covers bucket indices 0 to 4294967294; "
            "at schema 0 a float64 observation lies between -1076 and 1026");
}

TEST(ProtobufParser, RejectsSpanLengthsThatDoNotMatchTheDeltas) {
  const auto error = parse_error(native({uint_field(1, 1), sint_field(5, 0), positive_span(0, 3), positive_delta(1)}));
  EXPECT_EQ(error.rule, "protobuf-native-span-length");
  EXPECT_EQ(error.message,
            "series 1 of histogram family \"h\": the spans of the positive side cover 3 buckets but 1 deltas were "
            "sent; the span lengths must add up to the number of buckets");
}

TEST(ProtobufParser, RejectsSpanLengthsThatDoNotMatchTheFloatCounts) {
  const auto error = parse_error(native({double_field(4, 1), sint_field(5, 0), bytes_field(9, span(0, 2)),
                                         double_field(11, 1)}));
  EXPECT_EQ(error.rule, "protobuf-native-span-length");
  EXPECT_NE(error.message.find("the spans of the negative side cover 2 buckets but 1 counts"), std::string::npos);
}

TEST(ProtobufParser, AcceptsSchemasMinus4To8Only) {
  for (const std::int32_t schema : {-4, 0, 8}) {
    EXPECT_EQ(parse_ok(native({uint_field(1, 0), sint_field(5, schema), positive_span(0, 0)})).size(), 1U) << schema;
  }
  for (const std::int32_t schema : {-5, 9, -53, 2147483647}) {
    const auto error = parse_error(native({uint_field(1, 0), sint_field(5, schema), positive_span(0, 0)}));
    EXPECT_EQ(error.rule, "protobuf-native-schema") << schema;
    EXPECT_NE(error.message.find("Prometheus accepts -4 to 8"), std::string::npos) << error.message;
  }
}

TEST(ProtobufParser, RejectsANegativeOrNonFiniteZeroThreshold) {
  for (const double threshold : {-1.0, kNan, kInf}) {
    const auto error = parse_error(native({uint_field(1, 0), double_field(6, threshold), positive_span(0, 0)}));
    EXPECT_EQ(error.rule, "protobuf-native-zero-threshold") << threshold;
  }
}

TEST(ProtobufParser, RejectsANegativeOffsetAfterTheFirstSpan) {
  const auto error = parse_error(native({uint_field(1, 2), positive_span(-3, 1), positive_span(-1, 1), positive_delta(1),
                                         positive_delta(0)}));
  EXPECT_EQ(error.rule, "protobuf-native-span-offset");
  EXPECT_NE(error.message.find("span 2 of the positive side has the offset -1"), std::string::npos) << error.message;
}

TEST(ProtobufParser, AcceptsBucketsUpToThoseOfInfinity) {
  // Schema 0: MaxFloat64 is in bucket 1024, client_golang puts +Inf in 1025.
  EXPECT_EQ(parse_ok(native({uint_field(1, 1), positive_span(1026, 1), positive_delta(1)})).size(), 1U);
  EXPECT_EQ(parse_error(native({uint_field(1, 1), positive_span(1027, 1), positive_delta(1)})).rule,
            "protobuf-native-bucket-index");
  EXPECT_EQ(parse_error(native({uint_field(1, 1), sint_field(5, -4), positive_span(-70, 1), positive_delta(1)})).rule,
            "protobuf-native-bucket-index");
}

TEST(ProtobufParser, RejectsSpanOffsetsThatAddUpPastTheIndexRange) {
  std::vector<std::string> fields = {uint_field(1, 1), positive_span(0, 0)};
  for (int i = 0; i < 3; ++i) fields.push_back(positive_span(2147483647, 0));
  fields.push_back(positive_span(0, 1));
  fields.push_back(positive_delta(1));
  std::string histogram;
  for (const auto& f : fields) histogram += f;
  EXPECT_EQ(parse_error(family("h", kHistogram, {bytes_field(7, histogram)})).rule, "protobuf-native-bucket-index");
}

TEST(ProtobufParser, RejectsADeltaThatTakesABucketBelowZero) {
  const auto error = parse_error(native({uint_field(1, 1), positive_span(0, 2), positive_delta(1), positive_delta(-2)}));
  EXPECT_EQ(error.rule, "protobuf-native-bucket-count");
  EXPECT_EQ(error.message,
            "series 1 of histogram family \"h\": bucket 2 of the positive side has the delta -2, which takes its "
            "count below 0 or past 2^63; counts are >= 0");
}

TEST(ProtobufParser, RejectsDeltasThatOverflow) {
  const auto error = parse_error(native({uint_field(1, 1), positive_span(0, 2), positive_delta(INT64_MAX),
                                         positive_delta(INT64_MAX)}));
  EXPECT_EQ(error.rule, "protobuf-native-bucket-count");
}

TEST(ProtobufParser, RejectsNegativeOrNonFiniteFloatCounts) {
  for (const double count : {-0.5, kNan, kInf}) {
    const auto positive = parse_error(native({double_field(4, 1), positive_span(0, 1), double_field(14, count)}));
    EXPECT_EQ(positive.rule, "protobuf-native-bucket-count") << count;
    const auto zero = parse_error(native({double_field(4, 1), double_field(8, count), positive_span(0, 0)}));
    EXPECT_EQ(zero.rule, "protobuf-native-bucket-count") << count;
  }
}

TEST(ProtobufParser, RejectsACountOtherThanTheObservationsInTheBuckets) {
  const auto error = parse_error(native({uint_field(1, 7), uint_field(7, 1), positive_span(0, 1), positive_delta(2)}));
  EXPECT_EQ(error.rule, "protobuf-native-count");
  EXPECT_EQ(error.message,
            "series 1 of histogram family \"h\": the zero bucket and the buckets hold 3 observations but the count "
            "is 7; the count must equal the observations in the buckets");
}

TEST(ProtobufParser, AllowsUnbucketedObservationsOnlyWithANanSum) {
  // NaN observations count but fall in no bucket, and make the sum NaN.
  EXPECT_EQ(parse_ok(native({uint_field(1, 7), double_field(2, NAN), positive_span(0, 1), positive_delta(2)})).size(),
            1U);
  EXPECT_EQ(parse_error(native({uint_field(1, 1), double_field(2, NAN), positive_span(0, 1), positive_delta(2)})).rule,
            "protobuf-native-count");
}

TEST(ProtobufParser, LeavesTheCountOfFloatHistogramsAloneAsPrometheusDoes) {
  EXPECT_EQ(parse_ok(native({double_field(4, 2.5), positive_span(0, 1), double_field(14, 1.25)})).size(), 1U);
}

TEST(ProtobufParser, IgnoresNativeFieldsOfAHistogramPrometheusReadsAsClassic) {
  // No span, no zero threshold, no zero count: Prometheus ignores the rest.
  const auto m = parse_ok(native({uint_field(1, 3), sint_field(5, 40), positive_delta(5)})).at(0).metrics.at(0);
  ASSERT_TRUE(m.native);
  EXPECT_EQ(m.native->schema, 40);
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


TEST(ProtobufParser, StopsAtTheFirstLabelPastTheBound) {
  std::string metric;
  for (int i = 0; i < 1000; ++i) metric += label("l" + std::to_string(i), "v");
  metric += gauge_metric(1);
  const auto refused = parse_protobuf(family("wide", kGauge, {metric}), ParseBounds{0, 64});
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().rule, "protobuf-" + std::string(kTooManyLabelsRule));
  EXPECT_NE(refused.error().message.find("\"wide\" has more than 64 labels"), std::string::npos)
      << refused.error().message;
}

TEST(ProtobufParser, StopsAtTheFirstSeriesPastTheBoundCountingReplacedFamilies) {
  const std::string one = family("g", kGauge, {gauge_metric(1)});
  EXPECT_TRUE(parse_protobuf(one + one, ParseBounds{2, 0}).has_value());
  const auto refused = parse_protobuf(one + one + one, ParseBounds{2, 0});
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().rule, "protobuf-" + std::string(kTooManySeriesRule));
  EXPECT_EQ(refused.error().line, 3u) << "the third family";
}

}  // namespace
}  // namespace flowgate::exposition
