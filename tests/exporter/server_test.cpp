// The whole app in-process on 127.0.0.1:0, spoken to over real sockets.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "exporter/app.hpp"
#include "exposition/gzip.hpp"
#include "tests/exporter/http_client.hpp"

namespace flowgate::exporter {
namespace {

using testing::HttpConnection;
using testing::http_request;

class Server : public ::testing::Test {
 protected:
  void start(std::vector<std::string_view> extra = {}) {
    std::vector<std::string_view> args{"--web.listen-address=127.0.0.1:0", "--persistence.file=",
                                       "--collector.host=false", "--web.threads=2"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto flags = parse_flags(args);
    ASSERT_TRUE(flags) << flags.error().message;
    app_ = std::make_unique<App>(std::move(*flags), logger_);
    app_->start();
    port_ = app_->bound_ports().at(0);
    ASSERT_NE(port_, 0);
  }
  void TearDown() override {
    if (app_) app_->stop();
    std::fclose(log_);
  }

  std::FILE* log_ = std::tmpfile();
  Logger logger_{LogLevel::info, LogFormat::logfmt, log_};
  std::unique_ptr<App> app_;
  std::uint16_t port_ = 0;
};

TEST_F(Server, PushThenScrapeOverHttp) {
  start();
  auto pushed = http_request(port_, "PUT", "/metrics/job/etl/instance/h1", "# TYPE rows counter\nrows 42\n",
                             {{"Content-Type", "text/plain; version=0.0.4"}});
  EXPECT_EQ(pushed.status, 200);
  auto scraped = http_request(port_, "GET", "/metrics");
  EXPECT_EQ(scraped.status, 200);
  EXPECT_EQ(scraped.header("content-type"), "text/plain; version=0.0.4; charset=utf-8; escaping=underscores");
  EXPECT_NE(scraped.body.find("# TYPE rows counter\nrows{instance=\"h1\",job=\"etl\"} 42\n"), std::string::npos)
      << scraped.body;
  // The collectors' first refreshes run on their own threads once the
  // listener is open (exporter/README.md, Start order): the process
  // collector's families arrive within moments, not before the first push.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (scraped.body.find("process_resident_memory_bytes") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    scraped = http_request(port_, "GET", "/metrics");
  }
  EXPECT_NE(scraped.body.find("process_resident_memory_bytes"), std::string::npos);
}

TEST_F(Server, DeleteRemovesTheGroup) {
  start();
  ASSERT_EQ(http_request(port_, "PUT", "/metrics/job/gone", "m 1\n").status, 200);
  EXPECT_EQ(http_request(port_, "DELETE", "/metrics/job/gone").status, 202);
  EXPECT_EQ(http_request(port_, "GET", "/metrics").body.find("job=\"gone\""), std::string::npos);
}

TEST_F(Server, GzipScrapeWhenAccepted) {
  start();
  auto scraped = http_request(port_, "GET", "/metrics", {}, {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(scraped.header("content-encoding"), "gzip");
  auto plain = exposition::gunzip(scraped.body, std::size_t{1} << 26);
  ASSERT_TRUE(plain);
  EXPECT_NE(plain->find("flowgate_build_info"), std::string::npos);
}

TEST_F(Server, KeepsConnectionsAlive) {
  start();
  HttpConnection connection(port_);
  EXPECT_EQ(connection.request("GET", "/-/healthy").body, "OK");
  EXPECT_EQ(connection.request("GET", "/-/ready").body, "OK");
}

TEST_F(Server, HeadOnMetricsHasLengthButNoBody) {
  start();
  HttpConnection connection(port_);
  auto head = connection.request("HEAD", "/metrics");
  EXPECT_EQ(head.status, 200);
  EXPECT_NE(head.header("content-length"), "0");
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(connection.request("GET", "/-/healthy").body, "OK");  // the stream is still in sync
}

TEST_F(Server, BodyOverTheLimitIs413) {
  start({"--push.max-body-bytes=16"});
  auto reply = http_request(port_, "PUT", "/metrics/job/big", std::string(100, '#') + "\n");
  EXPECT_EQ(reply.status, 413);
}

TEST_F(Server, BasicAuthIsCheckedBeforeTheBody) {
  auto path = std::filesystem::temp_directory_path() / ("flowgate-web-" + std::to_string(::getpid()) + ".yml");
  {
    std::ofstream out(path);
    // alice / s3cret at bcrypt cost 4
    out << "basic_auth_users:\n  alice: $2b$04$ABCDEFGHIJKLMNOPQRSTUu0Rb5XL0ViUtngF7o5PK8EVz9D3oW8pm\n"
           "http_server_config:\n  headers:\n    X-Frame-Options: deny\n";
  }
  std::string flag = "--web.config.file=" + path.string();
  start({flag});
  auto refused = http_request(port_, "PUT", "/metrics/job/a", "m 1\n");
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(refused.header("www-authenticate"), "Basic");
  auto allowed = http_request(port_, "PUT", "/metrics/job/a", "m 1\n", {{"Authorization", "Basic YWxpY2U6czNjcmV0"}});
  EXPECT_EQ(allowed.status, 200);
  EXPECT_EQ(allowed.header("x-frame-options"), "deny");
  std::filesystem::remove(path);
}

// A file under the temp folder, removed with the object.
class TempFile {
 public:
  TempFile(std::string_view name, std::string_view text)
      : path_(std::filesystem::temp_directory_path() /
              ("flowgate-" + std::string(name) + "-" + std::to_string(::getpid()) + ".yml")) {
    write(text);
  }
  ~TempFile() { std::filesystem::remove(path_); }
  void write(std::string_view text) const {
    std::ofstream out(path_);
    out << text;
  }
  std::string flag(std::string_view name) const { return "--" + std::string(name) + "=" + path_.string(); }

 private:
  std::filesystem::path path_;
};

// alice / s3cret and bob / hunter2, both at bcrypt cost 4.
constexpr std::string_view kTwoUsers =
    "basic_auth_users:\n"
    "  alice: $2b$04$ABCDEFGHIJKLMNOPQRSTUu0Rb5XL0ViUtngF7o5PK8EVz9D3oW8pm\n"
    "  bob: $2b$04$abcdefghijklmnopqrstuuV3duMsC0HpUex6N9qapiuOHHWkwRXVm\n";
constexpr const char* kAlice = "Basic YWxpY2U6czNjcmV0";  // alice:s3cret

std::string log_text(std::FILE* log) {
  std::fflush(log);
  std::rewind(log);
  std::string text;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, log)) text.append(buffer, n);
  return text;
}

TEST_F(Server, AuthorizationHeaderIsParsedStrictly) {
  TempFile web("web-strict", kTwoUsers);
  std::string flag = web.flag("web.config.file");
  start({flag});
  auto status = [this](std::string authorization) {
    return http_request(port_, "GET", "/-/healthy", {}, {{"Authorization", std::move(authorization)}}).status;
  };
  EXPECT_EQ(status(kAlice), 200);
  EXPECT_EQ(status("basic YWxpY2U6czNjcmV0"), 200);           // the scheme in any case
  EXPECT_EQ(status("Basic  YWxpY2U6czNjcmV0"), 401);          // two spaces
  EXPECT_EQ(status("Basic YWxpY2U6czNjcmV0AA"), 401);         // unpadded "alice:s3cret\0"
  EXPECT_EQ(status("Basic YWxpY2U6czNjcmV0AA=="), 401);       // "alice:s3cret\0", padded
  EXPECT_EQ(status("Basic YWxpY2U6czNjcmV0YQ"), 401);         // unpadded "alice:s3creta"
  EXPECT_EQ(status("Basic YWxpY2U6czNjcmV0 trailing"), 401);  // garbage after the credentials
}

TEST_F(Server, PushOutsideTheUsersScopeIs403NamingUserAndKey) {
  TempFile web("web-tenancy", kTwoUsers);
  TempFile rules("authorization", "users:\n  alice:\n    push: ['{job=\"billing\"}']\n");
  std::string web_flag = web.flag("web.config.file");
  std::string rules_flag = rules.flag("web.authorization.file");
  start({web_flag, rules_flag});
  auto inside = http_request(port_, "PUT", "/metrics/job/billing", "m 1\n", {{"Authorization", kAlice}});
  EXPECT_EQ(inside.status, 200);
  auto outside = http_request(port_, "PUT", "/metrics/job/payments/instance/x", "m 1\n", {{"Authorization", kAlice}});
  EXPECT_EQ(outside.status, 403);
  EXPECT_EQ(outside.body,
            "user \"alice\" may not push to grouping key {job=\"payments\",instance=\"x\"} (--web.authorization.file)\n");
  // bob is not listed: he may scrape, not push.
  const std::pair<std::string, std::string> bob{"Authorization", "Basic Ym9iOmh1bnRlcjI="};
  EXPECT_EQ(http_request(port_, "PUT", "/metrics/job/billing", "m 1\n", {bob}).status, 403);
  auto scrape = http_request(port_, "GET", "/metrics", {}, {bob});
  EXPECT_EQ(scrape.status, 200);
  EXPECT_NE(scrape.body.find("m{instance=\"\",job=\"billing\"} 1"), std::string::npos);
  EXPECT_EQ(scrape.body.find("payments"), std::string::npos);
}

TEST_F(Server, AuthorizationFileNeedsUsersInTheWebConfig) {
  TempFile rules("authorization-alone", "users:\n  alice:\n    push: ['{}']\n");
  std::string rules_flag = rules.flag("web.authorization.file");
  auto flags = parse_flags(std::vector<std::string_view>{"--web.listen-address=127.0.0.1:0", "--persistence.file=",
                                                         "--collector.host=false", rules_flag});
  ASSERT_TRUE(flags);
  try {
    App app(std::move(*flags), logger_);
    FAIL() << "started without basic_auth_users";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("--web.authorization.file needs basic_auth_users"), std::string::npos);
  }
}

TEST_F(Server, ReloadThatTurnsAuthenticationOffIsTakenWithAWarning) {
  TempFile web("web-removal", kTwoUsers);
  std::string flag = web.flag("web.config.file");
  start({flag});
  ASSERT_EQ(http_request(port_, "GET", "/-/healthy").status, 401);
  web.write("http_server_config:\n  http2: false\n");
  app_->reload_web_config();
  EXPECT_EQ(http_request(port_, "GET", "/-/healthy").status, 200);
  EXPECT_NE(log_text(log_).find("level=warn"), std::string::npos);
  EXPECT_NE(log_text(log_).find("authentication is now off"), std::string::npos);
}

TEST_F(Server, ReloadThatTurnsAuthenticationOffIsRefusedWhenAsked) {
  TempFile web("web-refusal", kTwoUsers);
  std::string flag = web.flag("web.config.file");
  start({flag, "--web.config.refuse-auth-removal"});
  web.write("http_server_config:\n  http2: false\n");
  app_->reload_web_config();
  EXPECT_EQ(http_request(port_, "GET", "/-/healthy").status, 401);
  EXPECT_EQ(http_request(port_, "GET", "/-/healthy", {}, {{"Authorization", kAlice}}).status, 200);
  EXPECT_NE(log_text(log_).find("refusing to turn authentication off"), std::string::npos);
}

TEST_F(Server, ReloadDropsCachedPasswordsOfChangedUsers) {
  TempFile web("web-rotate", kTwoUsers);
  std::string flag = web.flag("web.config.file");
  start({flag});
  ASSERT_EQ(http_request(port_, "GET", "/-/healthy", {}, {{"Authorization", kAlice}}).status, 200);
  // alice's hash is rotated to bob's (password hunter2): s3cret must stop working.
  web.write("basic_auth_users:\n  alice: $2b$04$abcdefghijklmnopqrstuuV3duMsC0HpUex6N9qapiuOHHWkwRXVm\n");
  app_->reload_web_config();
  EXPECT_EQ(http_request(port_, "GET", "/-/healthy", {}, {{"Authorization", kAlice}}).status, 401);
  EXPECT_EQ(http_request(port_, "GET", "/-/healthy", {}, {{"Authorization", "Basic YWxpY2U6aHVudGVyMg=="}}).status,
            200);
}

TEST_F(Server, ShutdownFinishesTheExchangeInFlight) {
  start();
  HttpConnection connection(port_);
  const std::string body = "m 1\n";
  connection.write_raw("PUT /metrics/job/late HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\n\r\n");
  // The 100 Continue proves the server holds the request: it is in flight.
  ASSERT_NE(connection.read_raw_until("\r\n\r\n").find("100 Continue"), std::string::npos);
  std::thread stopper([this] { app_->stop(std::chrono::seconds(10)); });
  // Stopping has begun once new connections are refused.
  while (true) {
    try {
      HttpConnection probe(port_);
    } catch (const boost::system::system_error&) {
      break;
    }
    std::this_thread::yield();
  }
  connection.write_raw(body);
  auto reply = connection.read_response();
  stopper.join();
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.header("connection"), "close");
  EXPECT_THROW(HttpConnection{port_}, boost::system::system_error);
}

