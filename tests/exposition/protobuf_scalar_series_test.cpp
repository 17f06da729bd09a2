// scan_scalar_series reads what parse_protobuf reads from the series of a
// counter, gauge or untyped family, and gives up (nullopt) on anything else.

#include "exposition/protobuf_scalar_series.hpp"

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "exposition/protobuf_parser.hpp"
#include "tests/exposition/protobuf_test_encoder.hpp"

namespace flowgate::exposition {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): the encoder's vocabulary

// The samples block of a family: its Metric fields, as the store keeps them.
std::string block(std::initializer_list<std::string> metrics) {
  std::string out;
  for (const auto& metric : metrics) out += bytes_field(4, metric);
  return out;
}

std::string value_metric(std::uint32_t field, double value, std::initializer_list<std::string> labels) {
  std::string out;
  for (const auto& l : labels) out += l;
  return out + bytes_field(field, double_field(1, value));
}

// The scan of `metrics` as a `type` family against the parser's reading of it.
void expect_reads_as_parser(MetricType type, std::uint64_t wire_type, std::initializer_list<std::string> metrics) {
  const std::string samples = block(metrics);  // the views point into it
  const auto scanned = scan_scalar_series(type, samples);
  ASSERT_TRUE(scanned);
  std::string message = bytes_field(1, "f") + uint_field(3, wire_type);
  for (const auto& m : metrics) message += bytes_field(4, m);
  ParseBounds any_names;
  any_names.names = NameValidation::utf8;
  const auto parsed = parse_protobuf(delimited(message), any_names);
  ASSERT_TRUE(parsed && parsed->size() == 1);
  const auto& series = parsed->front().metrics;
  ASSERT_EQ(scanned->series.size(), series.size());
  for (std::size_t i = 0; i < series.size(); ++i) {
    const auto& entry = scanned->series[i];
    EXPECT_EQ(entry.value, series[i].value);
    ASSERT_EQ(entry.label_count, series[i].labels.size());
    for (std::size_t l = 0; l < entry.label_count; ++l) {
      EXPECT_EQ(scanned->labels[entry.first_label + l].name, series[i].labels[l].name);
      EXPECT_EQ(scanned->labels[entry.first_label + l].value, series[i].labels[l].value);
    }
  }
}

TEST(ProtobufScalarSeries, ReadsWhatTheParserReadsFromPlainSeries) {
  const std::string long_value(300, 'v');  // lengths of two varint bytes
  expect_reads_as_parser(MetricType::counter, 0,
                         {value_metric(3, 42, {label("job", "j"), label("flow", "\xc3\xa9tl")}),
                          value_metric(3, 0.5, {label("a_label_name_of_some_length", long_value)}),
                          value_metric(3, 7, {})});
  expect_reads_as_parser(MetricType::gauge, 1, {value_metric(2, -3, {label("instance", "")})});
  expect_reads_as_parser(MetricType::untyped, 3, {value_metric(5, 1e300, {label("x", "y")})});
}

TEST(ProtobufScalarSeries, GivesUpWhereASeriesCarriesMoreThanItsValue) {
  const std::string j = label("job", "j");
  const auto gives_up = [](MetricType type, const std::string& metric) {
    EXPECT_FALSE(scan_scalar_series(type, block({metric})));
  };
  gives_up(MetricType::counter, j + bytes_field(3, double_field(1, 1) + bytes_field(2, label("t", "1"))));  // exemplar
  gives_up(MetricType::counter, j + bytes_field(3, double_field(1, 1) + bytes_field(3, uint_field(1, 5))));  // created
  gives_up(MetricType::gauge, value_metric(2, 1, {j}) + uint_field(6, 1234));  // a timestamp
  gives_up(MetricType::gauge, j);                                                // no value
  gives_up(MetricType::gauge, value_metric(2, 1, {j}) + bytes_field(2, double_field(1, 2)));  // two values
  gives_up(MetricType::counter, value_metric(2, 1, {j}));  // a gauge's value
  gives_up(MetricType::gauge, bytes_field(1, bytes_field(1, "a") + bytes_field(2, "b") + uint_field(3, 1)) +
                                  bytes_field(2, double_field(1, 1)));  // a LabelPair field it does not know
  gives_up(MetricType::gauge, bytes_field(1, bytes_field(1, "a")) + bytes_field(2, double_field(1, 1)));  // a pair without value
}

TEST(ProtobufScalarSeries, GivesUpOnBytesTheParserRefusesAndOnOtherTypes) {
  EXPECT_FALSE(scan_scalar_series(MetricType::gauge, block({value_metric(2, 1, {label("a", "\xff")})})));
  EXPECT_FALSE(scan_scalar_series(MetricType::gauge, block({value_metric(2, 1, {label("\xc3", "a")})})));
  EXPECT_FALSE(scan_scalar_series(MetricType::gauge, block({value_metric(2, 1, {label("__name__", "a")})})));
  EXPECT_FALSE(scan_scalar_series(MetricType::gauge, block({value_metric(2, 1, {label("", "a")})})));
  const std::string whole = block({value_metric(2, 1, {label("a", "b")})});
  EXPECT_TRUE(scan_scalar_series(MetricType::gauge, whole));
  EXPECT_FALSE(scan_scalar_series(MetricType::gauge, whole.substr(0, whole.size() - 1)));
  EXPECT_FALSE(scan_scalar_series(MetricType::gauge, whole + uint_field(5, 1)));
  for (const auto type : {MetricType::summary, MetricType::histogram, MetricType::gauge_histogram, MetricType::info,
                          MetricType::stateset}) {
    EXPECT_FALSE(scan_scalar_series(type, whole));
  }
}

}  // namespace
}  // namespace flowgate::exposition
