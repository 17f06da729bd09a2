// UTF-8 metric and label names in text: the quoted forms the parser reads
// with NameValidation::utf8 (and refuses, naming the line, without it), and
// what the writers make of such names in each escaping scheme. The expected
// bodies are what Pushgateway 1.11.5 writes for the same pushes.

#include <gtest/gtest.h>

#include <string>

#include "exposition/name_escaping.hpp"
#include "exposition/text_parser.hpp"
#include "exposition/writer.hpp"

namespace flowgate::exposition {
namespace {

ParseBounds utf8_names() {
  ParseBounds bounds;
  bounds.names = NameValidation::utf8;
  return bounds;
}

Families parsed_utf8(std::string_view body) {
  auto result = parse_text(body, utf8_names());
  EXPECT_TRUE(result.has_value()) << result.error().describe();
  return result.has_value() ? std::move(*result) : Families{};
}

TEST(TextParserUtf8Names, ReadsTheQuotedNameFirstInsideTheBraces) {
  const Families families = parsed_utf8("{\"my.metric\", \"label.name\"=\"v\", plain=\"w\"} 1\n");
  ASSERT_EQ(families.size(), 1u);
  EXPECT_EQ(families[0].name, "my.metric");
  EXPECT_EQ(families[0].metrics.at(0).labels, (Labels{{"label.name", "v"}, {"plain", "w"}}));
}

TEST(TextParserUtf8Names, ReadsAQuotedNameBeforeTheBracesAndWithoutThem) {
  const Families families = parsed_utf8("\"a.b\"{\"x.y\"=\"1\"} 1\n\"c.d\" 2\n\"e.f\"3\n");
  ASSERT_EQ(families.size(), 3u);
  EXPECT_EQ(families[0].name, "a.b");
  EXPECT_EQ(families[1].name, "c.d");
  EXPECT_EQ(families[2].metrics.at(0).value, 3);
}

TEST(TextParserUtf8Names, TakesTheMetricNameAnywhereAmongTheLabelsAsGoDoes) {
  const Families families = parsed_utf8("{x=\"1\", \"m.n\", y=\"2\"} 1\n{z=\"3\",bare} 2\n");
  ASSERT_EQ(families.size(), 2u);
  EXPECT_EQ(families[0].name, "m.n");
  EXPECT_EQ(families[0].metrics.at(0).labels, (Labels{{"x", "1"}, {"y", "2"}}));
  EXPECT_EQ(families[1].name, "bare");
}

TEST(TextParserUtf8Names, UnescapesQuotedNames) {
  const Families families = parsed_utf8("{\"a\\\"b\\\\c\\nd\", \"q\\\"t\"=\"v\"} 1\n");
  ASSERT_EQ(families.size(), 1u);
  EXPECT_EQ(families[0].name, "a\"b\\c\nd");
  EXPECT_EQ(families[0].metrics.at(0).labels.at(0).name, "q\"t");
}

TEST(TextParserUtf8Names, QuotedNamesInHelpAndTypeFindTheirFamily) {
  const Families families = parsed_utf8(
      "# HELP \"h.x\" Latency.\n# TYPE \"h.x\" histogram\n{\"h.x_bucket\",le=\"1\"} 1\n{\"h.x_bucket\",le=\"+Inf\"} 2\n"
      "{\"h.x_sum\"} 3\n{\"h.x_count\"} 2\n");
  ASSERT_EQ(families.size(), 1u);
  EXPECT_EQ(families[0].name, "h.x");
  EXPECT_EQ(families[0].help, "Latency.");
  EXPECT_EQ(families[0].type, MetricType::histogram);
  EXPECT_EQ(families[0].metrics.at(0).buckets.size(), 2u);
  EXPECT_EQ(families[0].metrics.at(0).sample_count, 2);
}

TEST(TextParserUtf8Names, AcceptsQuotedLegacyNamesWithoutUtf8NamesAsThePushgateway1_11Does) {
  const auto parsed = parse_text("# TYPE \"m\" gauge\n{\"m\", \"ab\"=\"x\"} 1\n\"n\" 2\n");
  ASSERT_TRUE(parsed.has_value()) << parsed.error().describe();
  EXPECT_EQ(write(Format::text, *parsed), "# TYPE m gauge\nm{ab=\"x\"} 1\n# TYPE n untyped\nn 2\n");
}

TEST(TextParserUtf8Names, RefusesAQuotedMetricNameOutsideTheGrammarWithoutUtf8NamesNamingTheLine) {
  const auto parsed = parse_text("ok 1\n{\"my.metric\"} 1\n");
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().rule, "metric-name");
  EXPECT_EQ(parsed.error().describe(),
            "line 2, column 2: invalid metric name \"my.metric\"; metric names match [a-zA-Z_:][a-zA-Z0-9_:]* (any "
            "UTF-8 with --push.enable-utf8-names)");
}

TEST(TextParserUtf8Names, RefusesAQuotedLabelNameOutsideTheGrammarWithoutUtf8NamesNamingTheLine) {
  const auto parsed = parse_text("m{\"a.b\"=\"x\"} 1\n");
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().rule, "label-name");
  EXPECT_EQ(parsed.error().describe(),
            "line 1, column 3: invalid label name \"a.b\" for metric \"m\"; label names match [a-zA-Z_][a-zA-Z0-9_]* "
            "(any UTF-8 with --push.enable-utf8-names)");
}

