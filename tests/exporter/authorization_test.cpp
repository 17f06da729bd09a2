// --web.authorization.file: the selector, the reader and the route checks.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "exporter/authorization.hpp"
#include "exporter/authorization_file.hpp"
#include "exporter/group_selector.hpp"
#include "tests/exporter/route_fixture.hpp"

namespace flowgate::exporter {
namespace {

using testing::body_of;
using testing::flags_of;
using testing::RouteFixture;

exposition::Labels key(std::initializer_list<std::pair<const char*, const char*>> labels) {
  exposition::Labels out;
  for (const auto& [name, value] : labels) out.push_back({name, value});
  return out;
}

GroupSelector selector(std::string_view text) {
  auto parsed = GroupSelector::parse(text);
  EXPECT_TRUE(parsed) << text << ": " << (parsed ? "" : parsed.error());
  return parsed ? *parsed : *GroupSelector::parse("{}");
}

TEST(GroupSelector, EqualityComparesTheWholeValue) {
  auto billing = selector(R"({job="billing"})");
  EXPECT_TRUE(billing.matches(key({{"job", "billing"}})));
  EXPECT_TRUE(billing.matches(key({{"instance", "a"}, {"job", "billing"}})));  // unnamed labels are free
  EXPECT_FALSE(billing.matches(key({{"job", "billing2"}})));
  EXPECT_FALSE(billing.matches(key({{"job", "bill"}})));
}

TEST(GroupSelector, RegexIsAnchoredAsInPromQL) {
  auto nightly = selector(R"({job=~"etl-.*"})");
  EXPECT_TRUE(nightly.matches(key({{"job", "etl-nightly"}})));
  EXPECT_FALSE(nightly.matches(key({{"job", "x-etl-nightly"}})));
  auto alternatives = selector(R"({ job =~ "a|b" })");
  EXPECT_TRUE(alternatives.matches(key({{"job", "b"}})));
  EXPECT_FALSE(alternatives.matches(key({{"job", "ab"}})));
}

TEST(GroupSelector, EveryMatcherMustHoldAndAnAbsentLabelIsEmpty) {
  auto both = selector(R"({job="etl", instance=~"h[0-9]+",})");
  EXPECT_TRUE(both.matches(key({{"instance", "h1"}, {"job", "etl"}})));
  EXPECT_FALSE(both.matches(key({{"instance", "hx"}, {"job", "etl"}})));
  EXPECT_FALSE(both.matches(key({{"job", "etl"}})));
  auto no_instance = selector(R"({job="etl", instance=""})");
  EXPECT_TRUE(no_instance.matches(key({{"job", "etl"}})));
  EXPECT_FALSE(no_instance.matches(key({{"instance", "h1"}, {"job", "etl"}})));
}

TEST(GroupSelector, EmptySelectorCoversEveryGroup) {
  EXPECT_TRUE(selector("{}").matches(key({{"job", "anything"}, {"x", "y"}})));
}

TEST(GroupSelector, ValuesTakeEscapes) {
  EXPECT_TRUE(selector(R"({job="a\"b\\c"})").matches(key({{"job", "a\"b\\c"}})));
}

TEST(GroupSelector, RefusalsNameTheColumn) {
  auto unclosed = GroupSelector::parse(R"({job="a")");
  ASSERT_FALSE(unclosed);
  EXPECT_EQ(unclosed.error(), "column 9: expected ',' or '}'");
  auto negative = GroupSelector::parse(R"({job!="a"})");
  ASSERT_FALSE(negative);
  EXPECT_EQ(negative.error(), "column 5: expected = or =~ (negative matchers are not supported in an allow-list)");
  auto bare = GroupSelector::parse(R"(job="a")");
  ASSERT_FALSE(bare);
  EXPECT_EQ(bare.error(), "column 1: expected '{'");
  EXPECT_FALSE(GroupSelector::parse(R"({job=a})"));
  EXPECT_FALSE(GroupSelector::parse(R"({1job="a"})"));
  EXPECT_FALSE(GroupSelector::parse(R"({job="a"} x)"));
  auto regex = GroupSelector::parse(R"({job=~"(a"})");
  ASSERT_FALSE(regex);
  EXPECT_EQ(regex.error(), "invalid regular expression \"(a\" for label job: missing ): (a");
}

TEST(GroupSelector, RegexIsRe2AsPrometheusWritesIt) {
  auto any_case = selector(R"({job=~"(?i)etl-.*"})");
  EXPECT_TRUE(any_case.matches(key({{"job", "ETL-nightly"}})));
  EXPECT_TRUE(selector(R"({job=~"a.b"})").matches(key({{"job", "a\nb"}})));  // PromQL's (?s)
  EXPECT_TRUE(selector(R"({job=~"\\pL+"})").matches(key({{"job", "billing"}})));
  // Perl's look-arounds and back-references are not RE2, so Prometheus refuses them too.
  EXPECT_FALSE(GroupSelector::parse(R"({job=~"(?!x).*"})"));
  EXPECT_FALSE(GroupSelector::parse(R"({job=~"(a)\\1"})"));
}

constexpr const char* kRules = R"(# who may do what
users:
  billing:
    push:
      - '{job="billing"}'
      - '{job=~"billing-.*", instance=~"h[0-9]+"}'
  reader:
  blind:
    scrape: false
    push: ['{job="blind"}']
  ops:
    push: ['{}']
    admin: true
    lifecycle: true
)";

