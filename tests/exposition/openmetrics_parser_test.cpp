// The OpenMetrics 1.0 parser: a table with, for every rule, a body that keeps
// it (checked by what the OpenMetrics writer makes of the parsed families)
// and a body that breaks it (checked by rule, line, column and sentence);
// then the model it builds, its bounds, content types, exact seconds, and
// round trips through the OpenMetrics writer.

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <string_view>

#include "exposition/number_format.hpp"
#include "exposition/openmetrics_parser.hpp"
#include "exposition/writer.hpp"
#include "tests/exposition/parser_case.hpp"
#include "tests/support/family_generator.hpp"

namespace flowgate::exposition {
namespace {

using testing_cases::accept;
using testing_cases::Case;
using testing_cases::case_name;
using testing_cases::reject;

class OpenMetricsParserCase : public testing::TestWithParam<Case> {};

TEST_P(OpenMetricsParserCase, FollowsTheSpecification) {
  testing_cases::expect_verdict(parse_openmetrics(GetParam().input), GetParam(), Format::openmetrics);
}

const Case kCases[] = {
    // # EOF, lines and comments.
    accept("EofAloneIsAnEmptyBody", "# EOF\n", "# EOF\n"),
    accept("EofWithoutFinalNewline", "a 1\n# EOF", "# TYPE a unknown\na 1.0\n# EOF\n"),
    reject("NothingAfterEof", "# EOF\na 1\n", "after-eof", 2, 1, "must be the last line"),
    reject("NoBlankLineAfterEof", "a 1\n# EOF\n\n", "after-eof", 3, 1, "must be the last line"),
    reject("EofMissing", "a 1\n", "eof-missing", 2, 1, "does not end with \"# EOF\""),
    reject("EmptyBodyHasNoEof", "", "eof-missing", 1, 1, "does not end with \"# EOF\""),
    reject("EofWithTrailingBlankIsNoEof", "a 1\n# EOF \n", "comment", 2, 1, "OpenMetrics has no comments"),
    reject("BlankLine", "a 1\n\n# EOF\n", "blank-line", 2, 1, "no blank lines"),
    reject("CommentLine", "# just words\n# EOF\n", "comment", 1, 1, "OpenMetrics has no comments"),
    reject("KeywordWithoutBlankAfterHash", "#HELP a x\n# EOF\n", "comment", 1, 1, "no comments"),
    // Metadata.
    accept("HelpTypeUnit",
           "# HELP g_seconds Time \\\"spent\\\".\\n\n# TYPE g_seconds gauge\n# UNIT g_seconds seconds\n"
           "g_seconds{a=\"x\"} 1.5\n# EOF\n",
           "# HELP g_seconds Time \\\"spent\\\".\\n\n# TYPE g_seconds gauge\n# UNIT g_seconds seconds\n"
           "g_seconds{a=\"x\"} 1.5\n# EOF\n"),
    accept("EmptyHelpAndUnit", "# HELP a \n# UNIT a \na 1\n# EOF\n", "# TYPE a unknown\na 1.0\n# EOF\n"),
    accept("MetadataOnlyFamilyDropped", "# TYPE a gauge\n# TYPE b gauge\nb 1\n# EOF\n",
           "# TYPE b gauge\nb 1.0\n# EOF\n"),
    reject("MetadataNameInvalid", "# TYPE 1a gauge\n# EOF\n", "comment-metric-name", 1, 8, "invalid metric \"1a\""),
    reject("MetadataWithoutText", "# HELP a\n# EOF\n", "metadata-format", 1, 9, "ends after the name"),
    reject("MetadataAfterSamples", "# TYPE a gauge\na 1\n# HELP a late\n# EOF\n", "metadata-after-samples", 3, 1,
           "comes after its samples"),
    reject("HelpTwice", "# HELP a x\n# HELP a y\n# EOF\n", "help-twice", 2, 10, "second HELP"),
    reject("HelpNotUtf8", "# HELP a \xff\n# EOF\n", "help-utf8", 1, 10, "not valid UTF-8"),
    reject("HelpBadEscape", "# HELP a x\\ty\n# EOF\n", "help-escape", 1, 11, "escape sequence \"\\\\t\""),
    reject("TypeTwice", "# TYPE a gauge\n# TYPE a gauge\n# EOF\n", "type-twice", 2, 10, "second TYPE"),
    reject("UntypedIsNoOpenMetricsType", "# TYPE a untyped\n# EOF\n", "type-unknown", 1, 10, "unknown metric type"),
    reject("TypeWordsAreLowerCase", "# TYPE a Counter\n# EOF\n", "type-unknown", 1, 10, "\"Counter\""),
    reject("UnitTwice", "# UNIT a_s s\n# UNIT a_s s\n# EOF\n", "unit-twice", 2, 12, "second UNIT"),
    reject("UnitNotAName", "# UNIT a_s s-x\n# EOF\n", "unit-name", 1, 13, "is not a name"),
    reject("UnitNotTheNameSuffix", "# UNIT a_seconds ms\n# EOF\n", "unit-suffix", 1, 18, "not its name's suffix"),
    reject("UnitOnInfo", "# TYPE a_x info\n# UNIT a_x x\n# EOF\n", "unit-type", 2, 1, "have no unit"),
    reject("InfoTypeAfterUnit", "# UNIT a_x x\n# TYPE a_x stateset\n# EOF\n", "unit-type", 2, 1, "have no unit"),
    // Families together.
    accept("SampleOfAnotherNameStartsAFamily", "# TYPE g gauge\ng 1\ng_total 2\n# EOF\n",
           "# TYPE g gauge\ng 1.0\n# TYPE g_total unknown\ng_total 2.0\n# EOF\n"),
    reject("FamilySamplesSplit", "a 1\nb 1\na{x=\"1\"} 2\n# EOF\n", "family-interleaved", 3, 1,
           "are split by another family's"),
    reject("FamilyMetadataAfterAnotherFamily", "# TYPE a gauge\na 1\nb 1\n# HELP a x\n# EOF\n", "family-interleaved",
           4, 8, "must come together"),
    reject("CounterSampleWithoutSuffix", "# TYPE c counter\nc 1\n# EOF\n", "sample-name", 2, 1,
           "are named c_total, c_created"),
    reject("TwoFamiliesOneSampleName", "# TYPE a counter\na_total 1\n# TYPE a_total gauge\na_total 2\n# EOF\n",
           "name-clash", 4, 1, "as another family's"),
    // Names and labels.
    accept("LabelEscapesAndUtf8", "a{x=\"q\\\"b\\\\n\\n\xC3\xBC\"} 1\n# EOF\n",
           "# TYPE a unknown\na{x=\"q\\\"b\\\\n\\n\xC3\xBC\"} 1.0\n# EOF\n"),
    accept("EmptyBracesAndEmptyValue", "a{} 1\nb{x=\"\"} 2\n# EOF\n",
           "# TYPE a unknown\na 1.0\n# TYPE b unknown\nb{x=\"\"} 2.0\n# EOF\n"),
    reject("MetricNameMissing", "{a=\"1\"} 1\n# EOF\n", "metric-name", 1, 1, "expected a metric name"),
    reject("LeadingBlank", " a 1\n# EOF\n", "metric-name", 1, 1, "expected a metric name"),
    reject("LabelNameInvalid", "a{1x=\"1\"} 1\n# EOF\n", "label-name", 1, 3, "invalid label name"),
    reject("TrailingCommaInLabels", "a{x=\"1\",} 1\n# EOF\n", "label-name", 1, 9, "end in ','"),
    reject("BlankInLabels", "a{x=\"1\", y=\"2\"} 1\n# EOF\n", "label-name", 1, 9, "invalid label name"),
    reject("LabelWithoutEquals", "a{x \"1\"} 1\n# EOF\n", "label-equals", 1, 4, "expected '='"),
    reject("NameLabelReserved", "a{__name__=\"b\"} 1\n# EOF\n", "label-reserved", 1, 3, "reserved"),
    reject("LabelValueUnquoted", "a{x=1} 1\n# EOF\n", "label-value-quote", 1, 5, "must start with '\"'"),
    reject("LabelValueBadEscape", "a{x=\"\\t\"} 1\n# EOF\n", "label-value-escape", 1, 6, "invalid escape sequence"),
    reject("LabelValueNotClosed", "a{x=\"1} 1\n# EOF\n", "label-value-newline", 1, 5, "not closed"),
    reject("LabelValueNotUtf8", "a{x=\"\xff\"} 1\n# EOF\n", "label-value-utf8", 1, 6, "not valid UTF-8"),
    reject("LabelsNotSeparated", "a{x=\"1\"y=\"2\"} 1\n# EOF\n", "label-value-end", 1, 8, "expected ',' or '}'"),
    reject("LabelTwice", "a{x=\"1\",x=\"2\"} 1\n# EOF\n", "duplicate-label", 1, 9, "twice"),
    // Values and timestamps.
    accept("SpecialValues", "a NaN\nb +Inf\nc -Inf\nd 1e3\n# EOF\n",
           "# TYPE a unknown\na NaN\n# TYPE b unknown\nb +Inf\n# TYPE c unknown\nc -Inf\n# TYPE d unknown\nd 1000.0\n"
           "# EOF\n"),
    accept("TimestampInSeconds", "g 1 1700000000.123\n# EOF\n", "# TYPE g unknown\ng 1.0 1700000000.123\n# EOF\n"),
    reject("TwoBlanksBeforeValue", "a  1\n# EOF\n", "sample-value", 1, 3, "expected a number"),
    reject("ValueNotANumber", "a x\n# EOF\n", "sample-value", 1, 3, "expected a number"),
    reject("ValueMissing", "a\n# EOF\n", "sample-value", 1, 2, "expected one blank and the value"),
    reject("TimestampNotANumber", "a 1 x\n# EOF\n", "timestamp", 1, 5, "timestamp in seconds"),
    reject("TimestampNaN", "a 1 NaN\n# EOF\n", "timestamp", 1, 5, "timestamp in seconds"),
    reject("TrailingBlank", "a 1 \n# EOF\n", "timestamp", 1, 5, "timestamp in seconds"),
    reject("AfterTimestamp", "a 1 2 3\n# EOF\n", "after-timestamp", 1, 6, "ends with its timestamp or an exemplar"),
    // Counters.
    accept("CounterWithCreatedAndExemplar",
           "# TYPE c counter\nc_total 3 # {trace_id=\"t1\"} 0.5 1700000000.25\nc_created 1700000000.5\n# EOF\n",
           "# TYPE c counter\nc_total 3.0 # {trace_id=\"t1\"} 0.5 1700000000.25\nc_created 1700000000.5\n# EOF\n"),
    accept("CounterSeries", "# TYPE c counter\nc_total{a=\"1\"} 1\nc_created{a=\"1\"} 2\nc_total{a=\"2\"} 0\n# EOF\n",
           "# TYPE c counter\nc_total{a=\"1\"} 1.0\nc_created{a=\"1\"} 2\nc_total{a=\"2\"} 0.0\n# EOF\n"),
    reject("CounterNegative", "# TYPE c counter\nc_total -1\n# EOF\n", "counter-value", 2, 1, "non-negative"),
    reject("CounterNaN", "# TYPE c counter\nc_total NaN\n# EOF\n", "counter-value", 2, 1, "not NaN"),
    reject("CreatedNaN", "# TYPE c counter\nc_total 1\nc_created NaN\n# EOF\n", "created-value", 3, 1,
           "time in seconds"),
    reject("CounterWithoutTotal", "# TYPE c counter\nc_created 1\n# EOF\n", "counter-total", 2, 1, "no _total line"),
    // Exemplars.
    reject("ExemplarOnGauge", "# TYPE g gauge\ng 1 # {a=\"b\"} 1\n# EOF\n", "exemplar-placement", 2, 5,
           "only counter _total and histogram _bucket"),
    reject("ExemplarOnCreated", "# TYPE c counter\nc_total 1\nc_created 1 # {a=\"b\"} 1\n# EOF\n",
           "exemplar-placement", 3, 13, "only counter _total"),
    reject("ExemplarWithoutLabels", "# TYPE c counter\nc_total 1 # x 1\n# EOF\n", "exemplar-syntax", 2, 13,
           "must start with its labels"),
    reject("ExemplarValueMissing", "# TYPE c counter\nc_total 1 # {a=\"b\"}\n# EOF\n", "exemplar-value", 2, 0,
           "a number as the value of the exemplar"),
    reject("ExemplarTimestampBad", "# TYPE c counter\nc_total 1 # {a=\"b\"} 1 x\n# EOF\n", "exemplar-timestamp", 2,
           23, "timestamp in seconds"),
    reject("ExemplarLabelDuplicate", "# TYPE c counter\nc_total 1 # {a=\"b\",a=\"c\"} 1\n# EOF\n", "duplicate-label",
           2, 20, "the exemplar of metric \"c_total\""),
    // Histograms.
    accept("Histogram",
           "# TYPE h histogram\nh_bucket{le=\"0.5\"} 1 # {id=\"a\"} 0.25\nh_bucket{le=\"+Inf\"} 3\nh_count 3\nh_sum 2.5\n"
           "h_created 10\n# EOF\n",
           "# TYPE h histogram\nh_bucket{le=\"0.5\"} 1 # {id=\"a\"} 0.25\nh_bucket{le=\"+Inf\"} 3\nh_count 3\nh_sum 2.5\n"
           "h_created 10\n# EOF\n"),
    accept("HistogramWithoutCountAndSum", "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\n# EOF\n",
           "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_count 2\nh_sum 0.0\n# EOF\n"),
    accept("GaugeHistogram",
           "# TYPE g gaugehistogram\ng_bucket{le=\"-1\"} 1\ng_bucket{le=\"+Inf\"} 2\ng_gcount 2\ng_gsum -3\n# EOF\n",
           "# TYPE g gaugehistogram\ng_bucket{le=\"-1.0\"} 1\ng_bucket{le=\"+Inf\"} 2\ng_gcount 2\ng_gsum -3.0\n# EOF\n"),
    reject("BucketWithoutLe", "# TYPE h histogram\nh_bucket{x=\"1\"} 1\n# EOF\n", "le-label", 2, 0, "has no le label"),
    reject("LeOnCount", "# TYPE h histogram\nh_count{le=\"1\"} 1\n# EOF\n", "le-label", 2, 9, "only the _bucket lines"),
    reject("LeNotANumber", "# TYPE h histogram\nh_bucket{le=\"x\"} 1\n# EOF\n", "le-value", 2, 10, "must be a number"),
    reject("LeNaN", "# TYPE h histogram\nh_bucket{le=\"NaN\"} 1\n# EOF\n", "le-value", 2, 10, "must be a number"),
    reject("BucketNotInteger", "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1.5\n# EOF\n", "bucket-value", 2, 1,
           "non-negative integers"),
    reject("CountNegative", "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count -1\n# EOF\n", "count-value", 3, 1,
           "non-negative integers"),
    reject("SumNegative", "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum -1\n# EOF\n", "sum-value", 3, 1,
           "non-negative number"),
    reject("GaugeHistogramSumNaN", "# TYPE g gaugehistogram\ng_bucket{le=\"+Inf\"} 1\ng_gsum NaN\n# EOF\n",
           "sum-value", 3, 1, "not NaN"),
    reject("BucketsDescending", "# TYPE h histogram\nh_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\n# EOF\n",
           "bucket-order", 3, 1, "ascending order"),
    reject("BucketsNotCumulative", "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\n# EOF\n",
           "bucket-cumulative", 3, 1, "cumulative"),
    reject("InfBucketMissing", "# TYPE h histogram\nh_bucket{le=\"1\"} 1\n# EOF\n", "histogram-inf-bucket", 2, 1,
           "no le=\"+Inf\" bucket"),
    reject("CountWithoutSum", "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n# EOF\n",
           "histogram-count-sum", 2, 1, "has a count but no sum"),
    reject("CountNotInfBucket", "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count 2\nh_sum 1\n# EOF\n",
           "histogram-count", 2, 1, "must be equal"),
    // Summaries.
    accept("Summary",
           "# TYPE s summary\ns{quantile=\"0.9\"} 2\ns{quantile=\"0.5\"} 1\ns_sum 3\ns_count 4\ns_created 5\n# EOF\n",
           "# TYPE s summary\ns{quantile=\"0.5\"} 1.0\ns{quantile=\"0.9\"} 2.0\ns_sum 3.0\ns_count 4\ns_created 5\n"
           "# EOF\n"),
    reject("QuantileLineWithoutQuantile", "# TYPE s summary\ns 1\n# EOF\n", "quantile-label", 2, 0,
           "has no quantile label"),
    reject("QuantileOnSum", "# TYPE s summary\ns_sum{quantile=\"0.5\"} 1\n# EOF\n", "quantile-label", 2, 7,
           "only the quantile lines"),
    reject("QuantileAboveOne", "# TYPE s summary\ns{quantile=\"1.5\"} 1\n# EOF\n", "quantile-value", 2, 3,
           "from 0 to 1"),
    // Info and stateset.
    accept("Info", "# TYPE build info\nbuild_info{version=\"1.2\"} 1\n# EOF\n",
           "# TYPE build info\nbuild_info{version=\"1.2\"} 1.0\n# EOF\n"),
    accept("Stateset", "# TYPE st stateset\nst{st=\"a\"} 1\nst{st=\"b\"} 0\n# EOF\n",
           "# TYPE st stateset\nst{st=\"a\"} 1.0\nst{st=\"b\"} 0.0\n# EOF\n"),
    reject("InfoValueNotOne", "# TYPE build info\nbuild_info 2\n# EOF\n", "info-value", 2, 1, "always 1"),
    reject("InfoSampleWithoutSuffix", "# TYPE build info\nbuild 1\n# EOF\n", "sample-name", 2, 1,
           "are named build_info"),
    reject("StatesetWithoutItsLabel", "# TYPE st stateset\nst{x=\"a\"} 1\n# EOF\n", "stateset-label", 2, 1,
           "has no label \"st\""),
    reject("StatesetValueNotZeroOrOne", "# TYPE st stateset\nst{st=\"a\"} 2\n# EOF\n", "stateset-value", 2, 1,
           "1 (set) or 0"),
    // Series.
    accept("SeriesMatchedWhateverTheLabelOrder",
           "# TYPE c counter\nc_total{a=\"1\",b=\"2\"} 1\nc_created{b=\"2\",a=\"1\"} 2\n# EOF\n",
           "# TYPE c counter\nc_total{a=\"1\",b=\"2\"} 1.0\nc_created{a=\"1\",b=\"2\"} 2\n# EOF\n"),
    reject("SeriesRepeated", "a 1\na 2\n# EOF\n", "duplicate-series", 2, 1, "second value line"),
    reject("BucketRepeated", "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"1\"} 1\n# EOF\n",
           "duplicate-series", 3, 1, "second bucket le=\"1\""),
    reject("QuantileRepeated", "# TYPE s summary\ns{quantile=\"0.5\"} 1\ns{quantile=\"0.5\"} 1\n# EOF\n",
           "duplicate-series", 3, 1, "second quantile=\"0.5\""),
    reject("CreatedRepeated", "# TYPE c counter\nc_total 1\nc_created 1\nc_created 1\n# EOF\n", "duplicate-series", 4,
           1, "second _created"),
    reject("SeriesSplit", "# TYPE c counter\nc_total{a=\"1\"} 1\nc_total{a=\"2\"} 1\nc_created{a=\"1\"} 1\n# EOF\n",
           "series-interleaved", 4, 1, "split by another series' lines"),
    reject("SeriesTimestampsDiffer", "# TYPE c counter\nc_total 1 10\nc_created 5 11\n# EOF\n", "series-timestamp", 3,
           1, "different timestamps"),
};

INSTANTIATE_TEST_SUITE_P(Table, OpenMetricsParserCase, testing::ValuesIn(kCases), case_name);

std::string counter_with_exemplar_value(const std::string& value) {
  return "# TYPE c counter\nc_total 1 # {id=\"" + value + "\"} 1\n# EOF\n";
}

TEST(OpenMetricsParser, ExemplarLabelsUpTo128CharactersAccepted) {
  // "id" and 126 bytes: 128 characters.
  ASSERT_TRUE(parse_openmetrics(counter_with_exemplar_value(std::string(126, 'x'))).has_value());
  // 63 two-byte characters and "id": 65 characters, 128 bytes.
  std::string umlauts;
  for (int i = 0; i < 63; ++i) umlauts += "\xC3\xBC";
  const auto parsed = parse_openmetrics(counter_with_exemplar_value(umlauts));
  ASSERT_TRUE(parsed.has_value()) << parsed.error().describe();
  EXPECT_EQ(parsed->front().metrics.front().exemplars.front().labels.front().value, umlauts);
}

TEST(OpenMetricsParser, RefusesExemplarLabelsOver128Characters) {
  const auto parsed = parse_openmetrics(counter_with_exemplar_value(std::string(127, 'x')));
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().rule, "exemplar-labels-length");
  EXPECT_EQ(parsed.error().line, 2u);
  EXPECT_NE(parsed.error().message.find("129 characters"), std::string::npos) << parsed.error().message;
  // Many short labels stop the reading before the line's end.
  std::string many = "# TYPE c counter\nc_total 1 # {";
  for (int i = 0; i < 1000; ++i) many += "l" + std::to_string(i) + "=\"\",";
  many += "z=\"\"} 1\n# EOF\n";
  const auto refused = parse_openmetrics(many);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().rule, "exemplar-labels-length");
}

