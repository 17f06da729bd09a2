// Aggregating pushes: the rules of pushgw/aggregation.hpp through
// GroupStore::aggregate, the refusals that change nothing, concurrent
// aggregating pushes, and the totals surviving a replay of the log.

#include <gtest/gtest.h>

#include <limits>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "pushgw/aggregation.hpp"
#include "pushgw/group_store.hpp"
#include "pushgw/snapshot.hpp"
#include "tests/pushgw/store_testing.hpp"

namespace flowgate::pushgw {
namespace {

using testing::key;
using testing::scrape;
using testing::text;

boost::system::result<CommitTicket, PushError> add(GroupStore& store, std::string_view body,
                                                   const AggregationRules& rules = {}, std::string_view path = "job/etl") {
  return store.aggregate(key(path), text(body), rules, 100);
}

bool has_line(const GroupStore& store, std::string_view line) {
  return scrape(store).find(std::string(line) + "\n") != std::string::npos;
}

TEST(Aggregation, CountersAddUpAndSeriesNotPushedAreKept) {
  GroupStore store({});
  ASSERT_TRUE(add(store, "# TYPE pages counter\npages{site=\"a\"} 37\npages{site=\"b\"} 1\n"));
  ASSERT_TRUE(add(store, "# TYPE pages counter\npages{site=\"a\"} 5\n"));
  EXPECT_TRUE(has_line(store, "pages{instance=\"\",job=\"etl\",site=\"a\"} 42")) << scrape(store);
  EXPECT_TRUE(has_line(store, "pages{instance=\"\",job=\"etl\",site=\"b\"} 1"));
}

TEST(Aggregation, ANegativeIncrementIsRefusedAndChangesNothing) {
  GroupStore store({});
  ASSERT_TRUE(add(store, "# TYPE pages counter\npages 3\n"));
  const std::string before = scrape(store);
  auto refused = add(store, "# TYPE pages counter\npages -1\n");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, PushErrorKind::inconsistent);
  EXPECT_NE(refused.error().message.find("rule aggregate-negative-increment"), std::string::npos)
      << refused.error().message;
  EXPECT_EQ(scrape(store), before);
}

TEST(Aggregation, ClassicHistogramsAddBucketByBucketAndKeepOneLayout) {
  GroupStore store({});
  const char* body = "# TYPE d histogram\nd_bucket{le=\"1\"} 1\nd_bucket{le=\"+Inf\"} 2\nd_sum 3\nd_count 2\n";
  ASSERT_TRUE(add(store, body));
  ASSERT_TRUE(add(store, body));
  EXPECT_TRUE(has_line(store, "d_bucket{instance=\"\",job=\"etl\",le=\"1\"} 2")) << scrape(store);
  EXPECT_TRUE(has_line(store, "d_bucket{instance=\"\",job=\"etl\",le=\"+Inf\"} 4"));
  EXPECT_TRUE(has_line(store, "d_sum{instance=\"\",job=\"etl\"} 6"));
  EXPECT_TRUE(has_line(store, "d_count{instance=\"\",job=\"etl\"} 4"));
  auto other = add(store, "# TYPE d histogram\nd_bucket{le=\"2\"} 1\nd_bucket{le=\"+Inf\"} 1\nd_sum 1\nd_count 1\n");
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().message.find("rule aggregate-bucket-layout"), std::string::npos) << other.error().message;
}

TEST(Aggregation, NativeHistogramsAddAtTheCoarserSchema) {
  exposition::Family fine{"h", "", exposition::MetricType::histogram, "", {}};
  exposition::Metric m;
  m.sample_count = 2;
  m.sample_sum = 3;
  exposition::NativeHistogram native;
  native.schema = 1;
  native.positive_spans = {{1, 2}};   // indices 1 and 2 at schema 1
  native.positive_deltas = {1, 0};    // counts 1, 1
  m.native = native;
  fine.metrics.push_back(m);
  exposition::Family coarse = fine;
  auto& c = *coarse.metrics[0].native;
  c.schema = 0;
  c.positive_spans = {{1, 1}};  // index 1 at schema 0: indices 1 and 2 at schema 1
  c.positive_deltas = {5};
  auto total = aggregate_family(fine, coarse, {});
  ASSERT_TRUE(total) << total.error().message;
  const auto& sum = *total->metrics[0].native;
  EXPECT_EQ(sum.schema, 0);
  EXPECT_EQ(sum.positive_spans, (std::vector<exposition::BucketSpan>{{1, 1}}));
  EXPECT_EQ(sum.positive_deltas, (std::vector<std::int64_t>{7}));
  EXPECT_EQ(total->metrics[0].sample_count, 4);
}

