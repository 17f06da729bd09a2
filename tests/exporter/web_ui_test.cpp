// The web UI's server side: the Groups page's JSON (paging, filter, state),
// the Status page, the shell and the embedded files, all through the real
// route table. The browser side is tests/webui.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "exporter/groups_api.hpp"
#include "exporter/status_page.hpp"
#include "route_fixture.hpp"

namespace flowgate::exporter {
namespace {

using testing::body_of;
using testing::flags_of;
using testing::header;
using testing::RouteFixture;

// `method` `target` as if received at `now` (the fixture's own requests are at 1.7e9).
Reply send_at(const RouteFixture& fixture, std::string_view method, std::string_view target, double now,
              std::string_view body = {}) {
  Request request;
  request.method = method;
  request.target = target;
  request.body = body;
  request.received_at = now;
  return fixture.dispatcher.dispatch(request).reply;
}

Reply get_at(const RouteFixture& fixture, std::string_view target, double now) {
  return send_at(fixture, "GET", target, now);
}

std::string groups(const RouteFixture& fixture, std::string_view query) {
  return body_of(fixture.send("GET", "/api/v1/groups" + std::string(query)).reply);
}

TEST(GroupsApi, PagesThroughTheGroupsInGroupingKeyOrder) {
  RouteFixture fixture(flags_of({}));
  for (const char* job : {"d", "a", "c", "b", "e"}) {
    ASSERT_EQ(fixture.send("PUT", std::string("/metrics/job/") + job, "m 1\n").reply.status, 200);
  }
  const std::string page = groups(fixture, "?offset=1&limit=2");
  EXPECT_NE(page.find("\"total\":5,\"matched\":5,\"offset\":1,\"limit\":2"), std::string::npos) << page;
  const auto b = page.find("{\"name\":\"job\",\"value\":\"b\"}");
  const auto c = page.find("{\"name\":\"job\",\"value\":\"c\"}");
  EXPECT_TRUE(b != std::string::npos && c != std::string::npos && b < c) << page;
  EXPECT_EQ(page.find("\"value\":\"a\""), std::string::npos);
  EXPECT_EQ(page.find("\"value\":\"d\""), std::string::npos);
  EXPECT_NE(groups(fixture, "?offset=9").find("\"groups\":[]"), std::string::npos);
  // The largest offset with the largest page: no sum wraps back onto the groups.
  EXPECT_NE(groups(fixture, "?offset=18446744073709551615&limit=500").find("\"groups\":[]"), std::string::npos);
}

TEST(GroupsApi, FilterNeedsEveryTermToMatchALabelOrAFamilyName) {
  RouteFixture fixture(flags_of({}));
  ASSERT_EQ(fixture.send("PUT", "/metrics/job/billing/instance/eu-1", "invoices_sent 1\n").reply.status, 200);
  ASSERT_EQ(fixture.send("PUT", "/metrics/job/billing/instance/us-1", "invoices_sent 1\n").reply.status, 200);
  ASSERT_EQ(fixture.send("PUT", "/metrics/job/etl/instance/eu-1", "rows_written 1\n").reply.status, 200);
  EXPECT_NE(groups(fixture, "?match=job%3Dbill").find("\"matched\":2"), std::string::npos);
  EXPECT_NE(groups(fixture, "?match=job%3Dbill+instance%3DEU").find("\"matched\":1"), std::string::npos);
  EXPECT_NE(groups(fixture, "?match=ROWS_written").find("\"matched\":1"), std::string::npos);
  EXPECT_NE(groups(fixture, "?match=eu-1").find("\"matched\":2"), std::string::npos);
  // `name=value` looks only at the label called `name`.
  EXPECT_NE(groups(fixture, "?match=instance%3Dbilling").find("\"matched\":0"), std::string::npos);
  EXPECT_NE(groups(fixture, "?match=%20%20").find("\"matched\":3"), std::string::npos);
}

TEST(GroupsApi, RefusesBadParametersNamingTheRule) {
  RouteFixture fixture(flags_of({}));
  const auto limit = fixture.send("GET", "/api/v1/groups?limit=501").reply;
  EXPECT_EQ(limit.status, 400);
  EXPECT_NE(limit.body.find("limit \\\"501\\\": must be a whole number from 1 to 500"), std::string::npos)
      << limit.body;
  const auto offset = fixture.send("GET", "/api/v1/groups?offset=-1").reply;
  EXPECT_EQ(offset.status, 400);
  EXPECT_NE(offset.body.find("offset"), std::string::npos);
  const auto unknown = fixture.send("GET", "/api/v1/groups?page=2").reply;
  EXPECT_EQ(unknown.status, 400);
  EXPECT_NE(unknown.body.find("known: offset, limit, match"), std::string::npos) << unknown.body;
}

TEST(GroupsApi, StateFollowsTheGroupUpGauge) {
  RouteFixture fixture(flags_of({}));
  ASSERT_EQ(fixture.send("PUT", "/metrics/job/fresh", "m 1\n").reply.status, 200);
  ASSERT_EQ(fixture.send("PUT", "/metrics/job/late",
                         "# TYPE prefect_task_expected_push_interval_seconds gauge\n"
                         "prefect_task_expected_push_interval_seconds 60\nm 1\n").reply.status, 200);
  ASSERT_EQ(fixture.send("PUT", "/metrics/job/broken", "b 1\n").reply.status, 200);
  ASSERT_EQ(send_at(fixture, "PUT", "/metrics/job/broken", 1'700'000'001, "# TYPE m counter\nm 1\n").status, 400);
  const auto state_of = [&fixture](std::string_view job, double now) {
    const std::string body = body_of(get_at(fixture, "/api/v1/groups?match=job%3D" + std::string(job), now));
    const auto at = body.find("\"state\":\"");
    return at == std::string::npos ? body : body.substr(at + 9, body.find('"', at + 9) - at - 9);
  };
  EXPECT_EQ(state_of("fresh", 1'700'000'000 + 86'400), "fresh");  // no deadline: never stale
  EXPECT_EQ(state_of("late", 1'700'000'000 + 60), "fresh");
  EXPECT_EQ(state_of("late", 1'700'000'000 + 61), "stale");
  EXPECT_EQ(state_of("broken", 1'700'000'001), "failed");
}

TEST(GroupsApi, DefaultGroupTtlIsTheDeadlineOfGroupsThatDeclareNone) {
  RouteFixture fixture(flags_of({"--push.group-ttl=5m"}));
  ASSERT_EQ(fixture.send("PUT", "/metrics/job/a", "m 1\n").reply.status, 200);
  const std::string body = body_of(get_at(fixture, "/api/v1/groups", 1'700'000'000 + 301));
  EXPECT_NE(body.find("\"deadline\":300.0,\"state\":\"stale\""), std::string::npos) << body;
}

TEST(GroupsApi, CutsALongFamilyAtALineEndAndSaysSo) {
  RouteFixture fixture(flags_of({}));
  std::string push;
  for (int i = 0; i < 1000; ++i) push += "m{i=\"" + std::to_string(i) + "\"} " + std::to_string(i) + "\n";
  ASSERT_EQ(fixture.send("PUT", "/metrics/job/big", push).reply.status, 200);
  const std::string body = groups(fixture, "");
  EXPECT_NE(body.find("\"series\":1000,"), std::string::npos);
  EXPECT_NE(body.find("\\n\",\"truncated\":true"), std::string::npos) << body.substr(0, 400);
  EXPECT_LT(body.size(), kMaxSampleBytes * 3 / 2);  // escaped quotes
}

TEST(GroupsApi, EscapesMarkupInsideItsJson) {
  RouteFixture fixture(flags_of({}));
  ASSERT_EQ(fixture.send("PUT", "/metrics/job/x", "# HELP m <script>alert(1)</script>\nm 1\n").reply.status, 200);
  const std::string body = groups(fixture, "");
  EXPECT_EQ(body.find("<script"), std::string::npos);
  EXPECT_NE(body.find("\\u003cscript\\u003e"), std::string::npos) << body;
}

TEST(WebUi, StatusPageEscapesFlagsAndRuntimeDetails) {
  const std::map<std::string, std::string> flags{{"prefect.api-url", "http://p/<x>"}, {"weird", "\"><script>"}};
  StatusInfo info{&flags, 1'700'000'000, false};
  info.runtime = [] {
    RuntimeState state;
    state.collectors.push_back({"prefect", false, 2.5, "GET /api/health: <b>refused</b>"});
    state.collectors.push_back({"process", true, 0.001, ""});
    return state;
  };
  const std::string html = status_page(info, 1'700'000'100).body;
  EXPECT_EQ(html.find("<script>"), std::string::npos) << html;
  EXPECT_EQ(html.find("<b>"), std::string::npos);
  EXPECT_NE(html.find("&lt;b&gt;refused&lt;/b&gt;"), std::string::npos) << html;
  EXPECT_NE(html.find("http://p/&lt;x&gt;"), std::string::npos);
  EXPECT_NE(html.find(">failing</span>"), std::string::npos);
  EXPECT_NE(html.find("<th scope=\"row\">Uptime</th><td>100 s</td>"), std::string::npos) << html;
  EXPECT_NE(html.find("memory only"), std::string::npos);
}

TEST(WebUi, StatusPageShowsTheWriteAheadLogAndLastCompaction) {
  StatusInfo info;
  info.runtime = [] {
    RuntimeState state;
    state.persistence.persistent = true;
    state.persistence.log.bytes = 3 * 1024 * 1024;
    state.persistence.last_compaction_time = 1'700'000'000;
    return state;
  };
  const std::string html = status_page(info, 1'700'000'100).body;
  EXPECT_NE(html.find("<td>3.0 MiB</td>"), std::string::npos) << html;
  EXPECT_NE(html.find("<td>2023-11-14T22:13:20Z</td>"), std::string::npos) << html;
}

TEST(WebUi, GroupsPageEscapesTheGrafanaUrlAndOffersWipeOnlyWithTheAdminApi) {
  RouteFixture plain(flags_of({"--web.grafana-url=https://g/\"><script>"}));
  const std::string html = body_of(plain.send("GET", "/").reply);
  EXPECT_NE(html.find("data-grafana-url=\"https://g/&#34;&gt;&lt;script&gt;\""), std::string::npos) << html;
  EXPECT_EQ(html.find("id=\"wipe\""), std::string::npos);
  RouteFixture admin(flags_of({"--web.enable-admin-api"}));
  EXPECT_NE(body_of(admin.send("GET", "/").reply).find("id=\"wipe\""), std::string::npos);
}

std::string file_text(const char* path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(WebUi, ServesTheEmbeddedFilesUnderTheRoutePrefix) {
  RouteFixture fixture(flags_of({"--web.route-prefix=/pg"}));
  const auto script = fixture.send("GET", "/pg/static/flowgate.js").reply;
  EXPECT_EQ(script.status, 200);
  EXPECT_EQ(script.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(script.body, file_text(FLOWGATE_WEB_DIR "/flowgate.js"));
  const auto style = fixture.send("GET", "/pg/static/flowgate.css").reply;
  EXPECT_EQ(style.content_type, "text/css; charset=utf-8");
  EXPECT_EQ(style.body, file_text(FLOWGATE_WEB_DIR "/flowgate.css"));
  EXPECT_EQ(header(style, "Cache-Control"), "no-cache");
  EXPECT_EQ(fixture.send("GET", "/pg/static/nothing").reply.status, 404);
  EXPECT_EQ(fixture.send("GET", "/static/flowgate.js").reply.status, 404);
  EXPECT_EQ(fixture.send("GET", "/pg/status").reply.status, 200);
}

}  // namespace
}  // namespace flowgate::exporter
