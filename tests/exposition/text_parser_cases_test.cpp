// The text parser's accept/reject table: prometheus/common's rules, case by
// case. An accepted input is checked by what the text writer makes of the
// parsed families; a rejected one by its rule, position and sentence.

#include <gtest/gtest.h>

#include "exposition/text_parser.hpp"
#include "exposition/writer.hpp"
#include "tests/exposition/parser_case.hpp"

namespace flowgate::exposition {
namespace {

using testing_cases::accept;
using testing_cases::Case;
using testing_cases::case_name;
using testing_cases::reject;

class TextParserCase : public testing::TestWithParam<Case> {};

TEST_P(TextParserCase, MatchesPrometheusCommon) {
  testing_cases::expect_verdict(parse_text(GetParam().input), GetParam(), Format::text);
}

const Case kCases[] = {
    // Lines, blanks and comments.
    accept("EmptyBody", "", ""),
    accept("OnlyBlankLines", "\n  \n\t\n", ""),
    accept("TrailingBlanksWithoutNewlineAtEnd", "a 1\n   ", "# TYPE a untyped\na 1\n"),
    accept("LeadingBlanksOnALine", "   \ta 1\n", "# TYPE a untyped\na 1\n"),
    accept("OrdinaryCommentIgnored", "# just words\n#\na 1\n", "# TYPE a untyped\na 1\n"),
    accept("KeywordsAreCaseSensitive", "# help a x\n# type a gauge\na 1\n", "# TYPE a untyped\na 1\n"),
    accept("HelpWithNameOnlyIgnored", "# HELP a\n# TYPE a\na 1\n", "# TYPE a untyped\na 1\n"),
    accept("HashWithoutBlankBeforeKeyword", "#HELP c x\n#TYPE c gauge\nc 1\n", "# HELP c x\n# TYPE c gauge\nc 1\n"),
    accept("HelpEscapes", "# HELP a x\\\\y\\nz\na 1\n", "# HELP a x\\\\y\\nz\n# TYPE a untyped\na 1\n"),
    accept("HelpEscapedQuoteAccepted", "# HELP a say \\\"hi\\\"\na 1\n", "# HELP a say \"hi\"\n# TYPE a untyped\na 1\n"),
    accept("HelpKeepsTrailingBlanks", "# HELP a x  \na 1\n", "# HELP a x  \n# TYPE a untyped\na 1\n"),
    accept("HelpMayComeAfterSamples", "a 1\n# HELP a late\n", "# HELP a late\n# TYPE a untyped\na 1\n"),
    accept("BackslashesInTypeWordDropped", "# TYPE a coun\\ter\\\na 1\n", "# TYPE a counter\na 1\n"),
    accept("TypeIsCaseInsensitive", "# TYPE a COUNTER\na 1\n", "# TYPE a counter\na 1\n"),
    // Names and labels.
    accept("ColonsInMetricName", "a:b:c 1\n", "# TYPE a:b:c untyped\na:b:c 1\n"),
    accept("BlanksAndTrailingCommaInLabels", "a{ x = \"1\" , y=\"2\", } 1\n", "# TYPE a untyped\na{x=\"1\",y=\"2\"} 1\n"),
    accept("BlankBetweenNameAndBrace", "a {x=\"1\"} 1\n", "# TYPE a untyped\na{x=\"1\"} 1\n"),
    accept("EmptyBraces", "a{} 1\n", "# TYPE a untyped\na 1\n"),
    accept("LabelValueEscapes", "a{x=\"q\\\"b\\\\n\\n\"} 1\n", "# TYPE a untyped\na{x=\"q\\\"b\\\\n\\n\"} 1\n"),
    accept("Utf8LabelValue", "a{x=\"gr\xC3\xBC\xC3\x9F" "e \xF0\x9F\x9A\x80\"} 1\n",
           "# TYPE a untyped\na{x=\"gr\xC3\xBC\xC3\x9F" "e \xF0\x9F\x9A\x80\"} 1\n"),
    accept("EmptyLabelValueKept", "a{x=\"\"} 1\n", "# TYPE a untyped\na{x=\"\"} 1\n"),
    accept("UnderscoreLabelNamesPassTheParser", "a{_x=\"1\",__y=\"2\"} 1\n", "# TYPE a untyped\na{_x=\"1\",__y=\"2\"} 1\n"),
    accept("LabelOrderKept", "a{b=\"1\",a=\"2\"} 1\n", "# TYPE a untyped\na{b=\"1\",a=\"2\"} 1\n"),
    // Values and timestamps.
    accept("DecimalAndExponentValues", "a 1e3\nb -1.5E+3\nc .5\nd 5.\ne 1e-7\nf +2\n",
           "# TYPE a untyped\na 1000\n# TYPE b untyped\nb -1500\n# TYPE c untyped\nc 0.5\n# TYPE d untyped\nd 5\n"
           "# TYPE e untyped\ne 1e-07\n# TYPE f untyped\nf 2\n"),
    accept("SpecialValuesInAnyCase", "a NaN\nb nan\nc +Inf\nd -inf\ne Infinity\nf inf\n",
           "# TYPE a untyped\na NaN\n# TYPE b untyped\nb NaN\n# TYPE c untyped\nc +Inf\n# TYPE d untyped\nd -Inf\n"
           "# TYPE e untyped\ne +Inf\n# TYPE f untyped\nf +Inf\n"),
    accept("UnderflowIsZero", "a 1e-400\n", "# TYPE a untyped\na 0\n"),
    accept("Timestamps", "a 1 1700000000000\nb 2 -5\nc 3 +7\n",
           "# TYPE a untyped\na 1 1700000000000\n# TYPE b untyped\nb 2 -5\n# TYPE c untyped\nc 3 7\n"),
    accept("TabsBetweenTokens", "a\t1\t2\n", "# TYPE a untyped\na 1 2\n"),
    // Families.
    accept("ReappearingNameMerged", "a 1\nb 2\na{x=\"1\"} 3\n",
           "# TYPE a untyped\na 1\na{x=\"1\"} 3\n# TYPE b untyped\nb 2\n"),
    accept("FamilyWithoutSamplesDropped", "# TYPE a gauge\n# HELP b x\nc 1\n", "# TYPE c untyped\nc 1\n"),
    accept("SameLabelsInTwoFamilies", "a{x=\"1\"} 1\nb{x=\"1\"} 1\n",
           "# TYPE a untyped\na{x=\"1\"} 1\n# TYPE b untyped\nb{x=\"1\"} 1\n"),
    accept("LeOnGaugeIsAPlainLabel", "# TYPE g gauge\ng{le=\"1\"} 1\n", "# TYPE g gauge\ng{le=\"1\"} 1\n"),
    // Summaries.
    accept("SummaryLinesGroupedBySeries",
           "# TYPE s summary\ns{quantile=\"0.5\",x=\"1\"} 3\ns_sum{x=\"1\"} 10\ns_count{x=\"1\"} 4\n",
           "# TYPE s summary\ns{x=\"1\",quantile=\"0.5\"} 3\ns_sum{x=\"1\"} 10\ns_count{x=\"1\"} 4\n"),
    accept("SummarySeriesMatchedWhateverTheLabelOrder",
           "# TYPE s summary\ns{a=\"1\",b=\"2\",quantile=\"0.9\"} 3\ns_sum{b=\"2\",a=\"1\"} 1\n",
           "# TYPE s summary\ns{a=\"1\",b=\"2\",quantile=\"0.9\"} 3\ns_sum{a=\"1\",b=\"2\"} 1\ns_count{a=\"1\",b=\"2\"} 0\n"),
    accept("SummaryQuantilesSorted", "# TYPE s summary\ns{quantile=\"0.9\"} 2\ns{quantile=\"0.1\"} 1\n",
           "# TYPE s summary\ns{quantile=\"0.1\"} 1\ns{quantile=\"0.9\"} 2\ns_sum 0\ns_count 0\n"),
    accept("SummaryCountTruncated", "# TYPE s summary\ns_count 2.7\n", "# TYPE s summary\ns_sum 0\ns_count 2\n"),
    accept("SumAndCountBeforeTypeAreFamiliesOfTheirOwn", "s_count 1\n# TYPE s summary\ns_sum 2\n",
           "# TYPE s_count untyped\ns_count 1\n# TYPE s summary\ns_sum 2\ns_count 0\n"),
    accept("HelpOnSuffixNameGoesToTheSummary", "# TYPE s summary\n# HELP s_count Counts.\ns_count 1\n",
           "# HELP s Counts.\n# TYPE s summary\ns_sum 0\ns_count 1\n"),
    // prometheus_client writes a summary's _created as a gauge family of its
    // own; expfmt (and so the Pushgateway) keeps any x_created apart.
    accept("PythonClientSummaryWithCreatedFamily",
           "# HELP s S.\n# TYPE s summary\ns_count 1.0\ns_sum 2.0\n# HELP s_created S.\n# TYPE s_created gauge\n"
           "s_created 1.7e+09\n",
           "# HELP s S.\n# TYPE s summary\ns_sum 2\ns_count 1\n# HELP s_created S.\n# TYPE s_created gauge\n"
           "s_created 1.7e+09\n"),
    accept("BareCreatedLineIsAFamilyOfItsOwn", "# TYPE h histogram\nh_count 1\nh_created 5\n",
           "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum 0\nh_count 1\n# TYPE h_created untyped\nh_created 5\n"),
    accept("LeOnSummaryIsAPlainLabel", "# TYPE s summary\ns{le=\"1\",quantile=\"0.5\"} 1\n",
           "# TYPE s summary\ns{le=\"1\",quantile=\"0.5\"} 1\ns_sum{le=\"1\"} 0\ns_count{le=\"1\"} 0\n"),
    // Histograms.
    accept("HistogramBucketsSortedAndLeRewritten",
           "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 3\nh_bucket{le=\"0.50\"} 1\nh_sum 2\nh_count 3\n",
           "# TYPE h histogram\nh_bucket{le=\"0.5\"} 1\nh_bucket{le=\"+Inf\"} 3\nh_sum 2\nh_count 3\n"),
    accept("HistogramInfBucketSynthesizedFromCount", "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_count 5\n",
           "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 5\nh_sum 0\nh_count 5\n"),
    accept("HistogramBucketLineWithoutLeIgnored", "# TYPE h histogram\nh_bucket 5\nh_count 1\n",
           "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum 0\nh_count 1\n"),
    accept("HistogramNanLeIgnored", "# TYPE h histogram\nh_bucket{le=\"NaN\"} 5\nh_count 1\n",
           "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum 0\nh_count 1\n"),
    accept("QuantileOnHistogramIsAPlainLabel", "# TYPE h histogram\nh_bucket{quantile=\"x\",le=\"1\"} 1\n",
           "# TYPE h histogram\nh_bucket{quantile=\"x\",le=\"1\"} 1\nh_bucket{quantile=\"x\",le=\"+Inf\"} 0\n"
           "h_sum{quantile=\"x\"} 0\nh_count{quantile=\"x\"} 0\n"),
    accept("GaugeHistogramWrittenAsHistogram", "# TYPE g gaugehistogram\ng_bucket{le=\"1\"} 2\ng_count 2\ng_sum 3\n",
           "# TYPE g histogram\ng_bucket{le=\"1\"} 2\ng_bucket{le=\"+Inf\"} 2\ng_sum 3\ng_count 2\n"),
    accept("FloatHistogramCounts", "# TYPE h histogram\nh_bucket{le=\"1\"} 0.5\nh_count 2.5\n",
           "# TYPE h histogram\nh_bucket{le=\"1\"} 0.5\nh_bucket{le=\"+Inf\"} 2.5\nh_sum 0\nh_count 2.5\n"),

    // Line structure.
    reject("MissingFinalNewline", "a 1", "final-newline", 1, 4, "must end with a newline"),
    reject("CommentWithoutFinalNewline", "a 1\n# c", "final-newline", 2, 0, "must end with a newline"),
    reject("ErrorLineCountsEveryLine", "a 1\n\n# c\nb x\n", "sample-value", 4, 3, "got \"x\""),
    reject("CrLfLineEnding", "a 1\r\n", "sample-value", 1, 3, "got \"1\\r\""),
    // Names.
    reject("MetricNameStartingWithDigit", "1a 1\n", "metric-name", 1, 1, "metric names match"),
    reject("NoMetricNameBeforeBrace", "{a=\"1\"} 1\n", "metric-name", 1, 1, "no metric name"),
    reject("NoMetricNameBeforeBraceAfterOtherSample", "a 1\n{x=\"1\"} 1\n", "metric-name", 2, 1, "no metric name"),
    reject("QuotedNonLegacyMetricNameWithoutUtf8Names", "{\"a.b\"} 1\n", "metric-name", 1, 2,
           "invalid metric name \"a.b\"; metric names match [a-zA-Z_:][a-zA-Z0-9_:]* (any UTF-8 with "
           "--push.enable-utf8-names)"),
    reject("DashInMetricName", "a-b 1\n", "sample-value", 1, 2, "got \"-b\""),
    reject("InvalidMetricNameInComment", "# TYPE a-b gauge\n", "comment-metric-name", 1, 8, "\"a-b\""),
    reject("LabelNameStartingWithDigit", "a{1x=\"1\"} 1\n", "label-name", 1, 3, "label names match"),
    reject("QuotedLabelNameUnsupported", "a{\"x.y\"=\"1\"} 1\n", "label-name", 1, 3, "label names match"),
    reject("LabelNameWithDot", "a{x.y=\"1\"} 1\n", "label-equals", 1, 4, "found \".\""),
    reject("ReservedLabelName", "a{__name__=\"b\"} 1\n", "label-reserved", 1, 3, "\"__name__\" is reserved"),
    reject("DuplicateLabelName", "a{x=\"1\",x=\"2\"} 1\n", "duplicate-label", 1, 9, "label \"x\" twice"),
    reject("DuplicateLeLabel", "# TYPE h histogram\nh_bucket{le=\"1\",le=\"2\"} 1\n", "duplicate-label", 2, 17,
           "\"le\" twice"),
    // Labels.
    reject("LabelWithoutEquals", "a{x \"1\"} 1\n", "label-equals", 1, 5, "expected '='"),
    reject("UnquotedLabelValue", "a{x=1} 1\n", "label-value-quote", 1, 5, "must start with '\"'"),
    reject("UnterminatedLabelValue", "a{x=\"1} 1\n", "label-value-newline", 1, 5, "runs to the end of the line"),
    reject("BadLabelValueEscape", "a{x=\"\\t\"} 1\n", "label-value-escape", 1, 6, "\"\\\\t\""),
    reject("InvalidUtf8LabelValue", "a{x=\"\xFF\"} 1\n", "label-value-utf8", 1, 6, "not valid UTF-8"),
    reject("OverlongUtf8LabelValue", "a{x=\"\xC0\xAF\"} 1\n", "label-value-utf8", 1, 6, "not valid UTF-8"),
    reject("SurrogateUtf8LabelValue", "a{x=\"\xED\xA0\x80\"} 1\n", "label-value-utf8", 1, 6, "not valid UTF-8"),
    reject("LabelsNotClosed", "a{x=\"1\" 1\n", "label-value-end", 1, 9, "expected ',' or '}'"),
    reject("LabelsWithoutComma", "a{x=\"1\" y=\"2\"} 1\n", "label-value-end", 1, 9, "found \"y\""),
    reject("LabelsEndAtLineEnd", "a{x=\"1\",\n", "labels-end", 1, 0, "not closed"),
    // Values.
    reject("ValueMissing", "a\n", "sample-value", 1, 2, "got \"\""),
    reject("ValueMissingAfterLabels", "a{x=\"1\"}\n", "sample-value", 1, 9, "got \"\""),
    reject("HexValue", "a 0x1\n", "sample-value", 1, 3, "got \"0x1\""),
    reject("HexFloatValue", "a 0x1p3\n", "sample-value", 1, 3, "0x1p3"),
    reject("UnderscoreInValue", "a 1_000\n", "sample-value", 1, 3, "1_000"),
    reject("BinaryValue", "a 0b1\n", "sample-value", 1, 3, "0b1"),
    reject("SignedNan", "a +NaN\n", "sample-value", 1, 3, "+NaN"),
    reject("NegativeNan", "a -nan\n", "sample-value", 1, 3, "-nan"),
    reject("OutOfRangeValue", "a 1e400\n", "sample-value", 1, 3, "1e400"),
    reject("DecimalComma", "a 1,5\n", "sample-value", 1, 3, "1,5"),
    reject("DotOnly", "a .\n", "sample-value", 1, 3, "\".\""),
    reject("ExponentWithoutDigits", "a 1e\n", "sample-value", 1, 3, "\"1e\""),
    reject("InfWithGarbage", "a Infx\n", "sample-value", 1, 3, "Infx"),
    // Timestamps.
    reject("BlankAfterValue", "a 1 \n", "timestamp", 1, 4, "blanks after its value"),
    reject("FloatTimestamp", "a 1 1.5\n", "timestamp", 1, 5, "got \"1.5\""),
    reject("TimestampOverflow", "a 1 99999999999999999999\n", "timestamp", 1, 5, "integer timestamp"),
    reject("TimestampSignOnly", "a 1 +\n", "timestamp", 1, 5, "got \"+\""),
    reject("SpuriousAfterTimestamp", "a 1 2 3\n", "after-timestamp", 1, 6, "\" 3\""),
    reject("BlankAfterTimestamp", "a 1 2 \n", "after-timestamp", 1, 6, "after the timestamp"),
    // HELP and TYPE.
    reject("SecondTypeLine", "# TYPE a gauge\n# TYPE a gauge\n", "type-twice", 2, 8,
           "metric \"a\" was given a second TYPE line; a family's TYPE must come once, before its samples"),
    reject("TypeAfterSamples", "a 1\n# TYPE a gauge\n", "type-after-samples", 2, 8, "comes after its samples"),
    reject("TypeForSuffixOfSummary", "# TYPE s summary\n# TYPE s_count counter\n", "type-twice", 2, 8,
           "metric \"s\" was given a second TYPE"),
    reject("UnknownType", "# TYPE a gauges\n", "type-unknown", 1, 10, "unknown metric type \"gauges\""),
    reject("TypeWithTrailingBlank", "# TYPE a gauge \n", "type-unknown", 1, 10, "\"gauge \""),
    reject("TypeWithExtraWord", "# TYPE a gauge extra\n", "type-unknown", 1, 10, "\"gauge extra\""),
    reject("SecondHelpLine", "# HELP a x\n# HELP a y\n", "help-twice", 2, 10, "second HELP line"),
    reject("BadHelpEscape", "# HELP a x\\t\n", "help-escape", 1, 11, "\"\\\\t\""),
    reject("BackslashAtEndOfHelp", "# HELP a x\\\n", "help-escape", 1, 11, "escape sequence"),
    // Series.
    reject("DuplicateSeries", "a{x=\"1\"} 1\na{x=\"1\"} 2\n", "duplicate-series", 2, 1,
           "metric \"a\" has two samples with the labels {x=\"1\"}"),
    reject("DuplicateSeriesInOtherLabelOrder", "a{x=\"1\",y=\"2\"} 1\na{y=\"2\",x=\"1\"} 2\n", "duplicate-series", 2,
           1, "two samples"),
    reject("DuplicateSeriesWithoutLabels", "a 1\na 2\n", "duplicate-series", 2, 1, "{}"),
    reject("DuplicateSeriesAfterOtherFamily", "a 1\nb 1\na 2\n", "duplicate-series", 3, 1, "two samples"),
    reject("DuplicateSeriesWithEscapedValue", "a{x=\"\\n\"} 1\na{x=\"\\n\"} 2\n", "duplicate-series", 2, 1,
           "two samples"),
    reject("DuplicateBucket", "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"1.0\"} 2\n",
           "duplicate-series", 3, 1, "le=\"1\""),
    reject("DuplicateQuantile", "# TYPE s summary\ns{quantile=\"0.5\"} 1\ns{quantile=\"0.50\"} 2\n",
           "duplicate-series", 3, 1, "quantile=\"0.5\""),
    reject("DuplicateBucketOutOfOrderFoundAtTheEnd",
           "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"2\"} 2\nh_bucket{le=\"1\"} 1\n", "duplicate-series",
           2, 1, "two samples for le=\"1\" in the series {} that starts on this line"),
    reject("DuplicateQuantileOutOfOrderFoundAtTheEnd",
           "# TYPE s summary\ns{a=\"b\",quantile=\"0.9\"} 1\ns{quantile=\"0.1\",a=\"b\"} 1\ns{a=\"b\",quantile=\"0.9\"} 1\n",
           "duplicate-series", 2, 1, "in the series {a=\"b\"}"),
    reject("DuplicateSum", "# TYPE s summary\ns_sum 1\ns_sum 2\n", "duplicate-series", 3, 1, "two _sum samples"),
    reject("DuplicateCount", "# TYPE h histogram\nh_count 1\nh_count 2\n", "duplicate-series", 3, 1,
           "two _count samples"),
    reject("NegativeBucketCount", "# TYPE h histogram\nh_bucket{le=\"1\"} -1\n", "negative-count", 2, 1,
           "negative count"),
    reject("NegativeHistogramCount", "# TYPE h histogram\nh_count -0.5\n", "negative-count", 2, 1, "\"-0.5\""),
    reject("NegativeSummaryCount", "# TYPE s summary\ns_count -1\n", "summary-count", 2, 1, "non-negative"),
    reject("NanSummaryCount", "# TYPE s summary\ns_count NaN\n", "summary-count", 2, 1, "\"NaN\""),
    accept("SummaryCountOfTheLargestUint64AsADoubleSpellsIt", "# TYPE s summary\ns_count 18446744073709551615\n",
           "# TYPE s summary\ns_sum 0\ns_count 1.8446744073709552e+19\n"),
    reject("SummaryCountPast2To64", "# TYPE s summary\ns_count 1.9e19\n", "summary-count", 2, 1, "non-negative"),
    reject("BadLeValue", "# TYPE h histogram\nh_bucket{le=\"x\"} 1\n", "le-value", 2, 10, "must be a number"),
    reject("BadQuantileValue", "# TYPE s summary\ns{quantile=\"high\"} 1\n", "quantile-value", 2, 3,
           "got \"high\""),
};

INSTANTIATE_TEST_SUITE_P(Table, TextParserCase, testing::ValuesIn(kCases), case_name);

}  // namespace
}  // namespace flowgate::exposition
