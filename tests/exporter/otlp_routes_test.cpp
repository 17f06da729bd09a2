// POST /v1/metrics (and its aliases) through the real route table: the OTLP
// reply in the request's encoding, partial success, refusals that change
// nothing, and the series on the scrape.

#include <gtest/gtest.h>

#include <string>

#include "exporter/otlp_reply.hpp"
#include "exposition/gzip.hpp"
#include "tests/exporter/route_fixture.hpp"

namespace flowgate::exporter {
namespace {

using testing::body_of;
using testing::flags_of;
using testing::RouteFixture;

// One resource (service "scraper", instance "pod-7") with `metrics` (JSON objects).
std::string export_json(const std::string& metrics) {
  return R"({"resourceMetrics":[{"resource":{"attributes":[)"
         R"({"key":"service.name","value":{"stringValue":"scraper"}},)"
         R"({"key":"service.instance.id","value":{"stringValue":"pod-7"}},)"
         R"({"key":"cloud.region","value":{"stringValue":"eu"}}]},)"
         R"("scopeMetrics":[{"scope":{"name":"s"},"metrics":[)" +
         metrics + "]}]}]}";
}

const std::string kDeltaPages =
    R"({"name":"pages.fetched","unit":"{page}","sum":{"aggregationTemporality":1,"isMonotonic":true,)"
    R"("dataPoints":[{"asInt":"5","startTimeUnixNano":"START","timeUnixNano":"TIME"}]}})";

std::string delta_pages(const char* start, const char* time) {
  std::string metric = kDeltaPages;
  metric.replace(metric.find("START"), 5, start);
  metric.replace(metric.find("TIME"), 4, time);
  return metric;
}

class OtlpRoutes : public ::testing::Test {
 protected:
  Reply post(std::string_view path, std::string_view type, std::string_view body) {
    return fixture_.send_otlp(path, type, body).reply;
  }
  std::string scrape() { return body_of(fixture_.send("GET", "/metrics").reply); }
  std::string stored() { return body_of(fixture_.send("GET", "/api/v1/metrics").reply); }
  RouteFixture fixture_{flags_of({})};
};

TEST_F(OtlpRoutes, AJsonExportIsAnsweredInJsonAndItsSeriesAreScraped) {
  const auto reply = post("/v1/metrics", "application/json", export_json(delta_pages("1000", "2000")));
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.content_type, "application/json");
  EXPECT_EQ(reply.body, "{}");
  ASSERT_EQ(post("/otlp/v1/metrics", "application/json", export_json(delta_pages("2000", "3000"))).status, 200);
  const std::string text = scrape();
  EXPECT_NE(text.find("pages_fetched_total{instance=\"pod-7\",job=\"scraper\"} 10\n"), std::string::npos) << text;
  EXPECT_NE(text.find("target_info{cloud_region=\"eu\",instance=\"pod-7\",job=\"scraper\"} 1\n"), std::string::npos);
}

TEST_F(OtlpRoutes, RefusedPointsAreAPartialSuccessInTheRequestsEncoding) {
  const std::string delta_gauge =
      R"({"name":"level","sum":{"aggregationTemporality":1,"isMonotonic":false,"dataPoints":[{"asDouble":1}]}})";
  const auto json = post("/api/v1/otlp/v1/metrics", "application/json", export_json(delta_gauge));
  ASSERT_EQ(json.status, 200) << json.body;
  EXPECT_NE(json.body.find(R"("partialSuccess":{"rejectedDataPoints":"1","errorMessage":")"), std::string::npos)
      << json.body;
  EXPECT_NE(json.body.find("level"), std::string::npos) << json.body;
  const std::string partial = otlp_export_response(pushgw::OtlpEncoding::protobuf, 1, "x");
  EXPECT_EQ(partial, std::string("\x0a\x05\x08\x01\x12\x01x", 7));  // partial_success{rejected=1, message="x"}
  EXPECT_EQ(otlp_export_response(pushgw::OtlpEncoding::protobuf, 0, ""), "");
}

TEST_F(OtlpRoutes, AMalformedBodyIs400WithAStatusNamingTheProblemAndChangesNothing) {
  ASSERT_EQ(post("/v1/metrics", "application/json", export_json(delta_pages("1000", "2000"))).status, 200);
  const std::string before = stored();
  const std::string bad_histogram =
      R"({"name":"latency","histogram":{"aggregationTemporality":2,"dataPoints":[{"bucketCounts":["1"],)"
      R"("explicitBounds":[1]}]}})";
  const auto reply = post("/v1/metrics", "application/json", export_json(bad_histogram));
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.content_type, "application/json");
  EXPECT_NE(reply.body.find(R"({"code":3,"message":"OTLP JSON body refused: metric \"latency\")"), std::string::npos)
      << reply.body;
  EXPECT_NE(reply.body.find("rule histogram-bucket-count"), std::string::npos) << reply.body;
  const auto truncated = post("/v1/metrics", "application/x-protobuf", std::string("\x0a\x10\x0a", 3));
  EXPECT_EQ(truncated.status, 400);
  EXPECT_EQ(truncated.content_type, "application/x-protobuf");
  EXPECT_EQ(truncated.body.substr(0, 2), std::string("\x08\x03", 2));  // google.rpc.Status{code: 3, ...}
  EXPECT_EQ(stored(), before);
}

TEST_F(OtlpRoutes, ATypeChangeBetweenExportsIs400NamingTheMetric) {
  ASSERT_EQ(post("/v1/metrics", "application/json", export_json(delta_pages("1000", "2000"))).status, 200);
  const std::string as_gauge = R"({"name":"pages_fetched_total","gauge":{"dataPoints":[{"asDouble":1}]}})";
  const auto reply = post("/v1/metrics", "application/json", export_json(as_gauge));
  EXPECT_EQ(reply.status, 400);
  EXPECT_NE(reply.body.find(R"(metric \"pages_fetched_total\" is a gauge in this export but a counter)"),
            std::string::npos)
      << reply.body;
}

TEST_F(OtlpRoutes, AGzipBodyIsInflatedAndABrokenOneIs400) {
  exposition::GzipWriter gzip;
  std::string compressed;
  gzip.write(export_json(delta_pages("1000", "2000")), compressed);
  gzip.finish(compressed);
  const auto reply = fixture_.send_otlp("/v1/metrics", "application/json", compressed, {}, "gzip").reply;
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_NE(scrape().find("pages_fetched_total{instance=\"pod-7\",job=\"scraper\"} 5\n"), std::string::npos);
  const auto broken = fixture_.send_otlp("/v1/metrics", "application/json", compressed.substr(0, 12), {}, "gzip").reply;
  EXPECT_EQ(broken.status, 400);
  EXPECT_EQ(broken.content_type, "application/json");
  const auto unknown = fixture_.send_otlp("/v1/metrics", "application/json", "{}", {}, "br").reply;
  EXPECT_EQ(unknown.status, 415);
}

TEST_F(OtlpRoutes, AContentTypeThatIsNotOtlpIs415) {
  const auto reply = post("/v1/metrics", "text/plain; version=0.0.4", "m 1\n");
  EXPECT_EQ(reply.status, 415);
  EXPECT_NE(reply.body.find("send application/x-protobuf or application/json"), std::string::npos) << reply.body;
}

}  // namespace
}  // namespace flowgate::exporter
