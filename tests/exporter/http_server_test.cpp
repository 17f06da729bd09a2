// HttpServer itself on 127.0.0.1:0 with hand-made dispatch hooks: what it
// does when a handler misbehaves (throws, runs out of memory, never returns).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <new>
#include <stdexcept>
#include <thread>

#include "exporter/server/http_server.hpp"
#include "tests/exporter/http_client.hpp"

namespace flowgate::exporter {
namespace {

using testing::HttpConnection;
using testing::http_request;

class HttpServerTest : public ::testing::Test {
 protected:
  void start(std::function<Dispatched(const Request&)> dispatch) {
    ServerOptions options;
    options.listen_addresses = {"127.0.0.1:0"};
    options.threads = 1;
    ServerHooks hooks;
    hooks.dispatch = std::move(dispatch);
    server_ = std::make_unique<HttpServer>(options, std::move(hooks), *web_config_, logger_);
    server_->start();
    port_ = server_->bound_ports().at(0);
  }
  void TearDown() override {
    server_.reset();
    std::fclose(log_);
  }

  std::FILE* log_ = std::tmpfile();
  Logger logger_{LogLevel::info, LogFormat::logfmt, log_};
  std::unique_ptr<WebConfigFile> web_config_ = std::move(*WebConfigFile::open(""));
  std::unique_ptr<HttpServer> server_;
  std::uint16_t port_ = 0;
};

Dispatched ok() {
  Reply reply;
  reply.body = "OK";
  return {std::move(reply), "test"};
}

TEST_F(HttpServerTest, AHandlerOutOfMemoryAnswers503AndServingGoesOn) {
  std::atomic<int> calls{0};
  start([&calls](const Request&) -> Dispatched {
    if (calls++ == 0) throw std::bad_alloc();
    return ok();
  });
  auto refused = http_request(port_, "GET", "/");
  EXPECT_EQ(refused.status, 503);
  EXPECT_NE(refused.body.find("out of memory"), std::string::npos) << refused.body;
  EXPECT_EQ(http_request(port_, "GET", "/").body, "OK");
}

TEST_F(HttpServerTest, AHandlerThatThrowsAnswers500OnAConnectionThatStaysUsable) {
  std::atomic<int> calls{0};
  start([&calls](const Request&) -> Dispatched {
    if (calls++ == 0) throw std::runtime_error("broken handler");
    return ok();
  });
  HttpConnection connection(port_);
  auto failed = connection.request("GET", "/");
  EXPECT_EQ(failed.status, 500);
  EXPECT_NE(failed.body.find("broken handler"), std::string::npos);
  EXPECT_EQ(connection.request("GET", "/").body, "OK");
}

TEST_F(HttpServerTest, AReplyHeaderWithCrLfIsNeverSent) {
  start([](const Request&) {
    Dispatched dispatched = ok();
    dispatched.reply.headers.emplace_back("Location", "/x\r\nSet-Cookie: evil=1");
    return dispatched;
  });
  auto reply = http_request(port_, "GET", "/");
  EXPECT_EQ(reply.status, 500);
  EXPECT_EQ(reply.header("set-cookie"), "<absent>");
}

TEST_F(HttpServerTest, ShutdownDoesNotWaitForARunawayHandler) {
  // Shared, not on this stack: the handler still reads them after the test
  // body returns, while the fixture's server is destroyed.
  auto entered = std::make_shared<std::atomic<bool>>(false);
  auto release = std::make_shared<std::atomic<bool>>(false);
  start([entered, release](const Request&) {
    *entered = true;
    while (!*release) std::this_thread::yield();  // CPU work that does not end by itself
    return ok();
  });
  HttpConnection connection(port_);
  connection.write_raw("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  while (!*entered) std::this_thread::yield();
  EXPECT_FALSE(server_->shutdown(std::chrono::milliseconds(50)));  // returns although the handler runs on
  EXPECT_FALSE(server_->shutdown(std::chrono::milliseconds(50)));  // and says so again
  *release = true;  // now the destructor can join the thread
}

TEST_F(HttpServerTest, ShutdownReportsThreadsStoppedWhenHandlersFinish) {
  start([](const Request&) { return ok(); });
  EXPECT_EQ(http_request(port_, "GET", "/").body, "OK");
  EXPECT_TRUE(server_->shutdown(std::chrono::seconds(5)));
}

}  // namespace
}  // namespace flowgate::exporter
