// What the text parser puts into the model (the table in
// text_parser_cases_test.cpp checks accept/reject rules).

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "exposition/text_parser.hpp"

namespace flowgate::exposition {
namespace {

Families parsed(std::string_view body) {
  auto result = parse_text(body);
  EXPECT_TRUE(result.has_value()) << result.error().describe();
  return result.has_value() ? std::move(*result) : Families{};
}

TEST(TextParser, RejectsSecondTypeLineForSameFamily) {
  const auto result = parse_text("# TYPE foo counter\nfoo 1\n# TYPE foo counter\n");
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().rule, "type-twice");
  EXPECT_EQ(result.error().describe(),
            "line 3, column 8: metric \"foo\" was given a second TYPE line; a family's TYPE must come once, before "
            "its samples");
}

TEST(TextParser, ReadsHistogramLeIntoBucketsNotLabels) {
  const Families families = parsed(
      "# HELP h Latency.\n# TYPE h histogram\nh_bucket{path=\"/\",le=\"0.5\"} 1\nh_bucket{path=\"/\",le=\"+Inf\"} 3\n"
      "h_sum{path=\"/\"} 1.25\nh_count{path=\"/\"} 3 1700000000000\n");
  ASSERT_EQ(families.size(), 1u);
  const Family& family = families[0];
  EXPECT_EQ(family.name, "h");
  EXPECT_EQ(family.help, "Latency.");
  EXPECT_EQ(family.type, MetricType::histogram);
  ASSERT_EQ(family.metrics.size(), 1u);
  const Metric& metric = family.metrics[0];
  EXPECT_EQ(metric.labels, (Labels{{"path", "/"}}));
  ASSERT_EQ(metric.buckets.size(), 2u);
  EXPECT_EQ(metric.buckets[0].upper_bound, 0.5);
  EXPECT_EQ(metric.buckets[0].cumulative_count, 1);
  EXPECT_TRUE(std::isinf(metric.buckets[1].upper_bound));
  EXPECT_EQ(metric.sample_sum, 1.25);
  EXPECT_EQ(metric.sample_count, 3);
  EXPECT_FALSE(metric.float_counts);
  EXPECT_EQ(metric.timestamp_ms, 1700000000000);
}

TEST(TextParser, ReadsSummaryQuantileIntoQuantilesNotLabels) {
  const Families families = parsed("# TYPE s summary\ns{quantile=\"0.99\",a=\"b\"} 7\ns_count{a=\"b\"} 9\n");
  ASSERT_EQ(families.size(), 1u);
  const Metric& metric = families[0].metrics.at(0);
  EXPECT_EQ(metric.labels, (Labels{{"a", "b"}}));
  ASSERT_EQ(metric.quantiles.size(), 1u);
  EXPECT_EQ(metric.quantiles[0].quantile, 0.99);
  EXPECT_EQ(metric.quantiles[0].value, 7);
  EXPECT_EQ(metric.sample_count, 9);
}

TEST(TextParser, MarksHistogramWithAnyNonIntegralCountAsFloat) {
  const Families families = parsed("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1.5\n");
  EXPECT_TRUE(families.at(0).metrics.at(0).float_counts);
}

TEST(TextParser, UnescapesLabelValuesAndHelp) {
  const Families families = parsed("# HELP a One\\ntwo \\\\ \\\"three\\\"\na{x=\"\\\"q\\\"\\n\\\\\"} 1\n");
  EXPECT_EQ(families.at(0).help, "One\ntwo \\ \"three\"");
  EXPECT_EQ(families.at(0).metrics.at(0).labels.at(0).value, "\"q\"\n\\");
}

TEST(TextParser, KeepsFamiliesInOrderOfFirstAppearance) {
  const Families families = parsed("# HELP z first\nb 1\nz 1\na 1\n");
  ASSERT_EQ(families.size(), 3u);
  EXPECT_EQ(families[0].name, "z");
  EXPECT_EQ(families[1].name, "b");
  EXPECT_EQ(families[2].name, "a");
}

TEST(TextParser, ParsesNanAndInfinities) {
  const Families families = parsed("a NaN\nb -Inf\n");
  EXPECT_TRUE(std::isnan(families.at(0).metrics.at(0).value));
  EXPECT_EQ(families.at(1).metrics.at(0).value, -std::numeric_limits<double>::infinity());
}

TEST(TextParser, ParsesManySeriesOfOneFamily) {
  std::string body = "# TYPE c counter\n";
  for (int i = 0; i < 5000; ++i) body += "c{i=\"" + std::to_string(i) + "\"} " + std::to_string(i) + "\n";
  const Families families = parsed(body);
  ASSERT_EQ(families.size(), 1u);
  ASSERT_EQ(families[0].metrics.size(), 5000u);
  EXPECT_EQ(families[0].metrics[4999].value, 4999);
}

std::string many_labels(std::size_t count, bool reversed) {
  std::string labels = "{";
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t n = reversed ? count - 1 - i : i;
    labels += "l" + std::to_string(n) + "=\"" + std::to_string(n) + "\",";
  }
  return labels + "}";
}

