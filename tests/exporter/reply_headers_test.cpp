// The complete header set of every reply, as written on the wire: each route
// of build_routes and method (refusals, CORS preflight, HEAD and gzip scrapes
// included) and the replies the router makes itself. Each header name at most
// once, and exactly the names listed. A route without a row fails the test.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <boost/algorithm/string/predicate.hpp>

#include "exporter/server/http_server.hpp"
#include "tests/exporter/http_client.hpp"
#include "tests/exporter/route_fixture.hpp"

namespace flowgate::exporter {
namespace {

using testing::flags_of;
using testing::HttpConnection;
using testing::RouteFixture;

struct HeaderCase {
  const char* name;
  const char* route;  // "<METHOD> <pattern>" of the route the request reaches; "" when the router answers
  const char* method;
  const char* target;
  std::string request_fields;  // extra header lines, each ending in CRLF
  std::string body;
  int status;
  std::vector<std::string> headers;  // every header name of the reply, in any order
};

// What every reply carries.
std::vector<std::string> with_framing(std::vector<std::string> names) {
  names.insert(names.end(), {"Date", "Content-Length"});
  return names;
}

const std::vector<std::string> kCors = {"Access-Control-Allow-Headers", "Access-Control-Allow-Methods",
                                        "Access-Control-Allow-Origin", "Access-Control-Expose-Headers",
                                        "Cache-Control"};

std::vector<std::string> cors_and(std::vector<std::string> names) {
  names.insert(names.end(), kCors.begin(), kCors.end());
  return with_framing(std::move(names));
}

const std::vector<std::string> kGoError = with_framing({"Content-Type", "X-Content-Type-Options"});
const std::vector<std::string> kEmpty = with_framing({});
const std::vector<std::string> kPlainText = with_framing({"Content-Type"});
const std::vector<std::string> kScrape = with_framing({"Content-Type", "Vary"});

const std::string kText = "Content-Type: text/plain; version=0.0.4\r\n";

const HeaderCase kCases[] = {
    // Scrape.
    {"Scrape", "GET /metrics", "GET", "/metrics", "", "", 200, kScrape},
    {"GzipScrape", "GET /metrics", "GET", "/metrics", "Accept-Encoding: gzip\r\n", "", 200,
     with_framing({"Content-Type", "Vary", "Content-Encoding"})},
    {"HeadScrape", "HEAD /metrics", "HEAD", "/metrics", "", "", 200, kScrape},
    {"GzipHeadScrape", "HEAD /metrics", "HEAD", "/metrics", "Accept-Encoding: gzip\r\n", "", 200,
     with_framing({"Content-Type", "Vary", "Content-Encoding"})},
    // Pushes and deletes, accepted and refused.
    {"Put", "PUT /metrics/job/", "PUT", "/metrics/job/a", kText, "m 1\n", 200, kEmpty},
    {"PutBadGroupingKey", "PUT /metrics/job/", "PUT", "/metrics/job/a/odd", kText, "m 1\n", 400, kGoError},
    {"PutBadBody", "PUT /metrics/job/", "PUT", "/metrics/job/a", kText, "m{ 1\n", 400, kGoError},
    {"PutTimestamp", "PUT /metrics/job/", "PUT", "/metrics/job/a", kText, "m 1 1000\n", 400, kGoError},
    {"PutBase64", "PUT /metrics/job@base64/", "PUT", "/metrics/job@base64/ZXRs", kText, "m 1\n", 200, kEmpty},
    {"Post", "POST /metrics/job/", "POST", "/metrics/job/a", kText, "m 2\n", 200, kEmpty},
    {"PostInconsistent", "POST /metrics/job/", "POST", "/metrics/job/b", kText,
     "# TYPE flowgate_store_groups counter\nflowgate_store_groups 1\n", 400, kGoError},
    {"PostBase64", "POST /metrics/job@base64/", "POST", "/metrics/job@base64/ZXRs", kText, "m 2\n", 200, kEmpty},
    {"Delete", "DELETE /metrics/job/", "DELETE", "/metrics/job/a", "", "", 202, kEmpty},
    {"DeleteBadGroupingKey", "DELETE /metrics/job/", "DELETE", "/metrics/job/a/odd", "", "", 400, kGoError},
    {"DeleteBase64", "DELETE /metrics/job@base64/", "DELETE", "/metrics/job@base64/ZXRs", "", "", 202, kEmpty},
    // Aggregating pushes: the same replies as pushes.
    {"AggregatePut", "PUT /aggregate/metrics/job/", "PUT", "/aggregate/metrics/job/agg", kText, "m 1\n", 200, kEmpty},
    {"AggregatePost", "POST /aggregate/metrics/job/", "POST", "/aggregate/metrics/job/agg", kText, "m 1\n", 200, kEmpty},
    {"AggregateBadRule", "POST /aggregate/metrics/job/", "POST", "/aggregate/metrics/job/agg",
     kText + "X-Flowgate-Gauge-Aggregation: avg\r\n", "m 1\n", 400, kGoError},
    {"AggregatePutBase64", "PUT /aggregate/metrics/job@base64/", "PUT", "/aggregate/metrics/job@base64/YWdn", kText,
     "m 1\n", 200, kEmpty},
    {"AggregatePostBase64", "POST /aggregate/metrics/job@base64/", "POST", "/aggregate/metrics/job@base64/YWdn", kText,
     "m 1\n", 200, kEmpty},
    {"AggregateDelete", "DELETE /aggregate/metrics/job/", "DELETE", "/aggregate/metrics/job/agg", "", "", 202, kEmpty},
    {"AggregateDeleteBase64", "DELETE /aggregate/metrics/job@base64/", "DELETE", "/aggregate/metrics/job@base64/YWdn",
     "", "", 202, kEmpty},
    // OTLP/HTTP exports: the reply in the request's encoding, a 415 as Go's http.Error.
    {"OtlpProtobuf", "POST /v1/metrics", "POST", "/v1/metrics", "Content-Type: application/x-protobuf\r\n", "", 200,
     with_framing({"Content-Type"})},
    {"OtlpJson", "POST /otlp/v1/metrics", "POST", "/otlp/v1/metrics", "Content-Type: application/json\r\n", "{}",
     200, with_framing({"Content-Type"})},
    {"OtlpPrometheusPath", "POST /api/v1/otlp/v1/metrics", "POST", "/api/v1/otlp/v1/metrics",
     "Content-Type: application/json\r\n", "{}", 200, with_framing({"Content-Type"})},
    {"OtlpBadBody", "POST /v1/metrics", "POST", "/v1/metrics", "Content-Type: application/json\r\n", "[", 400,
     with_framing({"Content-Type"})},
    {"OtlpUnsupportedType", "POST /v1/metrics", "POST", "/v1/metrics", kText, "m 1\n", 415, kGoError},
    // Health and lifecycle.
    {"Healthy", "GET /-/healthy", "GET", "/-/healthy", "", "", 200, kPlainText},
    {"Ready", "GET /-/ready", "GET", "/-/ready", "", "", 200, kPlainText},
    {"QuitByPut", "PUT /-/quit", "PUT", "/-/quit", "", "", 200, kPlainText},
    {"QuitByPost", "POST /-/quit", "POST", "/-/quit", "", "", 200, kPlainText},
    {"QuitByGet", "GET /-/quit", "GET", "/-/quit", "", "", 405, kPlainText},
    // Web UI.
    {"StatusRoot", "GET /", "GET", "/", "", "", 200, kPlainText},
    {"StatusPage", "GET /status", "GET", "/status", "", "", 200, kPlainText},
    {"StaticScript", "GET /static/flowgate.js", "GET", "/static/flowgate.js", "", "", 200,
     with_framing({"Content-Type", "Cache-Control"})},
    {"StaticStyle", "GET /static/flowgate.css", "GET", "/static/flowgate.css", "", "", 200,
     with_framing({"Content-Type", "Cache-Control"})},
    {"ApiGroups", "GET /api/v1/groups", "GET", "/api/v1/groups?limit=5", "", "", 200, cors_and({"Content-Type"})},
    {"ApiGroupsBadLimit", "GET /api/v1/groups", "GET", "/api/v1/groups?limit=0", "", "", 400,
     cors_and({"Content-Type"})},
    // JSON API: CORS on every answer of the API's own router, not on wipe.
    {"ApiStatus", "GET /api/v1/status", "GET", "/api/v1/status", "", "", 200, cors_and({"Content-Type"})},
    {"ApiMetrics", "GET /api/v1/metrics", "GET", "/api/v1/metrics", "", "", 200, cors_and({"Content-Type"})},
    {"ApiPreflight", "OPTIONS /api/v1/", "OPTIONS", "/api/v1/metrics",
     "Origin: http://example.com\r\nAccess-Control-Request-Method: GET\r\n", "", 200, cors_and({})},
    {"Wipe", "PUT /api/v1/admin/wipe", "PUT", "/api/v1/admin/wipe", "", "", 202, kEmpty},
    {"DeleteGroups", "POST /api/v1/admin/delete_groups", "POST",
     "/api/v1/admin/delete_groups?match%5B%5D=%7Bjob%3D%22zz%22%7D", "", "", 200, cors_and({"Content-Type"})},
    {"DeleteGroupsBadSelector", "POST /api/v1/admin/delete_groups", "POST", "/api/v1/admin/delete_groups?match%5B%5D=x",
     "", "", 400, cors_and({"Content-Type"})},
    // What the router answers without a route.
    {"AutomaticOptions", "", "OPTIONS", "/-/healthy", "", "", 200, with_framing({"Allow"})},
    {"MethodNotAllowed", "", "GET", "/metrics/job/a", "", "", 405,
     with_framing({"Content-Type", "X-Content-Type-Options", "Allow"})},
    {"NotFound", "", "GET", "/nope", "", "", 404, kGoError},
    {"RedirectOfGet", "", "GET", "/metrics/", "", "", 301, with_framing({"Content-Type", "Location"})},
    {"RedirectOfPut", "", "PUT", "/Metrics/job/a", kText, "m 1\n", 307, with_framing({"Location"})},
};

void PrintTo(const HeaderCase& c, std::ostream* out) { *out << c.name; }

Flags every_route_flags() { return flags_of({"--web.enable-admin-api", "--web.enable-lifecycle"}); }

std::string route_key(const Route& route) { return route.method + " " + route.pattern; }

// The header names of a raw response head, in order, and its status.
struct ResponseHead {
  int status = 0;
  std::vector<std::string> names;
};

ResponseHead parse_head(const std::string& head) {
  ResponseHead parsed;
  std::size_t line_end = head.find("\r\n");
  if (head.starts_with("HTTP/1.1 ") && line_end != std::string::npos) parsed.status = std::stoi(head.substr(9, 3));
  while (line_end != std::string::npos) {
    const std::size_t start = line_end + 2;
    line_end = head.find("\r\n", start);
    if (line_end == std::string::npos || line_end == start) break;
    parsed.names.push_back(head.substr(start, head.find(':', start) - start));
  }
  return parsed;
}

bool same_name(const std::string& a, const std::string& b) { return boost::algorithm::iequals(a, b); }

class ReplyHeaders : public ::testing::TestWithParam<HeaderCase> {
 protected:
  static void SetUpTestSuite() {
    fixture_ = new RouteFixture(every_route_flags());
    ServerOptions options;
    options.listen_addresses = {"127.0.0.1:0"};
    options.threads = 1;
    ServerHooks hooks;
    hooks.dispatch = [](const Request& request) { return fixture_->dispatcher.dispatch(request); };
    web_config_ = WebConfigFile::open("")->release();
    log_ = std::tmpfile();
    logger_ = new Logger(LogLevel::info, LogFormat::logfmt, log_);
    server_ = new HttpServer(options, std::move(hooks), *web_config_, *logger_);
    server_->start();
    port_ = server_->bound_ports().at(0);
  }
  static void TearDownTestSuite() {
    delete server_;
    delete logger_;
    delete web_config_;
    delete fixture_;
    std::fclose(log_);
  }

