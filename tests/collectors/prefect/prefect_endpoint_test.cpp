#include "collectors/prefect/prefect_endpoint.hpp"

#include <gtest/gtest.h>

#include "collectors/prefect/prefect_client.hpp"

namespace flowgate::collectors::prefect {
namespace {

TEST(PrefectEndpoint, SplitsASelfHostedUrl) {
  const auto endpoint = make_endpoint("http://127.0.0.1:4200/api/", "", "");
  ASSERT_TRUE(endpoint) << endpoint.error().message;
  EXPECT_FALSE(endpoint->tls);
  EXPECT_EQ(endpoint->host, "127.0.0.1");
  EXPECT_EQ(endpoint->port, "4200");
  EXPECT_EQ(endpoint->target("/flow_runs/filter"), "/api/flow_runs/filter");
  EXPECT_EQ(endpoint->authorization, "");
}

TEST(PrefectEndpoint, AcceptsCloudUrlsWithAccountAndWorkspace) {
  const auto endpoint = make_endpoint(
      "https://api.prefect.cloud/api/accounts/0f8a8d4e-1111-4c3e-9e3a-5d2f9c1e7a01/workspaces/"
      "9b1c2d3e-2222-4c3e-9e3a-5d2f9c1e7a02",
      "pnu_key", "");
  ASSERT_TRUE(endpoint) << endpoint.error().message;
  EXPECT_TRUE(endpoint->tls);
  EXPECT_EQ(endpoint->port, "443");
  EXPECT_EQ(endpoint->authorization, "Bearer pnu_key");
}

TEST(PrefectEndpoint, RefusesCloudUrlsWithoutWorkspaceAndNonHttpUrls) {
  EXPECT_FALSE(make_endpoint("https://api.prefect.cloud/api", "k", ""));
  EXPECT_FALSE(make_endpoint("ftp://example.com/api", "", ""));
  EXPECT_FALSE(make_endpoint("localhost:4200/api", "", ""));
  EXPECT_FALSE(make_endpoint("http://example.com/api?x=1", "", ""));
}

TEST(PrefectEndpoint, PrefersTheAuthStringOverTheApiKeyAsPrefectsClientDoes) {
  const auto endpoint = make_endpoint("http://prefect:4200/api", "key", "admin:pass");
  ASSERT_TRUE(endpoint);
  EXPECT_EQ(endpoint->authorization, "Basic YWRtaW46cGFzcw==");
}

TEST(PrefectRetryAfter, ReadsSecondsAndHttpDates) {
  const auto now = std::chrono::sys_days{std::chrono::year{2015} / 10 / 21} + std::chrono::hours{7};
  EXPECT_EQ(parse_retry_after("1200", now), std::chrono::seconds{1200});
  EXPECT_EQ(parse_retry_after(" 5 ", now), std::chrono::seconds{5});
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now), std::chrono::seconds{28 * 60});
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 06:00:00 GMT", now), std::chrono::seconds{0});
  EXPECT_EQ(parse_retry_after("soon", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("-1", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("", now), std::nullopt);
}

}  // namespace
}  // namespace flowgate::collectors::prefect
