// parse_text(write(text, x)) gives x back, over generated families of every
// type. Two documented exceptions, both from text 0.0.4 itself: -0 is written
// "0" (as Go writes it), and a gauge histogram is typed "histogram".

#include <gtest/gtest.h>

#include <cmath>

#include "exposition/text_parser.hpp"
#include "exposition/writer.hpp"
#include "tests/support/family_generator.hpp"

namespace flowgate::exposition {
namespace {

void positive_zero(double& value) {
  if (value == 0) value = 0;
}

// What text 0.0.4 can say about `families`.
Families as_text_sees_it(Families families) {
  for (Family& family : families) {
    if (family.type == MetricType::gauge_histogram) family.type = MetricType::histogram;
    for (Metric& metric : family.metrics) {
      positive_zero(metric.value);
      positive_zero(metric.sample_sum);
      for (Quantile& quantile : metric.quantiles) {
        positive_zero(quantile.quantile);
        positive_zero(quantile.value);
      }
      for (Bucket& bucket : metric.buckets) positive_zero(bucket.upper_bound);
    }
  }
  return families;
}

class TextRoundTrip : public testing::TestWithParam<std::uint64_t> {};

TEST_P(TextRoundTrip, ParseOfWriteGivesTheFamiliesBack) {
  const Families families = test_support::generate_families(GetParam(), 250);
  const std::string text = write(Format::text, families);
  const auto parsed = parse_text(text);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().describe();
  const Families expected = as_text_sees_it(families);
  ASSERT_EQ(parsed->size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_TRUE(identical((*parsed)[i], expected[i])) << "family " << i << " " << expected[i].name << "\n"
                                                      << write(Format::text, {expected[i]}) << "came back as\n"
                                                      << write(Format::text, {(*parsed)[i]});
  }
}

// 4 seeds x 250 families.
INSTANTIATE_TEST_SUITE_P(Seeds, TextRoundTrip, testing::Values(1u, 2u, 3u, 20261123u));

TEST(TextRoundTrip, NegativeZeroIsWrittenAsZero) {
  Family family{"z", "", MetricType::gauge, "", {}};
  family.metrics.emplace_back().value = -0.0;
  EXPECT_EQ(write(Format::text, {family}), "# TYPE z gauge\nz 0\n");
}

TEST(TextRoundTrip, GeneratedFamiliesHaveEveryType) {
  const Families families = test_support::generate_families(1, 250);
  for (const MetricType type : {MetricType::counter, MetricType::gauge, MetricType::untyped, MetricType::summary,
                                MetricType::histogram, MetricType::gauge_histogram}) {
    EXPECT_TRUE(std::any_of(families.begin(), families.end(), [&](const Family& f) { return f.type == type; }))
        << type_name(type);
  }
}

TEST(TextRoundTrip, GeneratorIsDeterministic) {
  EXPECT_TRUE(identical(test_support::generate_families(7, 50), test_support::generate_families(7, 50)));
  EXPECT_FALSE(identical(test_support::generate_families(7, 50), test_support::generate_families(8, 50)));
}

}  // namespace
}  // namespace flowgate::exposition
