#include "collectors/prefect/prefect_client.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <gtest/gtest.h>

#include "tests/collectors/prefect/canned_server.hpp"

namespace flowgate::collectors::prefect {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using testing::CannedServer;

ClientOptions fast_retries() {
  ClientOptions options;
  options.first_backoff = 1ms;
  return options;
}

PrefectClient client_with(const std::string& url, ClientOptions options) {
  auto endpoint = make_endpoint(url, "", "");
  if (!endpoint) throw std::logic_error(endpoint.error().message);
  return PrefectClient(*endpoint, options);
}

PrefectClient client_for(const CannedServer& server, std::string_view api_key = "") {
  auto endpoint = make_endpoint(server.url(), api_key, "");
  if (!endpoint) throw std::logic_error(endpoint.error().message);
  return PrefectClient(*endpoint, fast_retries());
}

TEST(PrefectClient, PostsJsonWithTheBearerKeyAndReturnsTheBody) {
  CannedServer server({{200, "[]", {}, false}});
  auto client = client_for(server, "pnu_key");
  const auto body = client.post("/flow_runs/filter", R"({"limit":200})");
  ASSERT_TRUE(body) << body.error().message;
  EXPECT_EQ(*body, "[]");
  const auto seen = server.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].target, "/api/flow_runs/filter");
  EXPECT_EQ(seen[0].content_type, "application/json");
  EXPECT_EQ(seen[0].authorization, "Bearer pnu_key");
  EXPECT_EQ(seen[0].body, R"({"limit":200})");
}

TEST(PrefectClient, KeepsOneConnectionForSuccessiveRequests) {
  CannedServer server({{200, "\"0.8.4\"", {}, false}, {200, "\"3.8.8\"", {}, false}});
  auto client = client_for(server);
  ASSERT_TRUE(client.get("/version"));
  ASSERT_TRUE(client.get("/admin/version"));
  EXPECT_EQ(client.stats().connections, 1u);
  EXPECT_EQ(client.stats().requests, 2u);
  EXPECT_EQ(client.stats().response_bytes, 14u);
}

TEST(PrefectClient, RetriesServerErrorsAndDroppedConnectionsThenSucceeds) {
  CannedServer server({{500, "Internal Server Error", {}, false}, {0, "", {}, true}, {200, "3", {}, false}});
  auto client = client_for(server);
  const auto body = client.post("/flow_runs/count", "{}");
  ASSERT_TRUE(body) << body.error().message;
  EXPECT_EQ(*body, "3");
  EXPECT_EQ(client.stats().requests, 3u);
  EXPECT_EQ(client.stats().connections, 2u);
}

TEST(PrefectClient, GivesUpAfterTheLastAttempt) {
  CannedServer server({{502, "", {}, false}, {502, "", {}, false}, {502, "", {}, false}, {200, "late", {}, false}});
  auto client = client_for(server);
  const auto body = client.get("/health");
  ASSERT_FALSE(body);
  EXPECT_EQ(body.error().kind, ClientErrorKind::http_status);
  EXPECT_EQ(body.error().status, 502);
  EXPECT_EQ(server.seen().size(), 3u);
}

TEST(PrefectClient, ReturnsThrottlingAtOnceWithRetryAfter) {
  CannedServer server({{429, R"({"detail":"Rate limit exceeded"})", {{"Retry-After", "7"}}, false}});
  auto client = client_for(server);
  const auto body = client.post("/flow_runs/filter", "{}");
  ASSERT_FALSE(body);
  EXPECT_EQ(body.error().kind, ClientErrorKind::throttled);
  EXPECT_EQ(body.error().retry_after, 7s);
  EXPECT_EQ(body.error().message, "POST /api/flow_runs/filter: HTTP 429: Rate limit exceeded");
  EXPECT_EQ(server.seen().size(), 1u);
}

TEST(PrefectClient, RetriesA503WithoutRetryAfterAsTransient) {
  // What a self-hosted server answers while its SQLite database is locked.
  CannedServer server({{503, R"({"exception_message":"Service Unavailable"})", {}, false}, {200, "3", {}, false}});
  auto client = client_for(server);
  const auto body = client.post("/flow_runs/count", "{}");
  ASSERT_TRUE(body) << body.error().message;
  EXPECT_EQ(*body, "3");
  EXPECT_EQ(server.seen().size(), 2u);
}

TEST(PrefectClient, ReturnsA503WithRetryAfterAtOnce) {
  CannedServer server({{503, "", {{"Retry-After", "1200"}, {"Prefect-Maintenance", "true"}}, false}});
  auto client = client_for(server);
  const auto body = client.get("/version");
  ASSERT_FALSE(body);
  EXPECT_EQ(body.error().kind, ClientErrorKind::throttled);
  EXPECT_EQ(body.error().retry_after, 1200s);
  EXPECT_EQ(server.seen().size(), 1u);
}

