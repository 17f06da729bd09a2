// Every status code and redirect of the Pushgateway's routing (research
// notes: shared/research/pushgateway.md §1.1-1.2), one table row each, through the real route table.
#include <gtest/gtest.h>

#include "tests/exporter/route_fixture.hpp"

namespace flowgate::exporter {
namespace {

using testing::body_of;
using testing::flags_of;
using testing::header;
using testing::RouteFixture;

struct RouteCase {
  const char* name;
  std::vector<std::string_view> flags;
  const char* method;
  const char* target;
  int status;
  const char* header_name;   // nullptr: no header check
  const char* header_value;
  const char* body;          // nullptr: no body check
};

const RouteCase kCases[] = {
    {"CleansDoubleSlashWith301", {}, "PUT", "/metrics/job/j6/a//b/c", 301, "Location", "/metrics/job/j6/a/b/c", ""},
    {"CleansDotDotKeepingQuery", {}, "GET", "/a/../metrics?x=1", 301, "Location", "/metrics?x=1", nullptr},
    {"CleansDotSegment", {}, "GET", "/./metrics", 301, "Location", "/metrics", nullptr},
    {"TrailingSlashOnGetIs301", {}, "GET", "/metrics/", 301, "Location", "/metrics", nullptr},
    {"TrailingSlashOnPutIs307", {}, "PUT", "/metrics/job/", 307, "Location", "/metrics/job", nullptr},
    {"CaseInsensitiveFixIs301", {}, "GET", "/METRICS", 301, "Location", "/metrics", nullptr},
    {"CaseInsensitiveFixOnPutIs307", {}, "PUT", "/Metrics/job/j", 307, "Location", "/metrics/job/j", nullptr},
    {"WrongMethodOnPushPathIs405", {}, "GET", "/metrics/job/x", 405, "Allow", "DELETE, OPTIONS, POST, PUT",
     "Method Not Allowed\n"},
    {"WrongMethodOnHealthyIs405", {}, "POST", "/-/healthy", 405, "Allow", "GET, OPTIONS", nullptr},
    {"AutomaticOptionsListsMethods", {}, "OPTIONS", "/-/healthy", 200, "Allow", "GET, OPTIONS", ""},
    {"HeadOnMetricsIsServed", {}, "HEAD", "/metrics", 200, nullptr, nullptr, nullptr},
    {"UnknownPathIs404", {}, "GET", "/nope", 404, "X-Content-Type-Options", "nosniff", "404 page not found\n"},
    {"HealthyIsOk", {}, "GET", "/-/healthy", 200, nullptr, nullptr, "OK"},
    {"ReadyIsOk", {}, "GET", "/-/ready", 200, nullptr, nullptr, "OK"},
    {"WipeWithoutAdminFlagIs404", {}, "PUT", "/api/v1/admin/wipe", 404, nullptr, nullptr, "404 page not found\n"},
    {"WipeWithAdminFlagIs202", {"--web.enable-admin-api"}, "PUT", "/api/v1/admin/wipe", 202, nullptr, nullptr, nullptr},
    {"QuitWithoutLifecycleIs403", {}, "PUT", "/-/quit", 403, nullptr, nullptr, "Lifecycle API is not enabled."},
    {"QuitByPostWithoutLifecycleIs403", {}, "POST", "/-/quit", 403, nullptr, nullptr, "Lifecycle API is not enabled."},
    {"QuitByGetIs405WithoutAllow", {}, "GET", "/-/quit", 405, "Allow", "<absent>",
     "Only POST or PUT requests allowed."},
    {"QuitWithLifecycleSaysGoodbye", {"--web.enable-lifecycle"}, "PUT", "/-/quit", 200, nullptr, nullptr,
     "Requesting termination... Goodbye!"},
    {"ApiOptionsAnswersAnyPathWithCors", {}, "OPTIONS", "/api/v1/whatever", 200, "Access-Control-Allow-Origin", "*",
     ""},
    {"ApiRootRedirectsToSubtree", {}, "GET", "/api/v1", 301, "Location", "/api/v1/", nullptr},
    {"ApiSubtreeRootIs404", {}, "GET", "/api/v1/", 404, nullptr, nullptr, nullptr},
    {"ApiPathsGetNoCaseRedirect", {}, "GET", "/Api/v1/status", 404, nullptr, nullptr, "404 page not found\n"},
    {"ApiStatusIsJsonWithCors", {}, "GET", "/api/v1/status", 200, "Access-Control-Allow-Methods",
     "GET, POST, DELETE, OPTIONS", nullptr},
    {"ApiMetricsIsJson", {}, "GET", "/api/v1/metrics", 200, nullptr, nullptr,
     "{\"status\":\"success\",\"data\":[]}"},
    {"ApiMetricsSendsCors", {}, "GET", "/api/v1/metrics", 200, "Access-Control-Allow-Origin", "*", nullptr},
    {"PushWithEmptyLabelPartIs200", {}, "PUT", "/metrics/job/j7/", 200, nullptr, nullptr, nullptr},
    {"PushOddLabelComponentsIs400", {}, "PUT", "/metrics/job/j/a/b/", 400, nullptr, nullptr, nullptr},
    {"PushBase64JobIs200", {}, "POST", "/metrics/job@base64/ZXRs", 200, nullptr, nullptr, nullptr},
    {"DeleteOfMissingGroupIs202", {}, "DELETE", "/metrics/job/nothing", 202, nullptr, nullptr, nullptr},
    {"PushWithoutConsistencyCheckIs202", {"--push.disable-consistency-check"}, "PUT", "/metrics/job/j", 202, nullptr,
     nullptr, nullptr},
    {"StatusPageIsHtml", {}, "GET", "/", 200, nullptr, nullptr, nullptr},
    {"StatusPathIsHtml", {}, "GET", "/status", 200, nullptr, nullptr, nullptr},
    {"PrefixHidesUnprefixedMetrics", {"--web.route-prefix=/pg"}, "GET", "/metrics", 404, nullptr, nullptr, nullptr},
    {"PrefixServesPrefixedMetrics", {"--web.route-prefix=/pg"}, "GET", "/pg/metrics", 200, nullptr, nullptr, nullptr},
    {"PrefixRootRedirectsToSlash", {"--web.route-prefix=/pg"}, "GET", "/pg", 301, "Location", "/pg/", nullptr},
    {"PrefixFromExternalUrl", {"--web.external-url=http://example.com/pg/"}, "GET", "/pg/-/healthy", 200, nullptr,
     nullptr, "OK"},
    {"QuitByGetIsUnprefixed", {"--web.route-prefix=/pg"}, "GET", "/-/quit", 405, nullptr, nullptr,
     "Only POST or PUT requests allowed."},
    {"PushesStayUnderMetricsWithOtherTelemetryPath", {"--web.telemetry-path=/scrape"}, "PUT", "/metrics/job/j", 200,
     nullptr, nullptr, nullptr},
    {"OtherTelemetryPathServesScrape", {"--web.telemetry-path=/scrape"}, "GET", "/scrape", 200, nullptr, nullptr,
     nullptr},
    // Hostile paths: what is redirected is percent-encoded in Location (as
    // Go's url.URL.String), so CR/LF never start a header, and HTML-escaped in
    // the body. A decoded CR, LF or NUL is a legal label value (the
    // Pushgateway stores it; the text format escapes it).
    {"EncodedCrLfInPathStaysEncodedInLocation", {}, "GET", "//x%0d%0aSet-Cookie:%20evil=1", 301, "Location",
     "/x%0D%0ASet-Cookie:%20evil=1", nullptr},
    {"EncodedNewlineInAGroupingValueIsAccepted", {}, "PUT", "/metrics/job/a%0Ab", 200, nullptr, nullptr, nullptr},
    {"RedirectLocationIsPercentEncoded", {}, "GET", "//%22%3E%3Cscript%3Ealert(1)%3C/script%3E", 301, "Location",
     "/%22%3E%3Cscript%3Ealert%281%29%3C/script%3E",
     "<a href=\"/%22%3E%3Cscript%3Ealert%281%29%3C/script%3E\">Moved Permanently</a>.\n\n"},
    {"RedirectBodyEscapesTheQuery", {}, "GET", "/metrics/?a=\"<b>'&", 301, "Location", "/metrics?a=\"<b>'&",
     "<a href=\"/metrics?a=&#34;&lt;b&gt;&#39;&amp;\">Moved Permanently</a>.\n\n"},
    {"RedirectKeepsBase64GroupingKeys", {}, "PUT", "/metrics/job@base64/ZXRs=/a/%C3%A9//", 301, "Location",
     "/metrics/job@base64/ZXRs=/a/%C3%A9/", nullptr},
    {"CaseRedirectKeepsTheEncoding", {}, "PUT", "/Metrics/job/a%20b%25", 307, "Location", "/metrics/job/a%20b%25",
     nullptr},
};

void PrintTo(const RouteCase& c, std::ostream* out) { *out << c.name; }

class RouteTable : public ::testing::TestWithParam<RouteCase> {};

TEST_P(RouteTable, AnswersLikeThePushgateway) {
  const RouteCase& c = GetParam();
  auto flags = parse_flags(c.flags);
  ASSERT_TRUE(flags) << flags.error().message;
  RouteFixture fixture(*flags);
  auto dispatched = fixture.send(c.method, c.target);
  EXPECT_EQ(dispatched.reply.status, c.status);
  EXPECT_TRUE(headers_sendable(dispatched.reply));
  if (c.header_name != nullptr) {
    EXPECT_EQ(header(dispatched.reply, c.header_name), c.header_value);
  }
  if (c.body != nullptr) {
    EXPECT_EQ(body_of(dispatched.reply), c.body);
  }
}

INSTANTIATE_TEST_SUITE_P(Pushgateway, RouteTable, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<RouteCase>& param_info) { return std::string(param_info.param.name); });

TEST(Routes, EncodePathKeepsWhatGoKeepsAndEscapesTheRest) {
  EXPECT_EQ(encode_path("/metrics/job@base64/ZXRs=/a/b-c_d.e~f$&+,;:"), "/metrics/job@base64/ZXRs=/a/b-c_d.e~f$&+,;:");
  EXPECT_EQ(encode_path("/a b%?#\"<>'()*!\r\n"), "/a%20b%25%3F%23%22%3C%3E%27%28%29%2A%21%0D%0A");
  EXPECT_EQ(encode_path(std::string_view("/\0\xff", 3)), "/%00%FF");
}

TEST(Routes, QuitWithLifecycleRequestsShutdown) {
  RouteFixture fixture(flags_of({"--web.enable-lifecycle"}));
  fixture.send("POST", "/-/quit");
  EXPECT_EQ(fixture.shutdown_requests, 1);
}

TEST(Routes, PushedMetricsAppearInScrapeUnderOneHeader) {
  RouteFixture fixture(flags_of({}));
  ASSERT_EQ(fixture.send("PUT", "/metrics/job/a", "# TYPE m gauge\nm 1\n").reply.status, 200);
  ASSERT_EQ(fixture.send("PUT", "/metrics/job/b", "# TYPE m gauge\nm 2\n").reply.status, 200);
  std::string body = body_of(fixture.send("GET", "/metrics").reply);
  EXPECT_NE(body.find("# TYPE m gauge\nm{instance=\"\",job=\"a\"} 1\nm{instance=\"\",job=\"b\"} 2\n"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find("flowgate_build_info{"), std::string::npos);
}

TEST(Routes, PushClashingWithSelfMetricTypeIsRejectedAndCounted) {
  RouteFixture fixture(flags_of({}));
  auto reply = fixture.send("PUT", "/metrics/job/a", "# TYPE flowgate_store_groups counter\nflowgate_store_groups 1\n")
                   .reply;
  EXPECT_EQ(reply.status, 400);
  std::string body = body_of(fixture.send("GET", "/metrics").reply);
  EXPECT_NE(body.find("flowgate_push_rejections_total{reason=\"inconsistent\"} 1"), std::string::npos) << body;
}

TEST(Routes, BadGroupingKeyIsCountedAsSuch) {
  RouteFixture fixture(flags_of({}));
  EXPECT_EQ(fixture.send("PUT", "/metrics/job/a/b").reply.status, 400);
  std::string body = body_of(fixture.send("GET", "/metrics").reply);
  EXPECT_NE(body.find("flowgate_push_rejections_total{reason=\"bad_grouping_key\"} 1"), std::string::npos) << body;
}

TEST(Routes, ScrapeNegotiatesOpenMetrics) {
  RouteFixture fixture(flags_of({}));
  auto reply = fixture.send("GET", "/metrics", {}, "application/openmetrics-text;version=1.0.0").reply;
  EXPECT_EQ(reply.content_type,
            exposition::content_type(exposition::Format::openmetrics, exposition::NameEscaping::underscores));
  EXPECT_TRUE(body_of(reply).ends_with("# EOF\n"));
}

TEST(Routes, GroupsPageLoadsItsAssetsAndGroupsByRelativeUrls) {
  RouteFixture fixture(flags_of({}));
  ASSERT_EQ(fixture.send("PUT", "/metrics/job/etl/instance/h1", "m 1\n").reply.status, 200);
  const std::string html = body_of(fixture.send("GET", "/").reply);
  EXPECT_NE(html.find("<script src=\"static/flowgate.js\">"), std::string::npos) << html;
  EXPECT_NE(html.find("href=\"static/flowgate.css\""), std::string::npos);
  EXPECT_NE(html.find("href=\"./metrics\""), std::string::npos);
  EXPECT_EQ(html.find("=\"/"), std::string::npos) << "no absolute URL: " << html;
  // The script deletes a group at "metrics/" + its delete_path.
  const std::string json = body_of(fixture.send("GET", "/api/v1/groups").reply);
  EXPECT_NE(json.find("\"delete_path\":\"job@base64/ZXRs=/instance@base64/aDE=\""), std::string::npos) << json;
}

TEST(Routes, ScrapeOfAnInconsistentUncheckedStoreAnswers500UntilTheOffenderIsDeleted) {
  RouteFixture fixture(flags_of({"--push.disable-consistency-check"}));
  ASSERT_EQ(fixture.send("PUT", "/metrics/job/a", "# TYPE m counter\nm 1\n").reply.status, 202);
  ASSERT_EQ(fixture.send("GET", "/metrics").reply.status, 200);
  ASSERT_EQ(fixture.send("PUT", "/metrics/job/b", "# TYPE m gauge\nm 2\n").reply.status, 202);
  const auto failed = fixture.send("GET", "/metrics").reply;
  EXPECT_EQ(failed.status, 500);
  EXPECT_TRUE(failed.body.starts_with("An error has occurred while serving metrics:\n\n")) << failed.body;
  EXPECT_NE(failed.body.find("type-conflict"), std::string::npos) << failed.body;
  ASSERT_EQ(fixture.send("DELETE", "/metrics/job/b").reply.status, 202);
  EXPECT_EQ(fixture.send("GET", "/metrics").reply.status, 200);
}

TEST(Routes, CountsRefusedPushesByTheirKind) {
  RouteFixture fixture(flags_of({}));
  ASSERT_EQ(fixture.send("PUT", "/metrics/job/a", "m 1 1000\n").reply.status, 400);
  ASSERT_EQ(fixture.send("PUT", "/metrics/job/a/odd", "m 1\n").reply.status, 400);
  const std::string metrics = body_of(fixture.send("GET", "/metrics").reply);
  EXPECT_NE(metrics.find("flowgate_push_rejections_total{reason=\"has_timestamp\"} 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("flowgate_push_rejections_total{reason=\"bad_grouping_key\"} 1"), std::string::npos);
}

TEST(Routes, AnAcceptedPushAnswersWithoutBodyOrContentType) {
  RouteFixture fixture(flags_of({}));
  const auto reply = fixture.send("PUT", "/metrics/job/a", "m 1\n").reply;
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.content_type, "");
  EXPECT_EQ(body_of(reply), "");
  EXPECT_TRUE(reply.headers.empty());
}

TEST(Routes, RefusedPushesAnswerAsGosHttpError) {
  RouteFixture fixture(flags_of({}));
  const auto reply = fixture.send("PUT", "/metrics/job/j/a", "a 1\n").reply;
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(header(reply, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(reply.body, "odd number of components in label string \"/a\"\n");
  const auto unparsable = fixture.send("PUT", "/metrics/job/j", "a 1\nb{x=1} 2\n").reply;
  EXPECT_TRUE(unparsable.body.starts_with("text format parsing error in line 2: ")) << unparsable.body;
}

TEST(Routes, PushesTheValidationRefusesGetThePushgatewaysPrefix) {
  RouteFixture fixture(flags_of({}));
  constexpr std::string_view kPrefix = "pushed metrics are invalid or inconsistent with existing metrics: ";
  ASSERT_EQ(fixture.send("PUT", "/metrics/job/a", "# TYPE m counter\nm 1\n").reply.status, 200);
  const auto clash = fixture.send("PUT", "/metrics/job/b", "# TYPE m gauge\nm 1\n").reply;
  EXPECT_EQ(clash.status, 400);
  EXPECT_TRUE(clash.body.starts_with(kPrefix)) << clash.body;
  const auto stamped = fixture.send("PUT", "/metrics/job/c", "n 1 1000\n").reply;
  EXPECT_EQ(stamped.status, 400);
  EXPECT_TRUE(stamped.body.starts_with(kPrefix)) << stamped.body;
}

TEST(Routes, ApiMetricsIsJsonOfTheStore) {
  RouteFixture fixture(flags_of({}));
  ASSERT_EQ(fixture.send("PUT", "/metrics/job/a", "m 1\n").reply.status, 200);
  const auto reply = fixture.send("GET", "/api/v1/metrics").reply;
  EXPECT_EQ(reply.content_type, "application/json");
  EXPECT_NE(reply.body.find("\"job\":\"a\""), std::string::npos) << reply.body;
}

TEST(Routes, ApiStatusHasThePushgatewayShape) {
  RouteFixture fixture(flags_of({}));
  std::string json = body_of(fixture.send("GET", "/api/v1/status").reply);
  EXPECT_TRUE(json.starts_with("{\"status\":\"success\",\"data\":{\"build_information\":{\"branch\":")) << json;
  EXPECT_NE(json.find("\"flags\":{"), std::string::npos);
  EXPECT_NE(json.find("\"web.listen-address\":\":9091\""), std::string::npos);
  EXPECT_NE(json.find("\"start_time\":\"1970-01-01T00:00:00.000000000Z\""), std::string::npos) << json;
}

}  // namespace
}  // namespace flowgate::exporter
