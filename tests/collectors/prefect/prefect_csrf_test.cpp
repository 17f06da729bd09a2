#include "collectors/prefect/prefect_csrf.hpp"

#include <gtest/gtest.h>

#include "collectors/prefect/prefect_client.hpp"
#include "tests/collectors/prefect/canned_server.hpp"

namespace flowgate::collectors::prefect {
namespace {

using namespace std::chrono_literals;
using testing::CannedServer;

std::string token_body(const std::string& token) {
  return R"({"token":")" + token + R"(","client":"c","expiration":"2999-01-01T00:00:00Z","id":"x"})";
}

const CannedServer::Reply kInvalid{403, R"({"detail":"Invalid CSRF token or client identifier."})", {}, false};

PrefectClient client_for(const CannedServer& server, bool csrf) {
  auto endpoint = make_endpoint(server.url(), "", "");
  if (!endpoint) throw std::logic_error(endpoint.error().message);
  ClientOptions options;
  options.first_backoff = 1ms;
  options.csrf = csrf;
  return PrefectClient(*endpoint, options);
}

TEST(PrefectCsrf, RecognisesTheServersRefusalsOfTheToken) {
  EXPECT_TRUE(is_csrf_refusal(403, R"({"detail":"Missing CSRF token."})"));
  EXPECT_TRUE(is_csrf_refusal(403, R"({"detail":"Invalid CSRF token or client identifier."})"));
  EXPECT_TRUE(is_csrf_refusal(403, R"({"detail":"Missing client identifier."})"));
  EXPECT_FALSE(is_csrf_refusal(403, R"({"detail":"Forbidden"})"));
  EXPECT_FALSE(is_csrf_refusal(401, R"({"detail":"Missing CSRF token."})"));
}

TEST(PrefectCsrf, FetchesTheNextTokenInTheLastQuarterOfTheCurrentOnesLife) {
  CsrfTokens tokens;
  const auto now = *parse_timestamp("2026-12-06T10:00:00Z");
  EXPECT_TRUE(tokens.due(now));
  ASSERT_FALSE(tokens.accept(R"({"token":"t1","client":"c","expiration":"2026-12-06T10:00:20Z"})", now));
  EXPECT_EQ(tokens.token(), "t1");
  EXPECT_FALSE(tokens.due(now + 14s));
  EXPECT_TRUE(tokens.due(now + 15s));
  tokens.forget();
  EXPECT_TRUE(tokens.due(now));
  EXPECT_TRUE(tokens.accept(R"({"token":"t2","client":"c"})", now));  // no expiration: refused
}

TEST(PrefectCsrf, UsesARandomUuidAsClientId) {
  const CsrfTokens a, b;
  EXPECT_EQ(a.client().size(), 36u);
  EXPECT_EQ(a.client()[14], '4');
  EXPECT_NE(a.client(), b.client());
}

TEST(PrefectClientCsrf, FetchesATokenThenSendsItWithTheClientIdOnPosts) {
  CannedServer server({{200, token_body("t1"), {}, false}, {200, "[]", {}, false}, {200, "[]", {}, false},
                       {200, "\"3.9.1\"", {}, false}});
  auto client = client_for(server, true);
  ASSERT_TRUE(client.post("/flows/filter", "{}"));
  ASSERT_TRUE(client.post("/flows/filter", "{}"));
  ASSERT_TRUE(client.get("/admin/version"));
  const auto seen = server.seen();
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].target.rfind("/api/csrf-token?client=", 0), 0u) << seen[0].target;
  const std::string client_id = seen[0].target.substr(seen[0].target.find('=') + 1);
  for (int i : {1, 2}) {
    EXPECT_EQ(seen[i].csrf_token, "t1");
    EXPECT_EQ(seen[i].csrf_client, client_id);
  }
  EXPECT_EQ(seen[3].csrf_token, "");
  EXPECT_EQ(client.stats().csrf_token_fetches, 1u);
}

TEST(PrefectClientCsrf, FetchesANewTokenOnceWhenTheServerRefusesTheOneSent) {
  CannedServer server({{200, token_body("old"), {}, false}, kInvalid, {200, token_body("new"), {}, false},
                       {200, "[]", {}, false}});
  auto client = client_for(server, true);
  const auto body = client.post("/flows/filter", "{}");
  ASSERT_TRUE(body) << body.error().message;
  const auto seen = server.seen();
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[3].csrf_token, "new");
  EXPECT_EQ(client.stats().csrf_token_fetches, 2u);
}

TEST(PrefectClientCsrf, FailsClearlyWhenTheNewTokenIsRefusedToo) {
  CannedServer server({{200, token_body("a"), {}, false}, kInvalid, {200, token_body("b"), {}, false}, kInvalid});
  auto client = client_for(server, true);
  const auto body = client.post("/flows/filter", "{}");
  ASSERT_FALSE(body);
  EXPECT_EQ(body.error().status, 403);
  EXPECT_NE(body.error().message.find("Invalid CSRF token or client identifier. (again with a new CSRF token)"),
            std::string::npos)
      << body.error().message;
}

TEST(PrefectClientCsrf, SaysToEnableCsrfWhenTheServerWantsATokenAndNoneIsSent) {
  CannedServer server({{403, R"({"detail":"Missing CSRF token."})", {}, false}});
  auto client = client_for(server, false);
  const auto body = client.post("/flows/filter", "{}");
  ASSERT_FALSE(body);
  EXPECT_NE(body.error().message.find("HTTP 403: Missing CSRF token. (the server has CSRF protection on: start "
                                      "flowgate with --prefect.csrf)"),
            std::string::npos)
      << body.error().message;
}

TEST(PrefectClientCsrf, SendsPlainPostsToAServerWithoutCsrfProtection) {
  CannedServer server({{422, R"({"detail":"CSRF protection is disabled."})", {}, false}, {200, "[]", {}, false},
                       {200, "[]", {}, false}});
  auto client = client_for(server, true);
  ASSERT_TRUE(client.post("/flows/filter", "{}"));
  ASSERT_TRUE(client.post("/flows/filter", "{}"));
  const auto seen = server.seen();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[1].csrf_token, "");
  EXPECT_EQ(seen[2].method, "POST");
}

}  // namespace
}  // namespace flowgate::collectors::prefect
