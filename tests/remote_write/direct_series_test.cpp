// The short way (DirectWriter: stored protobuf samples straight to remote
// write 1.0 bytes) against the long way (the model, append_series, external
// labels, encode): the same family gives the same bytes, and what the short
// way does not take it leaves alone.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "exposition/text_parser.hpp"
#include "exposition/assembler.hpp"
#include "pushgw/group.hpp"
#include "remote_write/direct_series.hpp"
#include "remote_write/series.hpp"

namespace flowgate::remote_write {
namespace {

constexpr std::int64_t kAt = 1'700'000'000'123;

pushgw::FamilyPtr stored(std::string_view text) {
  auto families = exposition::parse_text(text);
  EXPECT_TRUE(families && families->size() == 1) << text;
  return pushgw::store_family(families->front(), 1.0);
}

FamilyView view_of(const pushgw::StoredFamily& family) {
  return {family.name, family.type, family.help, family.unit};
}

// The long way, as a destination's queue did it: the series, the external
// labels added where a series lacks them, sorted, encoded.
std::string long_way(const pushgw::StoredFamily& family, const exposition::Labels& external) {
  std::vector<TimeSeries> series;
  append_series(family.model(), {}, kAt, series);
  for (auto& one : series) {
    for (const auto& label : external) {
      const bool has = std::any_of(one.labels.begin(), one.labels.end(), [&](const auto& l) { return l.name == label.name; });
      if (!has) one.labels.push_back(label);
    }
    std::sort(one.labels.begin(), one.labels.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  }
  return encode(Protocol::v1, series);
}

// From the protobuf samples (rendered from the text when the store kept
// only that), or from the text lines.
enum class From { protobuf, text };

std::string short_way(const pushgw::StoredFamily& family, const exposition::Labels& external, From from) {
  NewestSent newest;
  DirectWriter writer(external, 1'000'000, newest);
  if (from == From::text) {
    EXPECT_TRUE(writer.append_text_family(view_of(family), family.text_block, kAt));
  } else {
    EXPECT_TRUE(writer.append_family(view_of(family), family.block(exposition::Format::protobuf), kAt));
  }
  auto batches = writer.take_batches();
  EXPECT_EQ(batches.size(), 1U);
  return batches.empty() ? std::string() : batches.front().body;
}

class DirectSeriesSameBytes : public ::testing::TestWithParam<const char*> {};

TEST_P(DirectSeriesSameBytes, AsTheModelAndTheEncoder) {
  const auto family = stored(GetParam());
  for (const exposition::Labels& external :
       {exposition::Labels{}, exposition::Labels{{"cluster", "eu-1"}, {"job", "ignored-when-present"}}}) {
    EXPECT_EQ(short_way(*family, external, From::protobuf), long_way(*family, external)) << GetParam();
    EXPECT_EQ(short_way(*family, external, From::text), long_way(*family, external)) << GetParam();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Families, DirectSeriesSameBytes,
    ::testing::Values(
        "# HELP rows_total Rows loaded.\n# TYPE rows_total counter\nrows_total{job=\"etl\",instance=\"a\"} 42\n"
        "rows_total{job=\"etl\",instance=\"b\"} 7\n",
        "# TYPE queue_depth gauge\nqueue_depth{job=\"s\",empty=\"\",zone=\"z\"} -3.5\nqueue_depth 0\n",
        "legacy_untyped{a=\"1\"} NaN\nlegacy_untyped{a=\"2\"} +Inf\n",
        "# TYPE latency summary\nlatency{job=\"j\",quantile=\"0.5\"} 0.2\nlatency{job=\"j\",quantile=\"0.99\"} 1.5\n"
        "latency_sum{job=\"j\"} 12\nlatency_count{job=\"j\"} 40\n",
        "# HELP d Durations.\n# TYPE d histogram\nd_bucket{flow=\"etl\",le=\"0.005\"} 1\nd_bucket{flow=\"etl\",le=\"1\"} 2\n"
        "d_bucket{flow=\"etl\",le=\"+Inf\"} 3\nd_sum{flow=\"etl\"} 4.5\nd_count{flow=\"etl\"} 3\n",
        "# TYPE no_inf histogram\nno_inf_bucket{le=\"10\"} 5\nno_inf_sum 30\nno_inf_count 6\n",
        "# TYPE bytes gauge\n# UNIT bytes bytes\nbytes{path=\"/tmp\"} 1e+09\n"));

TEST(DirectSeries, LeavesFamiliesWithExemplarsToTheLongWay) {
  auto families = exposition::parse_text("# TYPE c_total counter\nc_total 1\n");
  ASSERT_TRUE(families);
  auto family = families->front();
  family.metrics.front().exemplars.push_back({{{"trace_id", "abc"}}, 1, std::nullopt});
  const auto with_exemplar = pushgw::store_family(family, 1.0);
  NewestSent newest;
  DirectWriter writer({}, 100, newest);
  EXPECT_FALSE(writer.append_family(view_of(*with_exemplar), with_exemplar->block(exposition::Format::protobuf), kAt));
  EXPECT_TRUE(writer.take_batches().empty());
  EXPECT_EQ(writer.take_dropped(), 0U);
}

TEST(DirectSeries, LeavesTextLinesItDoesNotReadToTheLongWay) {
  const FamilyView gauge{"g", exposition::MetricType::gauge, "", ""};
  NewestSent newest;
  DirectWriter writer({}, 100, newest);
  for (const char* lines : {"g{a=\"x\\\"y\"} 1\n", "g 1 1700000000000\n", "{\"g\"} 1\n", "other 1\n", "g{a=\"1\"} 1",
                            "g{a=\"1\" 1\n", "g not-a-number\n"}) {
    EXPECT_FALSE(writer.append_text_family(gauge, lines, kAt)) << lines;
  }
  EXPECT_TRUE(writer.take_batches().empty());
  EXPECT_TRUE(writer.append_text_family(gauge, "g{a=\"1\",b=\"\"} 1\ng 2\n", kAt));
  EXPECT_EQ(writer.take_batches().at(0).samples, 2U);
}

TEST(DirectSeries, CutsBatchesAtTheSampleLimitEachWithItsFamiliesMetadata) {
  const auto family = stored("# TYPE d histogram\nd_bucket{le=\"1\"} 2\nd_bucket{le=\"+Inf\"} 3\nd_sum 4\nd_count 3\n");
  NewestSent newest;
  DirectWriter writer({}, 3, newest);
  ASSERT_TRUE(writer.append_family(view_of(*family), family->block(exposition::Format::protobuf), kAt));
  const auto batches = writer.take_batches();
  ASSERT_EQ(batches.size(), 2U);
  EXPECT_EQ(batches[0].samples, 3U);
  EXPECT_EQ(batches[1].samples, 1U);
  for (const auto& batch : batches) {
    EXPECT_NE(batch.body.find("d"), std::string::npos);
    // a MetricMetadata (field 3) naming the family closes each batch
    const std::string metadata_tail = std::string("\x12\x01") + "d";
    EXPECT_NE(batch.body.find(metadata_tail), std::string::npos);
    EXPECT_EQ(batch.newest_ms, kAt);
  }
}

TEST(DirectSeries, DropsSamplesNotNewerThanOneSentForTheirSeries) {
  const auto family = stored("# TYPE g gauge\ng{a=\"1\"} 1\ng{a=\"2\"} 2\n");
  NewestSent newest;
  DirectWriter writer({}, 100, newest);
  ASSERT_TRUE(writer.append_family(view_of(*family), family->block(exposition::Format::protobuf), kAt));
  ASSERT_TRUE(writer.append_family(view_of(*family), family->block(exposition::Format::protobuf), kAt));  // the same time again
  ASSERT_TRUE(writer.append_family(view_of(*family), family->block(exposition::Format::protobuf), kAt + 1));
  const auto batches = writer.take_batches();
  ASSERT_EQ(batches.size(), 1U);
  EXPECT_EQ(batches[0].samples, 4U);
  EXPECT_EQ(writer.take_dropped(), 2U);
  // the long way's series for the same labels are the same series
  std::vector<TimeSeries> series;
  append_series(family->model(), {}, kAt + 1, series);
  EXPECT_EQ(newest.filter(series), 2U);
  EXPECT_TRUE(series.empty());
}

TEST(DirectSeries, ReadsAFamilyOfAProtobufScrapeBodyInPlace) {
  const auto family = stored("# TYPE rows_total counter\nrows_total{job=\"etl\"} 42\n");
  const std::string body = [&] {
    const std::array<exposition::FamilyBlocks, 1> blocks{exposition::FamilyBlocks{family->header(), {family->block(exposition::Format::protobuf)}}};
    const auto assembled = exposition::assemble(exposition::Format::protobuf, blocks);
    std::string out;
    for (const auto piece : assembled.pieces) out += piece;
    return out;
  }();
  // the MetricFamily message: skip its length prefix
  std::size_t at = 0;
  while (static_cast<unsigned char>(body[at]) & 0x80) ++at;
  const std::string_view message = std::string_view(body).substr(at + 1);
  NewestSent newest;
  DirectWriter writer({}, 100, newest);
  ASSERT_TRUE(writer.append_family(view_of(*family), message, kAt));
  const auto batches = writer.take_batches();
  ASSERT_EQ(batches.size(), 1U);
  EXPECT_EQ(batches[0].body, long_way(*family, {}));
}

}  // namespace
}  // namespace flowgate::remote_write