TEST(TextParser, FindsDuplicateSeriesWithManyLabelsInAnyOrder) {
  const auto result =
      parse_text("a" + many_labels(5000, false) + " 1\na" + many_labels(5000, true) + " 2\n");
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().rule, "duplicate-series");
  EXPECT_EQ(result.error().line, 2u);
  EXPECT_LT(result.error().message.size(), 400u) << "the sentence shortens a long label set";
}

TEST(TextParser, FindsDuplicateLabelNameAmongManyLabels) {
  const std::string labels = many_labels(5000, false);
  const auto result = parse_text("a" + labels.substr(0, labels.size() - 1) + "l42=\"x\"} 1\n");
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().rule, "duplicate-label");
  EXPECT_NE(result.error().message.find("\"l42\""), std::string::npos) << result.error().message;
}

TEST(TextParser, AcceptsManyDistinctLabels) {
  const auto result = parse_text("a" + many_labels(5000, false) + " 1\n");
  ASSERT_TRUE(result.has_value()) << result.error().describe();
  EXPECT_EQ(result->at(0).metrics.at(0).labels.size(), 5000u);
}

TEST(TextParser, SortsALongHistogramGivenInDescendingOrder) {
  std::string body = "# TYPE h histogram\n";
  for (int i = 20000; i > 0; --i) body += "h_bucket{le=\"" + std::to_string(i) + "\"} " + std::to_string(i) + "\n";
  const Families families = parsed(body);
  const std::vector<Bucket>& buckets = families.at(0).metrics.at(0).buckets;
  ASSERT_EQ(buckets.size(), 20000u);
  EXPECT_EQ(buckets.front().upper_bound, 1);
  EXPECT_EQ(buckets.back().upper_bound, 20000);
}

TEST(TextParser, RejectsHelpThatIsNotUtf8) {
  const auto result = parse_text("# HELP a bad \xff\na 1\n");
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().rule, "help-utf8");
  EXPECT_EQ(result.error().describe(), "line 1, column 10: the HELP text of metric \"a\" is not valid UTF-8");
}

TEST(TextParser, AcceptsUtf8Help) { EXPECT_EQ(parsed("# HELP a caf\xc3\xa9\na 1\n").at(0).help, "caf\xc3\xa9"); }

TEST(TextParser, QuotesControlBytesOfTheInputAsEscapesInErrors) {
  const auto result = parse_text("a \x7f\x1b[2J\n");
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().message,
            "expected a number as the value of metric \"a\", got \"\\x7f\\x1b[2J\"; numbers look like 1, -1.5e3, NaN "
            "or +Inf");
}

TEST(TextParser, DescribesErrorsWithLineAndColumn) {
  const auto result = parse_text("a 1\nb{x=1} 2\n");
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().describe(),
            "line 2, column 5: the value of label \"x\" of metric \"b\" must start with '\"', found \"1\"");
}


TEST(TextParser, StopsAtTheFirstLabelPastTheBound) {
  std::string line = "wide{";
  for (int i = 0; i < 100'000; ++i) line += "l" + std::to_string(i) + "=\"v\",";
  line += "z=\"v\"} 1\n";
  const auto refused = parse_text("ok 1\n" + line, ParseBounds{0, 3});
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().rule, kTooManyLabelsRule);
  EXPECT_EQ(refused.error().line, 2u);
  EXPECT_EQ(refused.error().column, 27u) << "at the fourth label";
  EXPECT_TRUE(parse_text("# TYPE h histogram\nh_bucket{a=\"1\",b=\"2\",c=\"3\",le=\"1\"} 1\n", ParseBounds{0, 3})
                  .has_value())
      << "le is a bucket bound, not a label";
}

TEST(TextParser, StopsAtTheFirstSeriesPastTheBound) {
  const auto bounds = ParseBounds{2, 0};
  // A histogram's lines are one series.
  EXPECT_TRUE(parse_text("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n"
                         "g 1\n",
                         bounds)
                  .has_value());
  const auto refused = parse_text("a 1\nb 1\nc 1\nd 1\n", bounds);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().rule, kTooManySeriesRule);
  EXPECT_EQ(refused.error().line, 3u);
}

}  // namespace
}  // namespace flowgate::exposition