TEST(OpenMetricsParser, ReadsPythonClientBody) {
  // prometheus_client 0.16's openmetrics.exposition.generate_latest, verbatim.
  const auto parsed = parse_openmetrics(
      "# HELP jobs Jobs done.\n# TYPE jobs counter\n"
      "jobs_total{queue=\"a\"} 3.0 # {trace_id=\"abc123\"} 3.0 1796532060.1906815\n"
      "jobs_created{queue=\"a\"} 1.7965320601906745e+09\n"
      "# HELP latency_seconds Latency.\n# TYPE latency_seconds histogram\n"
      "latency_seconds_bucket{le=\"0.1\"} 1.0 # {trace_id=\"def\"} 0.05 1796532060.1907203\n"
      "latency_seconds_bucket{le=\"1.0\"} 1.0\nlatency_seconds_bucket{le=\"+Inf\"} 2.0\n"
      "latency_seconds_count 2.0\nlatency_seconds_sum 2.05\nlatency_seconds_created 1.7965320601906958e+09\n"
      "# HELP temp_celsius Temp.\n# TYPE temp_celsius gauge\n# UNIT temp_celsius celsius\ntemp_celsius -1.5\n"
      "# HELP build Build.\n# TYPE build info\nbuild_info{version=\"1.2\"} 1.0\n"
      "# HELP state State.\n# TYPE state stateset\nstate{state=\"a\"} 0.0\nstate{state=\"b\"} 1.0\n"
      "# HELP sz Size.\n# TYPE sz summary\nsz_count 1.0\nsz_sum 4.0\nsz_created 1.7965320601907682e+09\n# EOF\n");
  ASSERT_TRUE(parsed.has_value()) << parsed.error().describe();
  ASSERT_EQ(parsed->size(), 6u);
  const Family& jobs = (*parsed)[0];
  EXPECT_EQ(jobs.name, "jobs_total");
  EXPECT_EQ(jobs.type, MetricType::counter);
  EXPECT_EQ(jobs.help, "Jobs done.");
  const Metric& job = jobs.metrics.front();
  EXPECT_EQ(job.labels, (Labels{{"queue", "a"}}));
  EXPECT_EQ(job.value, 3);
  ASSERT_EQ(job.exemplars.size(), 1u);
  EXPECT_EQ(job.exemplars.front().labels, (Labels{{"trace_id", "abc123"}}));
  EXPECT_EQ(job.exemplars.front().timestamp, (Timestamp{1796532060, 190681500}));
  EXPECT_EQ(job.created, (Timestamp{1796532060, 190674500}));
  const Metric& latency = (*parsed)[1].metrics.front();
  ASSERT_EQ(latency.buckets.size(), 3u);
  ASSERT_TRUE(latency.buckets[0].exemplar.has_value());
  EXPECT_EQ(latency.buckets[0].exemplar->value, 0.05);
  EXPECT_EQ(latency.sample_count, 2);
  EXPECT_EQ((*parsed)[2].unit, "celsius");
  EXPECT_EQ((*parsed)[3].name, "build_info");
  EXPECT_EQ((*parsed)[3].type, MetricType::info);
  EXPECT_EQ((*parsed)[4].type, MetricType::stateset);
  EXPECT_EQ((*parsed)[4].metrics[1].labels, (Labels{{"state", "b"}}));
  EXPECT_EQ((*parsed)[5].metrics.front().sample_sum, 4);
}