TEST(TextParserUtf8Names, RefusesAQuotedNameInHelpWithoutUtf8Names) {
  const auto parsed = parse_text("# HELP \"my.metric\" text\n");
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().rule, "metric-name");
  EXPECT_EQ(parsed.error().line, 1u);
}

TEST(TextParserUtf8Names, RefusesEmptyAndInvalidUtf8Names) {
  for (const std::string_view body : {"{\"\"} 1\n", "m{\"\"=\"v\"} 1\n", "{\"m\xff\"} 1\n", "m{\"\xc3\"=\"v\"} 1\n"}) {
    const auto parsed = parse_text(body, utf8_names());
    ASSERT_FALSE(parsed.has_value()) << body;
    EXPECT_NE(parsed.error().message.find("are non-empty valid UTF-8"), std::string::npos) << parsed.error().message;
  }
}

TEST(TextParserUtf8Names, RefusesASecondMetricName) {
  const auto parsed = parse_text("{\"m\", x=\"1\", \"m2\"} 1\n", utf8_names());
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().rule, "metric-name-twice");
  EXPECT_EQ(parsed.error().column, 14u);
}

TEST(TextParserUtf8Names, RefusesUnclosedAndBadlyEscapedQuotedNames) {
  const auto unclosed = parse_text("# HELP \"m\n", utf8_names());
  ASSERT_FALSE(unclosed.has_value());
  EXPECT_EQ(unclosed.error().rule, "name-quote");
  const auto escape = parse_text("{\"m\\q\"} 1\n", utf8_names());
  ASSERT_FALSE(escape.has_value());
  EXPECT_EQ(escape.error().rule, "name-escape");
  const auto glued = parse_text("# TYPE \"m\"gauge\n", utf8_names());
  ASSERT_FALSE(glued.has_value());
  EXPECT_EQ(glued.error().rule, "comment-metric-name");
}

TEST(TextParserUtf8Names, MessagesStayOneLineWhateverTheNamesHold) {
  const auto parsed = parse_text("{\"m\\nx\",\"a\\nb\"=\"1\"} 1\n{\"m\\nx\",\"a\\nb\"=\"1\"} 2\n", utf8_names());
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().rule, "duplicate-series");
  EXPECT_EQ(parsed.error().message.find('\n'), std::string::npos) << parsed.error().message;
  EXPECT_NE(parsed.error().message.find("{\"a\\nb\"=\"1\"}"), std::string::npos) << parsed.error().message;
}

TEST(TextParserUtf8Names, UnquotedNamesKeepTheLegacyGrammar) {
  const auto parsed = parse_text("my.metric 1\n", utf8_names());
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().rule, "sample-value");
}