TEST(Authorization, ReadsUsersAndTheirRights) {
  auto rules = parse_authorization(kRules);
  ASSERT_TRUE(rules) << rules.error().message;
  EXPECT_EQ(rules->users.size(), 4u);
  EXPECT_TRUE(rules->may_change("billing", key({{"job", "billing"}})));
  EXPECT_TRUE(rules->may_change("billing", key({{"instance", "h7"}, {"job", "billing-nightly"}})));
  EXPECT_FALSE(rules->may_change("billing", key({{"job", "billing-nightly"}})));
  EXPECT_FALSE(rules->may_change("billing", key({{"job", "payments"}})));
  EXPECT_TRUE(rules->may("billing", Permission::scrape));
  EXPECT_FALSE(rules->may("billing", Permission::admin));
  EXPECT_FALSE(rules->may_change("reader", key({{"job", "billing"}})));
  EXPECT_TRUE(rules->may("reader", Permission::scrape));
  EXPECT_FALSE(rules->may("blind", Permission::scrape));
  EXPECT_TRUE(rules->may_change("ops", key({{"job", "anything"}})));
  EXPECT_TRUE(rules->may("ops", Permission::admin));
  EXPECT_TRUE(rules->may("ops", Permission::lifecycle));
}

TEST(Authorization, UnlistedUsersAndAnonymousRequestsMayOnlyScrape) {
  auto rules = parse_authorization(kRules);
  ASSERT_TRUE(rules);
  for (std::string_view user : {"stranger", ""}) {
    EXPECT_TRUE(rules->may(user, Permission::scrape)) << user;
    EXPECT_FALSE(rules->may(user, Permission::admin)) << user;
    EXPECT_FALSE(rules->may(user, Permission::lifecycle)) << user;
    EXPECT_FALSE(rules->may_change(user, key({{"job", "billing"}}))) << user;
  }
}

TEST(Authorization, EmptyFileGrantsNoChanges) {
  auto rules = parse_authorization("# nobody yet\n");
  ASSERT_TRUE(rules);
  EXPECT_FALSE(rules->may_change("ops", key({{"job", "a"}})));
}

TEST(Authorization, RefusalsNameTheLineAndKey) {
  auto expect_error = [](std::string_view yaml, std::string_view message) {
    auto rules = parse_authorization(yaml);
    ASSERT_FALSE(rules) << yaml;
    EXPECT_EQ(rules.error().message, message);
  };
  expect_error("users:\n  ci:\n    pussh: ['{}']\n",
               "line 3: users.ci.pussh: unknown key (known: push, scrape, admin, lifecycle)");
  expect_error("users:\n  ci:\n    push:\n      - '{}'\n      - '{job=\"a\"'\n",
               "line 5: users.ci.push[1]: selector {job=\"a\": column 9: expected ',' or '}'");
  expect_error("users:\n  ci:\n    admin: maybe\n",
               "line 3: users.ci.admin: expected true or false (unquoted), got the value \"maybe\"");
  expect_error("users:\n  ci:\n    push: '{}'\n",
               "line 3: users.ci.push: must be a list of quoted selectors, e.g. ['{job=\"billing\"}']");
  expect_error("user:\n  ci:\n", "line 1: user: unknown key (known: users)");
  expect_error("users:\n  ci:\n    push: [{job: a}]\n", "line 3: users.ci.push[0]: must be a quoted selector");
  expect_error("users:\n  ci:\n  ci:\n", "line 3: users.ci: key \"ci\" already set in the map");
  expect_error("users: [ci\n", "line 2: YAML syntax: end of sequence flow not found");
}

