#include "collectors/prefect/prefect_proxy.hpp"

#include <map>

#include <boost/asio/ip/tcp.hpp>
#include <gtest/gtest.h>

#include "collectors/prefect/prefect_client.hpp"
#include "tests/collectors/prefect/canned_server.hpp"

namespace flowgate::collectors::prefect {
namespace {

using namespace std::chrono_literals;
using testing::CannedServer;

PrefectEndpoint endpoint_of(const std::string& url) {
  auto endpoint = make_endpoint(url, "", "");
  if (!endpoint) throw std::logic_error(endpoint.error().message);
  return *endpoint;
}

std::optional<ProxyRoute> chosen(const std::string& url, const ProxySettings& settings) {
  auto route = choose_proxy(endpoint_of(url), settings);
  if (!route) throw std::logic_error(route.error().message);
  return *route;
}

TEST(PrefectProxy, TakesLowerCaseVariablesBeforeUpperCaseOnes) {
  const std::map<std::string, std::string> environment{
      {"https_proxy", "http://lower:1"}, {"HTTPS_PROXY", "http://upper:2"}, {"HTTP_PROXY", "http://plain:3"},
      {"NO_PROXY", "internal"}};
  const auto settings = proxy_settings_from([&](const char* name) {
    const auto it = environment.find(name);
    return it == environment.end() ? std::string() : it->second;
  });
  EXPECT_EQ(settings.https_proxy, "http://lower:1");
  EXPECT_EQ(settings.http_proxy, "http://plain:3");
  EXPECT_EQ(settings.no_proxy, "internal");
}

TEST(PrefectProxy, PicksTheProxyOfTheApiUrlsSchemeThenAllProxyAndTheFlagBeforeAll) {
  ProxySettings settings;
  settings.https_proxy = "http://secure:3128";
  settings.all_proxy = "http://any:8080";
  EXPECT_EQ(chosen("https://api.prefect.cloud/api/accounts/00000000-0000-0000-0000-000000000000/workspaces/"
                   "00000000-0000-0000-0000-000000000000",
                   settings)->name,
            "http://secure:3128");
  EXPECT_EQ(chosen("http://prefect:4200/api", settings)->name, "http://any:8080");
  settings.proxy_url = "flag-proxy:9";  // no scheme: http
  EXPECT_EQ(chosen("http://prefect:4200/api", settings)->name, "http://flag-proxy:9");
  EXPECT_FALSE(chosen("http://prefect:4200/api", ProxySettings{}));
}

TEST(PrefectProxy, SendsBasicCredentialsOfTheProxyUrlAndDefaultsToPort80) {
  ProxySettings settings;
  settings.http_proxy = "http://user:p%40ss@proxy";
  const auto route = chosen("http://prefect:4200/api", settings);
  ASSERT_TRUE(route);
  EXPECT_EQ(route->port, "80");
  EXPECT_EQ(route->authorization, "Basic dXNlcjpwQHNz");  // user:p@ss
  EXPECT_EQ(route->name.find("user"), std::string::npos);
}

TEST(PrefectProxy, RefusesAProxyUrlThatIsNotHttpNamingWhereItCameFrom) {
  ProxySettings settings;
  settings.https_proxy = "https://proxy:3128";
  const auto route = choose_proxy(endpoint_of("https://prefect.example/api"), settings);
  ASSERT_FALSE(route);
  EXPECT_NE(route.error().message.find("$HTTPS_PROXY"), std::string::npos) << route.error().message;
  EXPECT_NE(route.error().message.find("only http:// proxies"), std::string::npos) << route.error().message;
}

TEST(PrefectProxy, NoProxyMatchesHostsSuffixesPortsStarAndIpLiterals) {
  EXPECT_TRUE(bypasses_proxy("*", "anything", "80"));
  EXPECT_TRUE(bypasses_proxy("example.com", "example.com", "443"));
  EXPECT_TRUE(bypasses_proxy("example.com", "API.Example.com", "443"));
  EXPECT_TRUE(bypasses_proxy(".example.com", "api.example.com", "443"));
  EXPECT_TRUE(bypasses_proxy("*.example.com", "api.example.com", "443"));
  EXPECT_FALSE(bypasses_proxy("example.com", "notexample.com", "443"));
  EXPECT_TRUE(bypasses_proxy("other, prefect:4200", "prefect", "4200"));
  EXPECT_FALSE(bypasses_proxy("prefect:4200", "prefect", "443"));
  EXPECT_TRUE(bypasses_proxy("127.0.0.1 localhost", "127.0.0.1", "4200"));
  EXPECT_FALSE(bypasses_proxy("127.0.0.1", "127.0.0.10", "4200"));
  EXPECT_TRUE(bypasses_proxy("::1", "[::1]", "4200"));
  EXPECT_TRUE(bypasses_proxy("[::1]:4200", "[::1]", "4200"));
  EXPECT_FALSE(bypasses_proxy("", "prefect", "80"));
  ProxySettings settings;
  settings.http_proxy = "http://proxy:3128";
  settings.no_proxy = "prefect";
  EXPECT_FALSE(chosen("http://prefect:4200/api", settings));
}

ClientOptions through(const CannedServer& proxy, std::string credentials = "") {
  ProxySettings settings;
  settings.proxy_url = "http://" + credentials + "127.0.0.1:" + std::to_string(proxy.port());
  ClientOptions options;
  options.first_backoff = 1ms;
  options.proxy = chosen("http://unused/api", settings);
  return options;
}

TEST(PrefectClientProxy, SendsPlainHttpToTheProxyWithTheAbsoluteUrlAndItsCredentials) {
  CannedServer proxy({{200, "[]", {}, false}});
  PrefectClient client(endpoint_of("http://prefect.invalid:4200/api"), through(proxy, "ann:secret@"));
  const auto body = client.post("/flows/filter", "{}");
  ASSERT_TRUE(body) << body.error().message;
  const auto seen = proxy.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].target, "http://prefect.invalid:4200/api/flows/filter");
  EXPECT_EQ(seen[0].proxy_authorization, "Basic YW5uOnNlY3JldA==");
}

