// /aggregate/metrics/…: pushes that add up, through the real route table,
// with the gauge rule header; plain /metrics/ pushes are unchanged.

#include <gtest/gtest.h>

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

TEST(AggregateRoutes, RefusalsNameTheRuleAndAnUnknownGaugeRuleIs400) {
  RouteFixture fixture(flags_of({}));
  const Reply negative = aggregate(fixture, "POST", "# TYPE pages counter\npages -2\n");
  EXPECT_EQ(negative.status, 400);
  EXPECT_NE(negative.body.find("rule aggregate-negative-increment"), std::string::npos) << negative.body;
  const Reply bad_rule = aggregate(fixture, "POST", "busy 1\n", "avg");
  EXPECT_EQ(bad_rule.status, 400);
  EXPECT_EQ(bad_rule.body,
            "X-Flowgate-Gauge-Aggregation: gauge aggregation \"avg\": expected last, sum, max or min\n");
  EXPECT_EQ(fixture.store.snapshot()->group_count(), 0u);
}

}  // namespace
}  // namespace flowgate::exporter