TEST_F(Server, ConnectionsOverTheCapAreClosedWhenNoneCanMakeRoom) {
  start({"--web.max-connections=1"});
  HttpConnection first(port_);
  first.write_raw("PUT /metrics/job/x HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
  // The 100 Continue proves the header was read: the connection is inside an exchange.
  ASSERT_NE(first.read_raw_until("\r\n\r\n").find("100 Continue"), std::string::npos);
  HttpConnection second(port_);
  EXPECT_EQ(second.request("GET", "/-/healthy").status, 0);  // closed without an answer
  first.write_raw("x 1\n");
  EXPECT_EQ(first.read_response().status, 200);
}

TEST_F(Server, AHeaderFieldTooLongForBeastIs431AndTheServerKeepsServing) {
  start();
  for (const std::string& field :
       {"X-A: " + std::string(70'000, 'a'), "Authorization: Basic " + std::string(70'000, 'A')}) {
    HttpConnection connection(port_);
    connection.write_raw("GET /-/healthy HTTP/1.1\r\nHost: x\r\n" + field + "\r\n\r\n");
    auto reply = connection.read_response();
    EXPECT_EQ(reply.status, 431);
    EXPECT_EQ(reply.header("connection"), "close");
  }
  EXPECT_EQ(http_request(port_, "GET", "/-/healthy").body, "OK");
}

TEST_F(Server, EncodedCrLfInThePathStaysEncodedAndInjectsNoHeader) {
  start();
  auto reply = http_request(port_, "GET", "//x%0d%0aSet-Cookie:%20evil=1");
  EXPECT_EQ(reply.status, 301);
  EXPECT_EQ(reply.header("location"), "/x%0D%0ASet-Cookie:%20evil=1");
  EXPECT_EQ(reply.header("set-cookie"), "<absent>");
}

TEST_F(Server, RedirectCarriesNoMarkupFromThePath) {
  start();
  auto reply = http_request(port_, "GET", "//%22%3E%3Cscript%3Ealert(1)%3C/script%3E");
  EXPECT_EQ(reply.status, 301);
  EXPECT_EQ(reply.header("location"), "/%22%3E%3Cscript%3Ealert%281%29%3C/script%3E");
  EXPECT_EQ(reply.body.find("<script"), std::string::npos) << reply.body;
}

TEST_F(Server, SmuggledTransferEncodingIsRefusedAndThePipelinedRequestNeverRuns) {
  start();
  for (const char* framing : {"Transfer-Encoding: xchunked\r\nContent-Length: 4\r\n",
                              "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n"}) {
    HttpConnection connection(port_);
    connection.write_raw(std::string("PUT /metrics/job/smuggler HTTP/1.1\r\nHost: x\r\n") + framing +
                         "\r\nm 1\nDELETE /metrics/job/victim HTTP/1.1\r\nHost: x\r\n\r\n");
    auto reply = connection.read_response();
    EXPECT_EQ(reply.status, 400) << framing;
    EXPECT_EQ(reply.header("connection"), "close");
    EXPECT_EQ(connection.read_response().status, 0);  // closed: the DELETE behind it was not read
  }
  EXPECT_EQ(http_request(port_, "GET", "/metrics").body.find("smuggler"), std::string::npos);
}

TEST_F(Server, TransferCodingsOtherThanChunkedAre501) {
  start();
  HttpConnection connection(port_);
  connection.write_raw("PUT /metrics/job/gz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                       "4\r\nm 1\n\r\n0\r\n\r\n");
  auto reply = connection.read_response();
  EXPECT_EQ(reply.status, 501);
  EXPECT_EQ(reply.header("connection"), "close");
}

TEST_F(Server, AbsoluteFormTargetIsRoutedByItsPath) {
  start();
  const std::string base = "http://127.0.0.1:" + std::to_string(port_);
  EXPECT_EQ(http_request(port_, "PUT", base + "/metrics/job/absolute", "m 1\n").status, 200);
  EXPECT_NE(http_request(port_, "GET", base + "/metrics").body.find("job=\"absolute\""), std::string::npos);
}

TEST_F(Server, BodiesBeyondAClientsShareOfTheInflightBudgetGet503AndTheShareComesBack) {
  // Every connection here comes from 127.0.0.1, whose share is a quarter: 100 bytes.
  start({"--web.max-inflight-body-bytes=400"});
  const std::string body80 = "# " + std::string(73, 'x') + "\nm 1\n";
  ASSERT_EQ(body80.size(), 80u);
  HttpConnection holder(port_);
  holder.write_raw("PUT /metrics/job/held HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 80\r\n\r\n");
  // The 100 Continue proves the 80 bytes are reserved.
  ASSERT_NE(holder.read_raw_until("\r\n\r\n").find("100 Continue"), std::string::npos);
  auto refused = http_request(port_, "PUT", "/metrics/job/other", body80);
  EXPECT_EQ(refused.status, 503);
  EXPECT_NE(refused.body.find("--web.max-inflight-body-bytes (400 bytes, of which one client address may hold a "
                              "quarter)"),
            std::string::npos)
      << refused.body;
  EXPECT_EQ(refused.header("connection"), "close");
  holder.write_raw(body80);
  EXPECT_EQ(holder.read_response().status, 200);
  // Each answered request gave its bytes back.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(http_request(port_, "PUT", "/metrics/job/other", body80).status, 200);
  EXPECT_EQ(http_request(port_, "PUT", "/metrics/job/other", body80 + std::string(21, '\n')).status, 503);
}

TEST_F(Server, SlowHeadersFromOneAddressDoNotLockOutItsHealthCheck) {
  start({"--web.max-connections-per-ip=2"});
  HttpConnection oldest(port_);
  oldest.write_raw("GET /-/healthy HTTP/1.1\r\n");  // and then nothing: a slowloris
  HttpConnection younger(port_);
  younger.write_raw("GET /-/healthy HTTP/1.1\r\n");
  EXPECT_EQ(http_request(port_, "GET", "/-/healthy").body, "OK");
  EXPECT_EQ(oldest.read_raw_until("\r\n\r\n"), "");  // closed to make room
  younger.write_raw("Host: x\r\n\r\n");
  EXPECT_EQ(younger.read_response().body, "OK");
}

TEST_F(Server, AConnectionIdleBetweenRequestsIsClosedToMakeRoom) {
  // Else idle keep-alive connections could hold every slot (RFC 9112 9.5
  // lets a server close an idle connection at any time).
  start({"--web.max-connections-per-ip=1"});
  HttpConnection first(port_);
  ASSERT_EQ(first.request("GET", "/-/healthy").status, 200);  // idle between requests now
  // The server counts `first` as idle once its reply is written, which can be a moment after the client read
  // it; a connection arriving inside that moment finds no room and is closed. So retry until one is served.
  int served = 0;
  for (int attempt = 0; attempt < 200 && served != 200; ++attempt) {
    if (attempt != 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    HttpConnection second(port_);
    served = second.request("GET", "/-/healthy").status;
  }
  EXPECT_EQ(served, 200);
  EXPECT_EQ(first.request("GET", "/-/ready").status, 0);  // it was closed
}

TEST_F(Server, ALaterRequestsHeaderHasTheHeaderDeadlineNotTheIdleTimeout) {
  start({"--web.read-header-timeout=1s", "--web.idle-timeout=10m"});
  HttpConnection connection(port_);
  ASSERT_EQ(connection.request("GET", "/-/healthy").status, 200);
  connection.write_raw("GET /-/healthy HTTP/1.1\r\nHost:");  // a header that never ends
  EXPECT_EQ(connection.read_raw_until("\r\n\r\n"), "");   // closed after 1 s, not 10 min
}

TEST_F(Server, LifecycleQuitRequestsStop) {
  start({"--web.enable-lifecycle"});
  EXPECT_EQ(http_request(port_, "POST", "/-/quit").status, 200);
  app_->wait_for_stop();  // returns because /-/quit asked for it
}

}  // namespace
}  // namespace flowgate::exporter