TEST(PrefectClient, SendsNothingOnceTheDeadlineHasPassed) {
  CannedServer server({{200, "3", {}, false}});
  auto client = client_for(server);
  client.set_deadline(std::chrono::steady_clock::now() - 1ms);
  const auto body = client.get("/version");
  ASSERT_FALSE(body);
  EXPECT_EQ(body.error().kind, ClientErrorKind::transport);
  EXPECT_EQ(body.error().message, "GET /api/version: the poll deadline passed (before sending)");
  EXPECT_TRUE(server.seen().empty());
  client.set_deadline(std::nullopt);
  EXPECT_TRUE(client.get("/version"));
}

TEST(PrefectClient, DoesNotStartARetryThatWouldEndPastTheDeadline) {
  CannedServer server({{502, "", {}, false}, {200, "3", {}, false}});
  auto endpoint = make_endpoint(server.url(), "", "");
  ASSERT_TRUE(endpoint);
  ClientOptions options;
  options.first_backoff = 10s;
  PrefectClient client(*endpoint, options);
  client.set_deadline(std::chrono::steady_clock::now() + 5s);
  const auto body = client.get("/version");
  ASSERT_FALSE(body);
  EXPECT_NE(body.error().message.find("the poll deadline passed (no time left to retry after: GET /api/version: HTTP 502"),
            std::string::npos)
      << body.error().message;
  EXPECT_EQ(server.seen().size(), 1u);
}

// Accepts one connection and never answers: a Prefect API that hangs.
class SilentListener {
 public:
  SilentListener() {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), size) != 0 || ::listen(listener_, 4) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
      throw std::runtime_error("cannot listen");
    }
    port_ = ntohs(address.sin_port);
    accepting_ = std::async(std::launch::async, [this] { return ::accept(listener_, nullptr, nullptr); });
  }
  ~SilentListener() {
    ::shutdown(listener_, SHUT_RDWR);
    const int accepted = accepting_.get();
    if (accepted >= 0) ::close(accepted);
    ::close(listener_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/api"; }
  void wait_for_connection() { accepting_.wait(); }

 private:
  int listener_ = -1;
  int port_ = 0;
  std::future<int> accepting_;
};

TEST(PrefectClient, CancelEndsARequestThatGetsNoAnswer) {
  SilentListener api;
  ClientOptions options;
  options.request_timeout = std::chrono::hours(1);
  PrefectClient client = client_with(api.url(), options);
  auto pending = std::async(std::launch::async, [&client] { return client.get("/flow_runs/filter"); });
  api.wait_for_connection();
  client.cancel();
  const auto body = pending.get();  // would wait an hour without the cancel
  ASSERT_FALSE(body);
  EXPECT_EQ(body.error().message, "GET /api/flow_runs/filter: cancelled (flowgate stops)");
  EXPECT_FALSE(client.get("/version")) << "a cancelled client sends nothing more";
}

TEST(PrefectClient, CancelCutsARetrysWaitShort) {
  CannedServer server({{502, "", {}, false}, {200, "3", {}, false}});
  ClientOptions options;
  options.first_backoff = std::chrono::hours(1);
  PrefectClient client = client_with(server.url(), options);
  auto pending = std::async(std::launch::async, [&client] { return client.get("/version"); });
  while (server.seen().empty()) std::this_thread::sleep_for(1ms);
  client.cancel();
  const auto body = pending.get();
  ASSERT_FALSE(body);
  EXPECT_EQ(body.error().message, "GET /api/version: cancelled (flowgate stops)");
  EXPECT_EQ(server.seen().size(), 1u);
}

TEST(PrefectClient, DoesNotRetryClientErrorsAndQuotesPrefect) {
  CannedServer server({{422, R"({"detail":"Invalid limit: must be less than or equal to 200."})", {}, false}});
  auto client = client_for(server);
  const auto body = client.post("/flow_runs/filter", R"({"limit":201})");
  ASSERT_FALSE(body);
  EXPECT_EQ(body.error().status, 422);
  EXPECT_EQ(body.error().message,
            "POST /api/flow_runs/filter: HTTP 422: Invalid limit: must be less than or equal to 200.");
  EXPECT_EQ(server.seen().size(), 1u);
}

TEST(PrefectClient, ReportsATransportErrorWhenNothingListens) {
  std::string url;
  {
    asio::io_context ioc;
    asio::ip::tcp::acceptor probe(ioc, {asio::ip::make_address("127.0.0.1"), 0});
    url = "http://127.0.0.1:" + std::to_string(probe.local_endpoint().port()) + "/api";
  }
  auto endpoint = make_endpoint(url, "", "");
  ASSERT_TRUE(endpoint);
  PrefectClient client(*endpoint, fast_retries());
  const auto body = client.get("/health");
  ASSERT_FALSE(body);
  EXPECT_EQ(body.error().kind, ClientErrorKind::transport);
  EXPECT_EQ(client.stats().requests, 3u);
}

}  // namespace
}  // namespace flowgate::collectors::prefect