TEST(Authorization, ReadsFlowStyleAnchorsAndYamlBooleans) {
  auto rules = parse_authorization(
      "users: {ops: &all {push: ['{}'], admin: yes}, ops2: *all, ci: {push: ['{job=\"ci\"}'], scrape: off}}\n");
  ASSERT_TRUE(rules) << rules.error().message;
  EXPECT_TRUE(rules->may("ops", Permission::admin));
  EXPECT_TRUE(rules->may("ops2", Permission::admin));
  EXPECT_FALSE(rules->may("ci", Permission::scrape));
  EXPECT_TRUE(rules->may_change("ci", key({{"job", "ci"}})));
  EXPECT_TRUE(parse_authorization("users: {}\n"));
}

// The route table with an authorization file, as the server dispatches it.
class AuthorizedRoutes : public ::testing::Test {
 protected:
  AuthorizedRoutes() {
    {
      std::ofstream out(path_);
      out << kRules;
    }
    auto opened = AuthorizationFile::open(path_.string());
    EXPECT_TRUE(opened) << opened.error().message;
    rules_ = std::move(*opened);
    fixture_ = std::make_unique<RouteFixture>(flags_of({"--web.enable-admin-api", "--web.enable-lifecycle"}),
                                              rules_.get());
  }
  ~AuthorizedRoutes() override { std::filesystem::remove(path_); }

  Dispatched send(std::string_view user, std::string_view method, std::string_view target,
                  std::string_view body = {}) {
    return fixture_->send(method, target, body, {}, user);
  }

  std::filesystem::path path_ = std::filesystem::temp_directory_path() /
                                ("flowgate-authorization-" + std::to_string(::getpid()) + ".yml");
  std::unique_ptr<AuthorizationFile> rules_;
  std::unique_ptr<RouteFixture> fixture_;
};

TEST_F(AuthorizedRoutes, PushInsideTheScopeIsStored) {
  EXPECT_EQ(send("billing", "PUT", "/metrics/job/billing", "m 1\n").reply.status, 200);
  EXPECT_EQ(send("billing", "POST", "/metrics/job/billing-nightly/instance/h2", "m 1\n").reply.status, 200);
  EXPECT_EQ(send("billing", "DELETE", "/metrics/job/billing").reply.status, 202);
}

TEST_F(AuthorizedRoutes, PushOutsideTheScopeIs403NamingUserAndKeyAndChangesNothing) {
  ASSERT_EQ(send("ops", "PUT", "/metrics/job/payments/instance/a", "m 1\n").reply.status, 200);
  const std::string before = body_of(send("ops", "GET", "/api/v1/metrics").reply);

  auto push = send("billing", "PUT", "/metrics/job/payments/instance/a", "m 2\n").reply;
  EXPECT_EQ(push.status, 403);
  EXPECT_EQ(push.body,
            "user \"billing\" may not push to grouping key {job=\"payments\",instance=\"a\"} "
            "(--web.authorization.file)\n");
  auto bad_body = send("billing", "POST", "/metrics/job/payments/instance/a", "not metrics{\n").reply;
  EXPECT_EQ(bad_body.status, 403);  // refused before the body is parsed: no failure recorded for the group
  auto remove = send("billing", "DELETE", "/metrics/job/payments/instance/a").reply;
  EXPECT_EQ(remove.status, 403);
  EXPECT_NE(remove.body.find("may not delete grouping key {job=\"payments\",instance=\"a\"}"), std::string::npos)
      << remove.body;
  EXPECT_EQ(body_of(send("ops", "GET", "/api/v1/metrics").reply), before);
  std::string scrape = body_of(send("ops", "GET", "/metrics").reply);
  EXPECT_EQ(scrape.find("flowgate_push_rejections_total"), std::string::npos) << "a 403 is no push rejection";
}

TEST_F(AuthorizedRoutes, AnOtlpExportNeedsPushRightsForEveryResourcesGroup) {
  const std::string billing = R"({"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":)"
                              R"({"stringValue":"billing"}}]},"scopeMetrics":[{"metrics":[{"name":"m","gauge":)"
                              R"({"dataPoints":[{"asDouble":1}]}}]}]}]})";
  EXPECT_EQ(fixture_->send_otlp("/v1/metrics", "application/json", billing, "billing").reply.status, 200);
  std::string payments = billing;
  payments.replace(payments.find("\"billing\""), 9, "\"payments\"");
  const auto refused = fixture_->send_otlp("/v1/metrics", "application/json", payments, "billing").reply;
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(refused.body, R"x({"code":7,"message":"user \"billing\" may not push to grouping key {job=\"payments\"} )x"
                          R"x((--web.authorization.file)"})x");
  const std::string scrape = body_of(send("ops", "GET", "/metrics").reply);
  EXPECT_EQ(scrape.find("payments"), std::string::npos) << scrape;
  EXPECT_EQ(scrape.find("flowgate_push_rejections_total"), std::string::npos) << "a 403 is no push rejection";
}

