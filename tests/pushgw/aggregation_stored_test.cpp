// aggregate_stored, which reads a stored counter, gauge or untyped family
// straight from its protobuf block, against aggregate_family on the family
// re-parsed into the model (the reference): the same totals, series for
// series, in every case, including those where it falls back to the model;
// and take_back, which gives the push the labels the totals borrowed.

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "exposition/model.hpp"
#include "exposition/writer.hpp"
#include "pushgw/aggregation.hpp"
#include "pushgw/group.hpp"
#include "tests/pushgw/store_testing.hpp"

namespace flowgate::pushgw {
namespace {

using exposition::Family;

// The first family of `body` with its labels sanitized for job="etl", as the store holds and adds them.
Family sanitized(std::string_view body) {
  auto families = testing::text(body);
  EXPECT_FALSE(families.empty());
  if (families.empty()) return {};
  Family family = std::move(families.front());
  for (auto& series : family.metrics) sanitize_labels(testing::key("job/etl"), series.labels);
  return family;
}

// The samples of `family` in text 0.0.4, for messages.
std::string samples(const Family& family) {
  std::string out;
  exposition::write_samples(exposition::Format::text, family, out);
  return out;
}

// Both ways of adding `pushed` onto `stored` (stored as the store keeps it),
// which must agree; and the push whole again once its lent labels are back.
void expect_same_totals(const Family& stored, const Family& pushed, const AggregationRules& rules = {}) {
  const FamilyPtr kept = store_family(stored, 100);
  const auto reference = aggregate_family(kept->model(), pushed, rules);
  Family lending = pushed;
  LentLabels lent;
  const auto fast = aggregate_stored(kept.get(), lending, rules, lent);
  take_back(*kept, lending, lent);
  EXPECT_TRUE(exposition::identical(lending, pushed)) << samples(lending) << "---\n" << samples(pushed);
  ASSERT_EQ(reference.has_value(), fast.has_value());
  if (!reference) {
    EXPECT_EQ(reference.error().message, fast.error().message);
    return;
  }
  EXPECT_TRUE(exposition::identical(*reference, *fast))
      << samples(*reference) << "---\n" << samples(*fast);
}

TEST(AggregationStored, AddsCountersInAnyOrderKeepingSeriesNotPushedAndAppendingNewOnes) {
  const Family stored = sanitized("# TYPE c counter\nc{s=\"a\"} 1\nc{s=\"b\"} 2\nc{s=\"c\"} 3\nc{s=\"d\"} 4\n");
  expect_same_totals(stored, sanitized("# TYPE c counter\nc{s=\"a\"} 10\nc{s=\"b\"} 20\n"
                                       "c{s=\"c\"} 30\nc{s=\"d\"} 40\n"));
  expect_same_totals(stored, sanitized("# TYPE c counter\nc{s=\"d\"} 40\nc{s=\"a\"} 10\n"
                                       "c{s=\"e\"} 50\nc{s=\"b\"} 5\n"));
  expect_same_totals(stored, sanitized("# TYPE c counter\nc{s=\"z\"} 1\nc{s=\"y\"} 2\n"));
  expect_same_totals(stored, sanitized("# TYPE c counter\nc{s=\"c\"} 1\n"));
}

TEST(AggregationStored, AddsASeriesPushedOrStoredTwiceAsTheModelDoes) {
  const Family stored = sanitized("# TYPE c counter\nc{s=\"a\"} 1\n");
  Family pushed = sanitized("# TYPE c counter\nc{s=\"a\"} 2\nc{s=\"n\"} 3\n");
  pushed.metrics.push_back(pushed.metrics[0]);  // parsers refuse a repeated series; the API does not
  pushed.metrics.push_back(pushed.metrics[1]);
  expect_same_totals(stored, pushed);
  Family doubled = stored;  // a store with the consistency check off can hold a series twice
  doubled.metrics.push_back(doubled.metrics[0]);
  expect_same_totals(doubled, pushed);
}

TEST(AggregationStored, FollowsTheGaugeRuleAndKeepsTheStoredHelpUnlessPushed) {
  const Family stored = sanitized("# HELP g Stored.\n# TYPE g gauge\ng{s=\"a\"} 5\ng{s=\"b\"} -1\n");
  const Family pushed = sanitized("# TYPE g gauge\ng{s=\"b\"} 7\ng{s=\"a\"} 2\n");
  for (const char* rule : {"last", "sum", "max", "min"}) {
    const auto rules = parse_aggregation_rules(rule);
    ASSERT_TRUE(rules);
    expect_same_totals(stored, pushed, *rules);
  }
  expect_same_totals(stored, sanitized("# HELP g Pushed.\n# TYPE g gauge\ng{s=\"a\"} 1\n"));
  expect_same_totals(sanitized("# TYPE u untyped\nu{s=\"a\"} 5\n"), sanitized("# TYPE u untyped\nu{s=\"a\"} 6\n"));
}

TEST(AggregationStored, AgreesOnExemplarsUtf8AndOtherBytesAndManySeries) {
  Family stored = sanitized("# TYPE c counter\nc{s=\"\xc3\xa9t\xc3\xa9\"} 1\nc{s=\"b\"} 2\n");
  Family pushed = sanitized("# TYPE c counter\nc{s=\"b\"} 1\nc{s=\"\xc3\xa9t\xc3\xa9\"} 1\n");
  pushed.metrics[0].exemplars.push_back({{{"trace_id", "abc"}}, 1, std::nullopt});
  expect_same_totals(stored, pushed);

  Family odd = pushed;  // bytes no parser lets through, which series_key reads as separators
  odd.metrics[0].labels.back().value = "b\xff";
  odd.metrics.push_back(odd.metrics[0]);
  odd.metrics.back().labels.back().value = "b\xfe";
  expect_same_totals(stored, odd);

  stored.metrics[1].exemplars.push_back({{{"trace_id", "old"}}, 2, std::nullopt});  // read back through the model
  expect_same_totals(stored, pushed);

  std::string many = "# TYPE c counter\n";
  std::string reversed = "# TYPE c counter\n";
  for (int i = 0; i < 300; ++i) many += "c{s=\"" + std::to_string(i) + "\",long_label_name_over_eight_bytes=\"v\"} 1\n";
  for (int i = 320; i-- > 0;) {
    reversed += "c{s=\"" + std::to_string(i) + "\",long_label_name_over_eight_bytes=\"v\"} 2\n";
  }
  expect_same_totals(sanitized(many), sanitized(reversed));
}

TEST(AggregationStored, RefusesAsTheModelDoes) {
  const Family stored = sanitized("# TYPE c counter\nc{s=\"a\"} 1\n");
  expect_same_totals(stored, sanitized("# TYPE c counter\nc{s=\"a\"} -1\n"));
  expect_same_totals(stored, sanitized("# TYPE c gauge\nc{s=\"a\"} 1\n"));
  expect_same_totals(sanitized("# TYPE s summary\ns_sum{s=\"a\"} 1\ns_count{s=\"a\"} 1\n"),
                     sanitized("# TYPE s summary\ns_sum{s=\"a\"} 2\ns_count{s=\"a\"} 1\n"));
}

}  // namespace
}  // namespace flowgate::pushgw
