// StoredFamily keeps only its text block when text carries the family exactly
// (pushgw/text_round_trip.hpp): every format, the model and a persistence
// round trip must read exactly as when the protobuf block is kept too.

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "exposition/model.hpp"
#include "exposition/writer.hpp"
#include "pushgw/group.hpp"
#include "pushgw/persistence/record_codec.hpp"
#include "pushgw/text_round_trip.hpp"
#include "store_testing.hpp"

namespace flowgate::pushgw {
namespace {

using exposition::Family;
using exposition::Format;
using exposition::Metric;
using exposition::MetricType;

constexpr double kInf = std::numeric_limits<double>::infinity();

Metric series(std::vector<exposition::Label> labels, double value) {
  Metric metric;
  metric.labels = std::move(labels);
  metric.value = value;
  return metric;
}

Metric histogram_series(std::vector<exposition::Label> labels, std::vector<double> bounds, double count) {
  Metric metric;
  metric.labels = std::move(labels);
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    metric.buckets.push_back({bounds[i], std::min(count, static_cast<double>(i * 3)), std::nullopt});
  }
  metric.sample_count = count;
  metric.sample_sum = count * 0.37;
  return metric;
}

// Families text carries exactly: every type, awkward values and label values.
std::vector<Family> carried_families() {
  std::vector<Family> out;
  const std::vector<exposition::Label> plain{{"instance", ""}, {"job", "j"}};
  const std::vector<exposition::Label> awkward{{"a", "quote \" back \\ line\nend"}, {"b", "ünïcödé ✓"}, {"c", ""}};
  for (const auto type : {MetricType::counter, MetricType::gauge, MetricType::untyped, MetricType::info,
                          MetricType::stateset}) {
    Family family{"fam_" + std::to_string(static_cast<int>(type)), "help", type, "", {}};
    const std::vector<double> values{0,       1,       -1.5,    1e300, 4.9e-324, 1700000000.5, kInf, -kInf,
                                     0.1 + 0.2, 123456.7, 1e21, std::numeric_limits<double>::quiet_NaN()};
    for (std::size_t i = 0; i < values.size(); ++i) {
      family.metrics.push_back(series({{"i", std::to_string(i)}, {"job", "x"}}, values[i]));
    }
    family.metrics.push_back(series(awkward, 7));
    family.metrics.push_back(series({}, 8));
    out.push_back(std::move(family));
  }
  for (const auto type : {MetricType::histogram, MetricType::gauge_histogram}) {
    Family family{"dur_seconds", "", type, "seconds", {}};
    family.metrics.push_back(histogram_series(plain, {0.05, 0.1, 1, 2.5, kInf}, 11));
    family.metrics.push_back(histogram_series(awkward, {-kInf, 0, kInf}, 0));
    family.metrics.push_back(histogram_series({}, {kInf}, 4));
    out.push_back(std::move(family));
  }
  Family summary{"rpc_seconds", "h", MetricType::summary, "", {}};
  for (const double count : {0.0, 5.0, 1e15}) {
    Metric metric = series({{"count", std::to_string(count)}}, 0);
    metric.quantiles = {{0.5, 1.25}, {0.9, std::numeric_limits<double>::quiet_NaN()}, {0.99, 3}};
    metric.sample_count = count;
    metric.sample_sum = -2.5;
    summary.metrics.push_back(std::move(metric));
  }
  out.push_back(std::move(summary));
  return out;
}

// Every block and the model of `lean` read as those of `full`.
void expect_same_reading(const StoredFamily& lean, const StoredFamily& full) {
  for (const auto format : {Format::text, Format::protobuf, Format::openmetrics}) {
    EXPECT_EQ(lean.block(format), full.block(format)) << lean.name << " format " << static_cast<int>(format);
  }
  EXPECT_TRUE(exposition::identical(lean.model(), full.model())) << lean.name;
  for (const auto escaping : {exposition::NameEscaping::underscores, exposition::NameEscaping::values}) {
    EXPECT_EQ(lean.escaped_block(Format::protobuf, escaping), full.escaped_block(Format::protobuf, escaping));
  }
}

TEST(StoredFamily, KeepsNoProtobufBlockWhenTextCarriesTheFamily) {
  for (const auto& family : carried_families()) {
    ASSERT_TRUE(text_round_trips(family, true)) << family.name;
    const auto stored = store_family(family, 1);
    EXPECT_TRUE(stored->protobuf_block.empty()) << family.name;
    EXPECT_FALSE(stored->text_block.empty()) << family.name;
  }
}

TEST(StoredFamily, ReadsInEveryFormatAsWhenTheProtobufBlockIsKept) {
  for (const auto& family : carried_families()) {
    const auto lean = store_family(family, 1);
    const auto full = store_family(family, 1, ProtobufBlock::always);
    ASSERT_FALSE(full->protobuf_block.empty());
    expect_same_reading(*lean, *full);
  }
}

TEST(StoredFamily, ModelReadFromTextIsTheStoredFamily) {
  for (const auto& family : carried_families()) {
    Family expected = family;
    for (auto& metric : expected.metrics) metric.float_counts = false;
    EXPECT_TRUE(exposition::identical(store_family(family, 1)->model(), expected)) << family.name;
  }
}

TEST(StoredFamily, ReadsTheSameAfterAPushedTextBody) {
  const auto families = testing::text(
      "# TYPE t_seconds histogram\n"
      "t_seconds_bucket{task=\"a\",le=\"0.5\"} 1\nt_seconds_bucket{task=\"a\",le=\"+Inf\"} 2\n"
      "t_seconds_sum{task=\"a\"} 0.75\nt_seconds_count{task=\"a\"} 2\n"
      "# TYPE done_total counter\ndone_total{code=\"200\"} 3\n");
  auto candidate = build_candidate(testing::key("job/j/instance/i"), families, 5, true,
                                   exposition::NameValidation::legacy);
  ASSERT_TRUE(candidate);
  for (const auto& stored : candidate->families) {
    EXPECT_TRUE(stored->protobuf_block.empty()) << stored->name;
    expect_same_reading(*stored, *store_family(stored->model(), 5, ProtobufBlock::always));
  }
  EXPECT_TRUE(candidate->push_time->protobuf_block.empty());
}

// What text cannot carry keeps the protobuf block; each case one reason.
TEST(StoredFamily, KeepsTheProtobufBlockWhenTextWouldLoseSomething) {
  std::vector<Family> lossy;
  const auto gauge = [](Metric metric) { return Family{"g", "", MetricType::gauge, "", {std::move(metric)}}; };
  lossy.push_back(gauge(series({}, -0.0)));
  lossy.push_back(gauge(series({}, -std::numeric_limits<double>::quiet_NaN())));
  Metric stamped = series({}, 1);
  stamped.timestamp_ms = 5;
  lossy.push_back(gauge(stamped));
  lossy.push_back(gauge(series({{"__reserved", "x"}}, 1)));
  lossy.push_back(gauge(series({{"dotted.name", "x"}}, 1)));
  lossy.push_back(Family{"dotted.family", "", MetricType::gauge, "", {series({}, 1)}});
  Metric exemplar = series({}, 1);
  exemplar.exemplars.push_back({{{"trace", "t"}}, 1, std::nullopt});
  lossy.push_back(Family{"c_total", "", MetricType::counter, "", {exemplar}});
  lossy.push_back(Family{"h", "", MetricType::histogram, "", {histogram_series({}, {0.5, 1}, 3)}});  // no +Inf
  Metric fractional = histogram_series({}, {0.5, kInf}, 3);
  fractional.buckets[0].cumulative_count = 0.5;
  lossy.push_back(Family{"h", "", MetricType::histogram, "", {fractional}});
  Metric native = histogram_series({}, {kInf}, 3);
  native.native.emplace();
  lossy.push_back(Family{"h", "", MetricType::histogram, "", {native}});
  lossy.push_back(Family{"h", "", MetricType::histogram, "", {histogram_series({{"le", "1"}}, {kInf}, 3)}});
  Metric unordered = series({}, 0);
  unordered.quantiles = {{0.9, 1}, {0.5, 2}};
  lossy.push_back(Family{"s", "", MetricType::summary, "", {unordered}});
  for (const auto& family : lossy) {
    const auto stored = store_family(family, 1);
    EXPECT_FALSE(stored->protobuf_block.empty()) << exposition::write(Format::text, {family});
  }
  EXPECT_FALSE(text_round_trips(Family{"g", "", MetricType::gauge, "", {series({}, 1), series({}, 2)}}, false));
}

TEST(StoredFamily, ReadsTheSameAfterAPersistenceRoundTrip) {
  std::vector<FamilyPtr> families;
  for (const auto& family : carried_families()) families.push_back(store_family(family, 1));
  persistence::Encoder out;
  encode_group_body(testing::key("job/j"), 1, 0, families, out);
  persistence::Decoder in(out.bytes());
  const auto body = persistence::decode_group_body(in);
  ASSERT_TRUE(body);
  ASSERT_EQ(body->families.size(), families.size());
  for (std::size_t i = 0; i < families.size(); ++i) {
    EXPECT_TRUE(body->families[i]->protobuf_block.empty());
    expect_same_reading(*body->families[i], *families[i]);
  }
}

}  // namespace
}  // namespace flowgate::pushgw
