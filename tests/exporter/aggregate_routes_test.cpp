// /aggregate/metrics/…: pushes that add up, through the real route table,
// with the gauge rule header; plain /metrics/ pushes are unchanged.

#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "pushgw/snapshot.hpp"
#include "tests/exporter/route_fixture.hpp"

namespace flowgate::exporter {
namespace {

using testing::body_of;
using testing::flags_of;
using testing::RouteFixture;

Reply aggregate(const RouteFixture& fixture, std::string_view method, std::string_view body,
                std::string_view gauge_rule = {}, std::string_view idempotency_key = {},
                std::string_view target = "/aggregate/metrics/job/scraper") {
  Request request;
  request.method = method;
  request.target = target;
  request.idempotency_key = idempotency_key;
  request.body = body;
  request.gauge_aggregation = gauge_rule;
  request.received_at = 1'700'000'000;
  return fixture.dispatcher.dispatch(request).reply;
}

TEST(AggregateRoutes, PutAndPostBothAddAndTheGaugeRuleComesFromTheHeader) {
  RouteFixture fixture(flags_of({}));
  EXPECT_EQ(aggregate(fixture, "PUT", "# TYPE pages counter\npages 37\n# TYPE busy gauge\nbusy 3\n", "max").status, 200);
  EXPECT_EQ(aggregate(fixture, "POST", "# TYPE pages counter\npages 5\n# TYPE busy gauge\nbusy 2\n", "max").status, 200);
  const std::string scrape = body_of(fixture.send("GET", "/metrics").reply);
  EXPECT_NE(scrape.find("pages{instance=\"\",job=\"scraper\"} 42\n"), std::string::npos) << scrape;
  EXPECT_NE(scrape.find("busy{instance=\"\",job=\"scraper\"} 3\n"), std::string::npos) << scrape;
  // The same group through the Pushgateway path replaces, as the Pushgateway does.
  EXPECT_EQ(fixture.send("POST", "/metrics/job/scraper", "# TYPE pages counter\npages 1\n").reply.status, 200);
  EXPECT_NE(body_of(fixture.send("GET", "/metrics").reply).find("pages{instance=\"\",job=\"scraper\"} 1\n"),
            std::string::npos);
}

TEST(AggregateRoutes, IdempotencyKeysComeFromTheHeaderOrAGroupingLabelThatIsNotPartOfTheKey) {
  RouteFixture fixture(flags_of({}));
  for (int attempt = 0; attempt < 2; ++attempt) {
    EXPECT_EQ(aggregate(fixture, "POST", "# TYPE pages counter\npages 4\n", {}, "run-1").status, 200);
    EXPECT_EQ(aggregate(fixture, "POST", "# TYPE pages counter\npages 10\n", {}, {},
                        "/aggregate/metrics/job/scraper/idempotency_key/run-2")
                  .status,
              200);
  }
  const std::string scrape = body_of(fixture.send("GET", "/metrics").reply);
  EXPECT_NE(scrape.find("pages{instance=\"\",job=\"scraper\"} 14\n"), std::string::npos) << scrape;
  EXPECT_EQ(scrape.find("idempotency_key"), std::string::npos) << scrape;
}

// The scrape's lines of the group job="scraper" (not flowgate's own metrics,
// which count the refusals).
std::string group_lines(const RouteFixture& fixture) {
  std::istringstream scrape(body_of(fixture.send("GET", "/metrics").reply));
  std::string lines;
  for (std::string line; std::getline(scrape, line);) {
    if (line.find("job=\"scraper\"") != std::string::npos) lines += line + "\n";
  }
  return lines;
}

// Every refusal of an aggregating push is a 400 naming the family, the series
// and the rule (or the header), and changes nothing. The native histogram
// ones (aggregate-zero-threshold, aggregate-histogram-kind) need protobuf
// bodies: tests/pushgw/aggregation_test.cpp.
TEST(AggregateRoutes, EveryRefusalIs400NamingLineFamilySeriesAndRuleAndChangesNothing) {
  RouteFixture fixture(flags_of({}));
  ASSERT_EQ(aggregate(fixture, "POST",
                      "# TYPE pages counter\npages{site=\"a\"} 3\n"
                      "# TYPE d histogram\nd_bucket{le=\"1\"} 1\nd_bucket{le=\"+Inf\"} 2\nd_sum 3\nd_count 2\n")
                .status,
            200);
  const std::string before = group_lines(fixture);
  ASSERT_NE(before.find("pages{instance=\"\",job=\"scraper\",site=\"a\"} 3\n"), std::string::npos) << before;
  const std::string invalid = "pushed metrics are invalid or inconsistent with existing metrics: ";
  struct Refusal {
    std::string_view body;
    std::string_view gauge_rule;
    std::string message;
  };
  const Refusal refusals[] = {
      {"# TYPE pages counter\npages{site=\"a\"} -2\n", {},
       invalid + "line 2: family \"pages\": series pages{instance=\"\",job=\"scraper\",site=\"a\"} is a counter pushed with the "
                 "increment -2.000000; an aggregated counter only grows (rule aggregate-negative-increment)\n"},
      {"# TYPE pages counter\npages{site=\"new\"} NaN\n", {},
       invalid + "line 2: family \"pages\": series pages{instance=\"\",job=\"scraper\",site=\"new\"} is a counter pushed with "
                 "the increment nan; an aggregated counter only grows (rule aggregate-negative-increment)\n"},
      {"# TYPE d histogram\nd_bucket{le=\"2\"} 1\nd_bucket{le=\"+Inf\"} 1\nd_sum 1\nd_count 1\n", {},
       invalid + "line 2: family \"d\": series d{instance=\"\",job=\"scraper\"} has bucket bounds other than the stored "
                 "series'; aggregated histograms keep one layout (rule aggregate-bucket-layout)\n"},
      {"# TYPE s summary\ns{quantile=\"0.5\"} 1\ns_sum 1\ns_count 1\n", {},
       invalid + "line 2: family \"s\": series s{instance=\"\",job=\"scraper\"} is a summary with quantiles, which cannot be "
                 "added up; push it without them or as a histogram (rule aggregate-summary-quantiles)\n"},
      {"# TYPE pages gauge\npages{site=\"a\"} 1\n", {},
       invalid + "line 2: family \"pages\" is pushed as a gauge but the group holds a counter (rule aggregate-type-change)\n"},
      {"busy 1\n", "avg",
       "X-Flowgate-Gauge-Aggregation: gauge aggregation \"avg\": expected last, sum, max or min\n"},
      {"busy 1\n", "busy=max,queue=median",
       "X-Flowgate-Gauge-Aggregation: gauge aggregation \"queue=median\": expected last, sum, max or min\n"},
  };
  for (const auto& refusal : refusals) {
    for (const char* method : {"PUT", "POST"}) {
      const Reply reply = aggregate(fixture, method, refusal.body, refusal.gauge_rule);
      EXPECT_EQ(reply.status, 400) << refusal.body;
      EXPECT_EQ(reply.body, refusal.message);
    }
  }
  EXPECT_EQ(group_lines(fixture), before);
}

TEST(AggregateRoutes, RefusesAnIdempotencyKeyOver256BytesNamingWhereItCameFrom) {
  RouteFixture fixture(flags_of({}));
  const std::string longest(256, 'k');
  const std::string too_long(257, 'k');
  const Reply header = aggregate(fixture, "POST", "# TYPE pages counter\npages 1\n", {}, too_long);
  EXPECT_EQ(header.status, 400);
  EXPECT_EQ(header.body, "Idempotency-Key header: 257 bytes, longer than the limit of 256\n");
  const Reply label = aggregate(fixture, "POST", "# TYPE pages counter\npages 1\n", {}, {},
                                "/aggregate/metrics/job/scraper/idempotency_key/" + too_long);
  EXPECT_EQ(label.status, 400);
  EXPECT_EQ(label.body, "idempotency_key grouping label: 257 bytes, longer than the limit of 256\n");
  EXPECT_EQ(fixture.store.snapshot()->group_count(), 0u);
  EXPECT_EQ(aggregate(fixture, "POST", "# TYPE pages counter\npages 1\n", {}, longest).status, 200);
  EXPECT_EQ(aggregate(fixture, "POST", "# TYPE pages counter\npages 1\n", {}, {},
                      "/aggregate/metrics/job/scraper/idempotency_key/" + longest)
                .status,
            200);
}

}  // namespace
}  // namespace flowgate::exporter