TEST(OpenMetricsParser, InfoAndStatesetAreGaugesInTextAndProtobuf) {
  const auto parsed = parse_openmetrics(
      "# TYPE build info\nbuild_info{v=\"1\"} 1\n# TYPE st stateset\nst{st=\"a\"} 1\n# EOF\n");
  ASSERT_TRUE(parsed.has_value()) << parsed.error().describe();
  EXPECT_EQ(write(Format::text, *parsed),
            "# TYPE build_info gauge\nbuild_info{v=\"1\"} 1\n# TYPE st gauge\nst{st=\"a\"} 1\n");
}

TEST(OpenMetricsParser, TimestampsBecomeMillisecondsTruncated) {
  const auto parsed = parse_openmetrics("a 1 1.0019\nb 1 -1.5\nc 1 1e3\n# EOF\n");
  ASSERT_TRUE(parsed.has_value()) << parsed.error().describe();
  EXPECT_EQ((*parsed)[0].metrics.front().timestamp_ms, 1001);
  EXPECT_EQ((*parsed)[1].metrics.front().timestamp_ms, -1500);
  EXPECT_EQ((*parsed)[2].metrics.front().timestamp_ms, 1'000'000);
}

TEST(OpenMetricsParser, StopsAtTheSeriesBound) {
  const auto parsed = parse_openmetrics("a 1\nb 1\nc 1\n# EOF\n", ParseBounds{2, 0});
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().rule, kTooManySeriesRule);
  EXPECT_EQ(parsed.error().line, 3u);
  // A histogram with its buckets is one series.
  EXPECT_TRUE(parse_openmetrics("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\n# EOF\n",
                                ParseBounds{1, 0})
                  .has_value());
}

