// Remote write requests against bytes built field by field with the naive
// test encoder (tests/exposition/protobuf_test_encoder.hpp), so the encoder
// is not checked against code it shares.

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "exposition/text_parser.hpp"
#include "remote_write/series.hpp"
#include "remote_write/write_request.hpp"
#include "tests/exposition/protobuf_test_encoder.hpp"

namespace flowgate::remote_write {
namespace {

namespace pb = exposition::test;

std::string label(std::string_view name, std::string_view value) {
  return pb::bytes_field(1, pb::bytes_field(1, name) + pb::bytes_field(2, value));
}

TimeSeries rows_series() {
  TimeSeries series;
  series.labels = {{"__name__", "rows_total"}, {"job", "etl"}};
  series.family = std::make_shared<const FamilyMetadata>(
      FamilyMetadata{"rows_total", {exposition::MetricType::counter, "Rows.", ""}});
  series.samples.push_back({3, 1000, 500});
  return series;
}

TEST(WriteRequest, Version1SpellsOutLabelsAndSendsMetadataPerFamily) {
  const std::string sample = pb::bytes_field(2, pb::double_field(1, 3) + pb::uint_field(2, 1000));
  const std::string expected =
      pb::bytes_field(1, label("__name__", "rows_total") + label("job", "etl") + sample) +
      pb::bytes_field(3, pb::uint_field(1, 1) + pb::bytes_field(2, "rows_total") + pb::bytes_field(4, "Rows."));
  EXPECT_EQ(encode(Protocol::v1, {rows_series()}), expected);
}

TEST(WriteRequest, Version2ReferencesOneSymbolTableAndCarriesStartTimestamps) {
  std::string symbols;
  for (const char* symbol : {"", "__name__", "rows_total", "job", "etl", "Rows."}) symbols += pb::bytes_field(4, symbol);
  const std::string refs = pb::varint(1) + pb::varint(2) + pb::varint(3) + pb::varint(4);
  const std::string sample = pb::double_field(1, 3) + pb::uint_field(2, 1000) + pb::uint_field(3, 500);
  const std::string metadata = pb::uint_field(1, 1) + pb::uint_field(3, 5);
  const std::string expected =
      symbols + pb::bytes_field(5, pb::bytes_field(1, refs) + pb::bytes_field(2, sample) + pb::bytes_field(5, metadata));
  EXPECT_EQ(encode(Protocol::v2, {rows_series()}), expected);
}

TEST(WriteRequest, HeadersNameTheProtocol) {
  EXPECT_EQ(content_type(Protocol::v1), "application/x-protobuf");
  EXPECT_EQ(content_type(Protocol::v2), "application/x-protobuf;proto=io.prometheus.write.v2.Request");
  EXPECT_EQ(version_header(Protocol::v1), "0.1.0");
  EXPECT_EQ(version_header(Protocol::v2), "2.0.0");
}

TEST(WriteRequest, TheStaleMarkerIsPrometheusStaleNaN) {
  const double stale = stale_nan();
  std::uint64_t bits = 0;
  std::memcpy(&bits, &stale, sizeof bits);
  EXPECT_TRUE(std::isnan(stale));
  EXPECT_EQ(bits, 0x7ff0000000000002ULL);
}

std::vector<TimeSeries> flattened(std::string_view text, const exposition::Labels& target, bool stale = false) {
  auto families = exposition::parse_text(text);
  EXPECT_TRUE(families);
  std::vector<TimeSeries> out;
  for (const auto& family : *families) {
    if (stale) {
      append_stale_series(family, target, 7000, out);
    } else {
      append_series(family, target, 7000, out);
    }
  }
  return out;
}

std::string names_and_values(const std::vector<TimeSeries>& series) {
  std::string out;
  for (const auto& s : series) {
    for (const auto& l : s.labels) out += l.name + "=" + l.value + ",";
    out += " " + std::to_string(s.samples.at(0).value) + "\n";
  }
  return out;
}

TEST(Series, AClassicHistogramIsItsBucketsSumAndCountWithTheTargetLabelsAdded) {
  const auto series = flattened(
      "# TYPE d histogram\nd_bucket{flow=\"etl\",le=\"1\"} 2\nd_bucket{flow=\"etl\",le=\"+Inf\"} 3\n"
      "d_sum{flow=\"etl\"} 4.5\nd_count{flow=\"etl\"} 3\n",
      {{"job", "etl-job"}, {"instance", ""}});
  EXPECT_EQ(names_and_values(series),
            "__name__=d_bucket,flow=etl,job=etl-job,le=1, 2.000000\n"
            "__name__=d_bucket,flow=etl,job=etl-job,le=+Inf, 3.000000\n"
            "__name__=d_sum,flow=etl,job=etl-job, 4.500000\n"
            "__name__=d_count,flow=etl,job=etl-job, 3.000000\n");
  for (const auto& s : series) EXPECT_EQ(s.family->name, "d");
}

TEST(Series, APushedLabelIsKeptOverTheTargetsAsWithHonorLabels) {
  const auto series = flattened("# TYPE up gauge\nup{job=\"pushed\"} 1\n", {{"job", "group"}, {"cluster", "eu"}});
  EXPECT_EQ(names_and_values(series), "__name__=up,cluster=eu,job=pushed, 1.000000\n");
}

TEST(Series, StaleSeriesCarryStaleNaN) {
  const auto series = flattened("# TYPE s summary\ns{quantile=\"0.5\"} 1\ns_sum 2\ns_count 3\n", {}, true);
  ASSERT_EQ(series.size(), 3u);
  for (const auto& s : series) {
    std::uint64_t bits = 0;
    std::memcpy(&bits, &s.samples.at(0).value, sizeof bits);
    EXPECT_EQ(bits, kStaleNaNBits);
    EXPECT_EQ(s.samples.at(0).timestamp_ms, 7000);
  }
  EXPECT_EQ(series[0].labels, (exposition::Labels{{"__name__", "s"}, {"quantile", "0.5"}}));
}

}  // namespace
}  // namespace flowgate::remote_write