// A histogram family "h" with one series: native (schema 0, one bucket) with
// `zero_threshold`, or classic (one +Inf bucket) when it is negative.
exposition::Families histogram_push(double zero_threshold) {
  exposition::Family family{"h", "", exposition::MetricType::histogram, "", {}};
  exposition::Metric series;
  series.sample_count = 1;
  series.sample_sum = 2;
  if (zero_threshold < 0) {
    series.buckets = {{std::numeric_limits<double>::infinity(), 1, std::nullopt}};
  } else {
    exposition::NativeHistogram native;
    native.zero_threshold = zero_threshold;
    native.positive_spans = {{1, 1}};
    native.positive_deltas = {1};
    series.native = native;
  }
  family.metrics.push_back(series);
  return {family};
}

TEST(Aggregation, NativeHistogramsOfAnotherZeroThresholdOrAClassicOneAreRefusedAndChangeNothing) {
  GroupStore store({});
  ASSERT_TRUE(store.aggregate(key("job/etl"), histogram_push(0.001), {}, 100));
  // The protobuf scrape: the text one does not show native buckets.
  const std::string before = scrape(*store.snapshot(), exposition::Format::protobuf);
  auto threshold = store.aggregate(key("job/etl"), histogram_push(0.01), {}, 101);
  ASSERT_FALSE(threshold);
  EXPECT_EQ(threshold.error().kind, PushErrorKind::inconsistent);
  EXPECT_EQ(threshold.error().message,
            "family \"h\": series h{instance=\"\",job=\"etl\"} has zero threshold 0.010000 where the stored one has "
            "0.001000 (rule aggregate-zero-threshold)");
  auto classic = store.aggregate(key("job/etl"), histogram_push(-1), {}, 102);
  ASSERT_FALSE(classic);
  EXPECT_EQ(classic.error().message,
            "family \"h\": series h{instance=\"\",job=\"etl\"} mixes a native with a classic histogram (rule "
            "aggregate-histogram-kind)");
  EXPECT_EQ(scrape(*store.snapshot(), exposition::Format::protobuf), before);
}

TEST(Aggregation, SummariesAddSumAndCountAndRefuseQuantiles) {
  GroupStore store({});
  ASSERT_TRUE(add(store, "# TYPE s summary\ns_sum 2\ns_count 1\n"));
  ASSERT_TRUE(add(store, "# TYPE s summary\ns_sum 3\ns_count 2\n"));
  EXPECT_TRUE(has_line(store, "s_sum{instance=\"\",job=\"etl\"} 5")) << scrape(store);
  EXPECT_TRUE(has_line(store, "s_count{instance=\"\",job=\"etl\"} 3"));
  auto quantiles = add(store, "# TYPE s summary\ns{quantile=\"0.5\"} 1\ns_sum 3\ns_count 2\n");
  ASSERT_FALSE(quantiles);
  EXPECT_NE(quantiles.error().message.find("rule aggregate-summary-quantiles"), std::string::npos);
}