TEST(OpenMetricsParser, StopsAtTheLabelBoundWithoutCountingLe) {
  const auto refused = parse_openmetrics("a{x=\"1\",y=\"2\",z=\"3\"} 1\n# EOF\n", ParseBounds{0, 2});
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().rule, kTooManyLabelsRule);
  EXPECT_EQ(refused.error().line, 1u);
  EXPECT_TRUE(parse_openmetrics("# TYPE h histogram\nh_bucket{x=\"1\",y=\"2\",le=\"+Inf\"} 1\n# EOF\n",
                                ParseBounds{0, 2})
                  .has_value());
}

TEST(OpenMetricsParser, ManyLabelsAreCheckedForRepeats) {
  std::string line = "a{";
  for (int i = 0; i < 40; ++i) line += "l" + std::to_string(i) + "=\"v\",";
  line += "l7=\"again\"} 1\n# EOF\n";
  const auto parsed = parse_openmetrics(line);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().rule, "duplicate-label");
}

TEST(OpenMetricsParser, RefusesATextBody) {
  const auto parsed = parse_openmetrics("# TYPE a counter\na 1\n");
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().rule, "sample-name");
}

TEST(OpenMetricsContentType, KnowsTheMediaTypeAndItsVersions) {
  EXPECT_EQ(classify_openmetrics("application/openmetrics-text"), OpenMetricsContentType::supported);
  EXPECT_EQ(classify_openmetrics("Application/OpenMetrics-Text; version=1.0.0; charset=utf-8"),
            OpenMetricsContentType::supported);
  EXPECT_EQ(classify_openmetrics("application/openmetrics-text;version=\"0.0.1\""), OpenMetricsContentType::supported);
  EXPECT_EQ(classify_openmetrics("application/openmetrics-text; version=2.0.0"),
            OpenMetricsContentType::unknown_version);
  EXPECT_EQ(classify_openmetrics("text/plain; version=0.0.4"), OpenMetricsContentType::other);
  EXPECT_EQ(classify_openmetrics(""), OpenMetricsContentType::other);
}

