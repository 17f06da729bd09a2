#include "collectors/prefect/prefect_client.hpp"

#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>

namespace flowgate::collectors::prefect {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using namespace std::chrono_literals;

// A loopback HTTP server answering with canned replies, in order, on its own
// thread; records what it was asked. Stands in for Prefect where a real
// server cannot be made to fail on demand.
class CannedServer {
 public:
  struct Reply {
    int status = 200;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    bool drop = false;  // close the connection instead of answering
  };
  struct Seen {
    std::string method, target, content_type, authorization, body;
  };

  explicit CannedServer(std::vector<Reply> replies)
      : replies_(std::move(replies)), acceptor_(ioc_, {asio::ip::make_address("127.0.0.1"), 0}) {
    asio::co_spawn(ioc_, serve(), asio::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~CannedServer() {
    ioc_.stop();
    thread_.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/api"; }
  std::vector<Seen> seen() const {
    std::lock_guard lock(mutex_);
    return seen_;
  }

 private:
  asio::awaitable<void> serve() {
    for (;;) {
      auto socket = co_await acceptor_.async_accept(asio::use_awaitable);
      try {
        beast::flat_buffer buffer;
        for (;;) {
          http::request<http::string_body> request;
          co_await http::async_read(socket, buffer, request, asio::use_awaitable);
          Reply reply;
          {
            std::lock_guard lock(mutex_);
            seen_.push_back({std::string(request.method_string()), std::string(request.target()),
                             std::string(request[http::field::content_type]),
                             std::string(request[http::field::authorization]), request.body()});
            if (next_ < replies_.size()) reply = replies_[next_++];
            else reply.drop = true;
          }
          if (reply.drop) break;
          http::response<http::string_body> response{static_cast<http::status>(reply.status), 11};
          for (const auto& [name, value] : reply.headers) response.set(name, value);
          response.body() = reply.body;
          response.keep_alive(request.keep_alive());
          response.prepare_payload();
          co_await http::async_write(socket, response, asio::use_awaitable);
          if (!response.keep_alive()) break;
        }
      } catch (const boost::system::system_error&) {
        // the client closed the connection
      }
      boost::system::error_code ignored;
      socket.close(ignored);
    }
  }

  std::vector<Reply> replies_;
  std::size_t next_ = 0;
  std::vector<Seen> seen_;
  mutable std::mutex mutex_;
  asio::io_context ioc_;
  asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
};

ClientOptions fast_retries() {
  ClientOptions options;
  options.first_backoff = 1ms;
  return options;
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