TEST_F(AuthorizedRoutes, GroupingLabelsBeyondTheSelectorsAreChecked) {
  EXPECT_EQ(send("billing", "PUT", "/metrics/job/billing-nightly/instance/h2", "m 1\n").reply.status, 200);
  EXPECT_EQ(send("billing", "PUT", "/metrics/job/billing-nightly/instance/web", "m 1\n").reply.status, 403);
  EXPECT_EQ(send("billing", "PUT", "/metrics/job@base64/YmlsbGluZy1uaWdodGx5/instance/h3", "m 1\n").reply.status,
            200);  // the key is decoded before it is matched
}

TEST_F(AuthorizedRoutes, BadGroupingKeyStillGets400) {
  EXPECT_EQ(send("billing", "PUT", "/metrics/job/billing/odd", "m 1\n").reply.status, 400);
}

TEST_F(AuthorizedRoutes, ScrapeOnlyUsersCannotPushAndUnlistedUsersAreScrapeOnly) {
  for (std::string_view user : {"reader", "stranger"}) {
    EXPECT_EQ(send(user, "PUT", "/metrics/job/billing", "m 1\n").reply.status, 403) << user;
    EXPECT_EQ(send(user, "GET", "/metrics").reply.status, 200) << user;
    EXPECT_EQ(send(user, "GET", "/api/v1/status").reply.status, 200) << user;
    EXPECT_EQ(send(user, "GET", "/").reply.status, 200) << user;
  }
}

TEST_F(AuthorizedRoutes, ScrapeFalseHidesMetricsApiAndStatusPage) {
  for (std::string_view target : {"/metrics", "/api/v1/metrics", "/api/v1/status", "/status"}) {
    auto reply = send("blind", "GET", target).reply;
    EXPECT_EQ(reply.status, 403) << target;
    EXPECT_NE(reply.body.find("user \"blind\" may not scrape"), std::string::npos) << reply.body;
  }
  EXPECT_EQ(send("blind", "HEAD", "/metrics").reply.status, 403);
  EXPECT_EQ(send("blind", "GET", "/-/healthy").reply.status, 200);
  EXPECT_EQ(send("blind", "PUT", "/metrics/job/blind", "m 1\n").reply.status, 200);
}

TEST_F(AuthorizedRoutes, AdminAndLifecycleNeedTheirRights) {
  auto wipe = send("billing", "PUT", "/api/v1/admin/wipe").reply;
  EXPECT_EQ(wipe.status, 403);
  EXPECT_EQ(wipe.body, "user \"billing\" may not use the admin API (--web.authorization.file)\n");
  EXPECT_EQ(send("billing", "POST", "/-/quit").reply.status, 403);
  EXPECT_EQ(fixture_->shutdown_requests, 0);
  EXPECT_EQ(send("ops", "PUT", "/api/v1/admin/wipe").reply.status, 202);
  EXPECT_EQ(send("ops", "POST", "/-/quit").reply.status, 200);
  EXPECT_EQ(fixture_->shutdown_requests, 1);
}

TEST_F(AuthorizedRoutes, ReloadTakesNewRulesAndABadFileKeepsTheOld) {
  EXPECT_EQ(send("reader", "PUT", "/metrics/job/r", "m 1\n").reply.status, 403);
  {
    std::ofstream out(path_);
    out << "users:\n  reader:\n    push: ['{job=\"r\"}']\n";
  }
  ASSERT_TRUE(rules_->reload());
  EXPECT_EQ(send("reader", "PUT", "/metrics/job/r", "m 1\n").reply.status, 200);
  {
    std::ofstream out(path_);
    out << "users:\n  reader:\n    push: ['{job=\"r\"']\n";
  }
  auto failed = rules_->reload();
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().message.find("line 3: users.reader.push[0]"), std::string::npos) << failed.error().message;
  EXPECT_EQ(send("reader", "PUT", "/metrics/job/r", "m 2\n").reply.status, 200);
}

TEST(Routes, WithoutAnAuthorizationFileEveryoneMayDoEverything) {
  RouteFixture fixture(flags_of({"--web.enable-admin-api"}));
  EXPECT_EQ(fixture.send("PUT", "/metrics/job/x", "m 1\n", {}, "anyone").reply.status, 200);
  EXPECT_EQ(fixture.send("PUT", "/api/v1/admin/wipe", {}, {}, "anyone").reply.status, 202);
}

}  // namespace
}  // namespace flowgate::exporter