TEST(ParseSeconds, IsExactToTheNanosecond) {
  EXPECT_EQ(parse_seconds("1700000000.123456789"), (Timestamp{1700000000, 123456789}));
  EXPECT_EQ(parse_seconds("1.7000000001234567e+09"), (Timestamp{1700000000, 123456700}));
  EXPECT_EQ(parse_seconds("-1.5"), (Timestamp{-2, 500000000}));
  EXPECT_EQ(parse_seconds("-0"), (Timestamp{0, 0}));
  EXPECT_EQ(parse_seconds(".25"), (Timestamp{0, 250000000}));
  EXPECT_EQ(parse_seconds("5."), (Timestamp{5, 0}));
  EXPECT_EQ(parse_seconds("1e-10"), (Timestamp{0, 0}));
  EXPECT_EQ(parse_seconds("0.0000000019"), (Timestamp{0, 1}));
  EXPECT_EQ(parse_seconds("9223372036854775807"), (Timestamp{std::numeric_limits<std::int64_t>::max(), 0}));
  EXPECT_EQ(parse_seconds("9223372036854775808"), std::nullopt);
  EXPECT_EQ(parse_seconds("1e19"), std::nullopt);
  EXPECT_EQ(parse_seconds("0e999999999"), (Timestamp{0, 0}));
  for (const char* bad : {"", "NaN", "+Inf", "1e", ".", "1.2.3", "0x10", "1_000", " 1"}) {
    EXPECT_EQ(parse_seconds(bad), std::nullopt) << bad;
  }
}