// One family with every kind of name the escaping schemes treat differently.
Families odd_names() {
  Family family;
  family.name = "a_b.c";
  family.help = "help of a_b.c";
  family.type = MetricType::counter;
  auto& metric = family.metrics.emplace_back();
  metric.labels = {{"1abc", "4"}, {"a:b", "1"}, {"job", "e"}, {"q\"t", "6"}, {"\xc3\xbc", "3"}};
  metric.value = 1;
  return {family};
}

TEST(TextWriterUtf8Names, QuotesNamesOutsideTheGrammarAsPrometheus3Does) {
  EXPECT_EQ(write(Format::text, odd_names()),
            "# HELP \"a_b.c\" help of a_b.c\n# TYPE \"a_b.c\" counter\n"
            "{\"a_b.c\",\"1abc\"=\"4\",a:b=\"1\",job=\"e\",\"q\\\"t\"=\"6\",\"\xc3\xbc\"=\"3\"} 1\n");
}

TEST(TextWriterUtf8Names, QuotesTheSuffixedNameOfHistogramLines) {
  Family family;
  family.name = "h.x";
  family.type = MetricType::histogram;
  auto& metric = family.metrics.emplace_back();
  metric.buckets = {{1, 1, std::nullopt}};
  metric.sample_count = 2;
  metric.sample_sum = 3;
  EXPECT_EQ(write(Format::text, {family}),
            "# TYPE \"h.x\" histogram\n{\"h.x_bucket\",le=\"1\"} 1\n{\"h.x_bucket\",le=\"+Inf\"} 2\n{\"h.x_sum\"} 3\n"
            "{\"h.x_count\"} 2\n");
}

TEST(TextWriterUtf8Names, OpenMetricsQuotesTheSameNames) {
  EXPECT_EQ(write(Format::openmetrics, odd_names()),
            "# HELP \"a_b.c\" help of a_b.c\n# TYPE \"a_b.c\" counter\n"
            "{\"a_b.c_total\",\"1abc\"=\"4\",a:b=\"1\",job=\"e\",\"q\\\"t\"=\"6\",\"\xc3\xbc\"=\"3\"} 1.0\n# EOF\n");
}

TEST(TextWriterUtf8Names, EachEscapingSchemeWritesWhatThePushgatewayDoes) {
  const auto escaped = [](NameEscaping escaping) {
    Families families = odd_names();
    families[0] = escape_names(families[0], escaping);
    families[0].help.clear();
    return write(Format::text, families);
  };
  EXPECT_EQ(escaped(NameEscaping::underscores),
            "# TYPE a_b_c counter\na_b_c{_abc=\"4\",a:b=\"1\",job=\"e\",q_t=\"6\",_=\"3\"} 1\n");
  EXPECT_EQ(escaped(NameEscaping::dots),
            "# TYPE a__b_dot_c counter\na__b_dot_c{__abc=\"4\",a:b=\"1\",job=\"e\",q__t=\"6\",__=\"3\"} 1\n");
  EXPECT_EQ(escaped(NameEscaping::values),
            "# TYPE U__a__b_2e_c counter\nU__a__b_2e_c{U___31_abc=\"4\",a:b=\"1\",job=\"e\",U__q_22_t=\"6\",U___fc_=\"3\"} 1\n");
}

TEST(TextWriterUtf8Names, ContentTypesNameTheEscaping) {
  EXPECT_EQ(content_type(Format::text, NameEscaping::allow_utf8),
            "text/plain; version=0.0.4; charset=utf-8; escaping=allow-utf-8");
  EXPECT_EQ(content_type(Format::protobuf, NameEscaping::values),
            "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited; "
            "escaping=values");
}

TEST(TextWriterUtf8Names, ParsedQuotedNamesRoundTrip) {
  const std::string body =
      "# HELP \"a.b\" h\n# TYPE \"a.b\" gauge\n{\"a.b\",\"c.d\"=\"x\",e=\"y\"} 1\n# TYPE \"x\\ny\" untyped\n{\"x\\ny\"} 2\n";
  EXPECT_EQ(write(Format::text, parsed_utf8(body)), body);
}

}  // namespace
}  // namespace flowgate::exposition