TEST(PrefectClientProxy, NamesThePlainHttpProxyRefusingItsCredentials) {
  CannedServer proxy({{407, "<html>no</html>", {}, false}, {401, "<html>no</html>", {}, false},
                      {401, R"({"exception_message":"Unauthorized"})", {}, false}});
  PrefectClient client(endpoint_of("http://prefect.invalid:4200/api"), through(proxy, "ann:wrong@"));
  const std::string hint = "(from the proxy http://127.0.0.1:" + std::to_string(proxy.port()) +
                           ": check the user and password of its URL)";
  for (const int status : {407, 401}) {
    const auto body = client.get("/admin/version");
    ASSERT_FALSE(body);
    EXPECT_EQ(body.error().status, status);
    EXPECT_NE(body.error().message.find(hint), std::string::npos) << body.error().message;
  }
  const auto prefects = client.get("/admin/version");  // Prefect's own 401: no hint about the proxy
  ASSERT_FALSE(prefects);
  EXPECT_EQ(prefects.error().message.find("from the proxy"), std::string::npos) << prefects.error().message;
}

TEST(PrefectClientProxy, ReportsATunnelRefusedWithProxyAuthenticationRequiredOnceAndClearly) {
  CannedServer proxy({{407, "", {{"Proxy-Authenticate", "Basic realm=\"p\""}}, false}});
  PrefectClient client(endpoint_of("https://prefect.invalid/api"), through(proxy));
  const auto body = client.get("/admin/version");
  ASSERT_FALSE(body);
  EXPECT_EQ(body.error().kind, ClientErrorKind::http_status);
  EXPECT_EQ(body.error().status, 407);
  const std::string expected = "GET /api/admin/version: the proxy http://127.0.0.1:" + std::to_string(proxy.port()) +
                               " (CONNECT prefect.invalid:443) answered 407 Proxy Authentication Required";
  EXPECT_NE(body.error().message.find(expected), std::string::npos) << body.error().message;
  EXPECT_NE(body.error().message.find("wants credentials"), std::string::npos) << body.error().message;
  const auto seen = proxy.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "CONNECT");
  EXPECT_EQ(seen[0].target, "prefect.invalid:443");
}

TEST(PrefectClientProxy, RetriesATunnelTheProxyCouldNotOpenWithBadGateway) {
  CannedServer proxy({{502, "", {}, false}, {502, "", {}, false}, {502, "", {}, false}});
  PrefectClient client(endpoint_of("https://prefect.invalid/api"), through(proxy));
  const auto body = client.get("/admin/version");
  ASSERT_FALSE(body);
  EXPECT_EQ(body.error().status, 502);
  EXPECT_NE(body.error().message.find("answered 502 Bad Gateway"), std::string::npos) << body.error().message;
  EXPECT_EQ(proxy.seen().size(), 3u);
}

TEST(PrefectClientProxy, NamesAProxyThatRefusesTheConnection) {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor closed(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const auto port = closed.local_endpoint().port();
  closed.close();
  ProxySettings settings;
  settings.proxy_url = "http://127.0.0.1:" + std::to_string(port);
  ClientOptions options;
  options.first_backoff = 1ms;
  options.proxy = chosen("http://unused/api", settings);
  PrefectClient client(endpoint_of("https://prefect.invalid/api"), options);
  const auto body = client.get("/admin/version");
  ASSERT_FALSE(body);
  EXPECT_EQ(body.error().kind, ClientErrorKind::transport);
  EXPECT_NE(body.error().message.find("cannot reach the proxy http://127.0.0.1:" + std::to_string(port) +
                                      ": Connection refused"),
            std::string::npos)
      << body.error().message;
}

}  // namespace
}  // namespace flowgate::collectors::prefect