// Written and parsed again, `parsed` reads back identically.
void expect_fixed_point(const Families& parsed, const std::string& what) {
  const auto again = parse_openmetrics(write(Format::openmetrics, parsed));
  ASSERT_TRUE(again.has_value()) << what << ": " << again.error().describe();
  EXPECT_TRUE(identical(*again, parsed)) << what;
}

// What the OpenMetrics writer writes of any OpenMetrics-valid families, the
// parser reads; parsing normalizes (-0 becomes 0, a counter's name gains
// _total), and from then on parse and write are a fixed point.
TEST(OpenMetricsParser, RoundTripsTheWritersOutput) {
  test_support::GeneratorOptions options;
  options.openmetrics_valid = true;
  options.exemplars = true;
  options.created = true;
  options.units = true;
  options.info_and_stateset = true;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    const std::string body = write(Format::openmetrics, test_support::generate_families(seed, 30, options));
    const auto parsed = parse_openmetrics(body);
    ASSERT_TRUE(parsed.has_value()) << "seed " << seed << ": " << parsed.error().describe() << "\n" << body;
    const auto normalized = parse_openmetrics(write(Format::openmetrics, *parsed));
    ASSERT_TRUE(normalized.has_value()) << normalized.error().describe();
    expect_fixed_point(*normalized, "seed " + std::to_string(seed));
  }
}

TEST(OpenMetricsParser, AcceptedTableBodiesWriteBackIdentically) {
  for (const Case& c : kCases) {
    if (c.written == nullptr) continue;
    const auto parsed = parse_openmetrics(c.input);
    ASSERT_TRUE(parsed.has_value()) << c.name;
    expect_fixed_point(*parsed, c.name);
  }
}

}  // namespace
}  // namespace flowgate::exposition