TEST(Aggregation, GaugesFollowTheirRuleLastByDefault) {
  auto rules = parse_aggregation_rules("max, workers = sum");
  ASSERT_TRUE(rules) << rules.error();
  GroupStore store({});
  for (const char* value : {"5", "3"}) {
    const std::string body = std::string("# TYPE peak gauge\npeak ") + value + "\n# TYPE workers gauge\nworkers " + value +
                             "\n";
    ASSERT_TRUE(add(store, body, *rules));
    ASSERT_TRUE(add(store, std::string("# TYPE level gauge\nlevel ") + value + "\n", {}, "job/other"));
  }
  EXPECT_TRUE(has_line(store, "peak{instance=\"\",job=\"etl\"} 5")) << scrape(store);
  EXPECT_TRUE(has_line(store, "workers{instance=\"\",job=\"etl\"} 8"));
  EXPECT_TRUE(has_line(store, "level{instance=\"\",job=\"other\"} 3"));
  EXPECT_FALSE(parse_aggregation_rules("avg"));
  EXPECT_EQ(parse_aggregation_rules("x=median").error(), "gauge aggregation \"x=median\": expected last, sum, max or min");
}

TEST(Aggregation, ATypeChangeIsRefused) {
  GroupStore store({});
  ASSERT_TRUE(add(store, "# TYPE pages counter\npages 1\n"));
  auto changed = add(store, "# TYPE pages gauge\npages 1\n");
  ASSERT_FALSE(changed);
  EXPECT_NE(changed.error().message.find("is pushed as a gauge but the group holds a counter (rule aggregate-type-change)"),
            std::string::npos)
      << changed.error().message;
}

TEST(Aggregation, ARetryWithTheSameIdempotencyKeyAddsNothingWithinTheWindow) {
  GroupStore store({});
  const Idempotency first{"task-7-try", 600};
  const auto push = [&](double now, const Idempotency& idempotency) {
    return store.aggregate(key("job/etl"), text("# TYPE pages counter\npages 5\n"), {}, now, idempotency);
  };
  ASSERT_TRUE(push(100, first));
  ASSERT_TRUE(push(160, first));  // the client's retry after a lost reply
  EXPECT_TRUE(has_line(store, "pages{instance=\"\",job=\"etl\"} 5")) << scrape(store);
  EXPECT_TRUE(has_line(store, "push_time_seconds{instance=\"\",job=\"etl\"} 100")) << "the repeat changed nothing";
  ASSERT_TRUE(push(170, {"task-8", 600}));
  EXPECT_TRUE(has_line(store, "pages{instance=\"\",job=\"etl\"} 10"));
  ASSERT_TRUE(push(800, first));  // past the window: a new push
  EXPECT_TRUE(has_line(store, "pages{instance=\"\",job=\"etl\"} 15"));
  const auto& keys = store.snapshot()->groups().at(0)->state->idempotency_keys;
  EXPECT_EQ(keys.size(), 1u) << "keys older than the window are forgotten";
}

TEST(Aggregation, AGroupRemembersABoundedNumberOfIdempotencyKeysOldestFirstOut) {
  GroupStore store({});
  for (std::size_t i = 0; i <= kMaxIdempotencyKeysPerGroup; ++i) {
    ASSERT_TRUE(store.aggregate(key("job/etl"), text("# TYPE pages counter\npages 1\n"), {},
                                100 + static_cast<double>(i), {"k" + std::to_string(i), 3600}));
  }
  const auto& keys = store.snapshot()->groups().at(0)->state->idempotency_keys;
  EXPECT_EQ(keys.size(), kMaxIdempotencyKeysPerGroup);
  EXPECT_FALSE(keys.contains("k0"));
  EXPECT_TRUE(keys.contains("k1"));
  EXPECT_TRUE(keys.contains("k" + std::to_string(kMaxIdempotencyKeysPerGroup)));
}

TEST(Aggregation, ConcurrentAggregatingPushesLoseNoIncrement) {
  GroupStore store({});
  constexpr int kThreads = 4;
  constexpr int kPushes = 250;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&store] {
      for (int i = 0; i < kPushes; ++i) ASSERT_TRUE(add(store, "# TYPE pages counter\npages 1\n"));
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_TRUE(has_line(store, "pages{instance=\"\",job=\"etl\"} " + std::to_string(kThreads * kPushes)))
      << scrape(store);
}

}  // namespace
}  // namespace flowgate::pushgw