  static inline RouteFixture* fixture_ = nullptr;
  static inline WebConfigFile* web_config_ = nullptr;
  static inline std::FILE* log_ = nullptr;
  static inline Logger* logger_ = nullptr;
  static inline HttpServer* server_ = nullptr;
  static inline std::uint16_t port_ = 0;
};

TEST_P(ReplyHeaders, SendsEachExpectedHeaderExactlyOnceAndNoOther) {
  const HeaderCase& c = GetParam();
  HttpConnection connection(port_);
  connection.write_raw(std::string(c.method) + " " + c.target + " HTTP/1.1\r\nHost: x\r\n" + c.request_fields +
                       "Content-Length: " + std::to_string(c.body.size()) + "\r\n\r\n" + c.body);
  const ResponseHead head = parse_head(connection.read_raw_until("\r\n\r\n"));
  EXPECT_EQ(head.status, c.status);
  for (const auto& name : head.names) {
    EXPECT_EQ(std::count_if(head.names.begin(), head.names.end(), [&](const auto& n) { return same_name(n, name); }), 1)
        << name << " is sent more than once";
    EXPECT_TRUE(std::any_of(c.headers.begin(), c.headers.end(), [&](const auto& n) { return same_name(n, name); }))
        << name << " is sent but not expected";
  }
  for (const auto& name : c.headers) {
    EXPECT_TRUE(std::any_of(head.names.begin(), head.names.end(), [&](const auto& n) { return same_name(n, name); }))
        << name << " is expected but not sent";
  }
}

INSTANTIATE_TEST_SUITE_P(EveryRoute, ReplyHeaders, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<HeaderCase>& param_info) { return std::string(param_info.param.name); });

TEST(ReplyHeaderTable, CoversEveryRouteAndEachRowReachesItsRoute) {
  RouteFixture fixture(every_route_flags());
  const Router router = build_routes(RouteContext{fixture.flags, fixture.store, fixture.scrape, fixture.self_metrics,
                                                  StatusInfo{&fixture.flags.values, 0, false}, [] {}, nullptr,
                                                  nullptr, &fixture.otlp});
  std::set<std::string> covered;
  for (const auto& c : kCases) {
    const std::string_view target = c.target;
    const auto question = target.find('?');
    auto resolved = router.resolve(c.method, target.substr(0, question),
                                   question == std::string_view::npos ? "" : target.substr(question + 1));
    const auto* matched = std::get_if<Matched>(&resolved);
    if (std::string_view(c.route).empty()) {
      EXPECT_EQ(matched, nullptr) << c.name << " reaches a route; name it";
      continue;
    }
    ASSERT_NE(matched, nullptr) << c.name << " reaches no route";
    EXPECT_EQ(route_key(*matched->route), c.route) << c.name;
    covered.insert(c.route);
  }
  for (const auto& route : router.routes()) {
    EXPECT_TRUE(covered.contains(route_key(route))) << route_key(route) << " has no row in kCases";
  }
}

}  // namespace
}  // namespace flowgate::exporter
