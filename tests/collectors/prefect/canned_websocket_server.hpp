#pragma once
// A loopback stand-in for Prefect's /api/events/out: accepts websocket
// upgrades, answers the auth message, records the messages flowgate sends
// and plays one script per connection. Runs on its own thread.

#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "tests/collectors/prefect/loopback_server.hpp"

namespace flowgate::collectors::prefect::testing {

class CannedWebsocketServer : public LoopbackServer {
 public:
  // What one connection does after the upgrade.
  struct Session {
    bool accept_auth = true;            // else close with 1008 (policy violation) after the auth message
    std::vector<std::string> messages;  // sent after the filter message arrived
    bool stay_open = false;             // else close normally after the messages
  };
  struct Seen {
    std::string target, protocol, auth, filter;
  };

  explicit CannedWebsocketServer(std::vector<Session> sessions) : sessions_(std::move(sessions)) { run(serve()); }
  ~CannedWebsocketServer() { stop(); }

  std::vector<Seen> seen() const {
    std::lock_guard lock(mutex_);
    return seen_;
  }

 private:
  using Ws = boost::beast::websocket::stream<boost::beast::tcp_stream>;
  static constexpr auto kNoThrow = boost::asio::as_tuple(boost::asio::use_awaitable);

  boost::asio::awaitable<void> serve() {
    for (std::size_t next = 0;; ++next) {
      auto [accepted, socket] = co_await acceptor_.async_accept(kNoThrow);
      if (accepted) co_return;
      Session session = next < sessions_.size() ? sessions_[next] : Session{false, {}, false};
      boost::asio::co_spawn(ioc_, converse(Ws(std::move(socket)), session), boost::asio::detached);
    }
  }

  boost::asio::awaitable<void> converse(Ws ws, Session session) {
    namespace websocket = boost::beast::websocket;
    namespace http = boost::beast::http;
    http::request<http::string_body> upgrade;
    boost::beast::flat_buffer buffer;
    auto [read_upgrade, n0] = co_await http::async_read(ws.next_layer(), buffer, upgrade, kNoThrow);
    if (read_upgrade) co_return;
    Seen seen{std::string(upgrade.target()), std::string(upgrade[http::field::sec_websocket_protocol]), {}, {}};
    ws.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& response) { response.set(http::field::sec_websocket_protocol, "prefect"); }));
    auto [upgraded] = co_await ws.async_accept(upgrade, kNoThrow);
    if (upgraded) co_return;
    buffer.clear();
    auto [read_auth, n1] = co_await ws.async_read(buffer, kNoThrow);
    seen.auth = boost::beast::buffers_to_string(buffer.data());
    if (read_auth || !session.accept_auth) {
      record(seen);
      co_await ws.async_close(websocket::close_code::policy_error, kNoThrow);
      co_return;
    }
    co_await ws.async_write(boost::asio::buffer(std::string(R"({"type":"auth_success"})")), kNoThrow);
    buffer.clear();
    auto [read_filter, n2] = co_await ws.async_read(buffer, kNoThrow);
    seen.filter = boost::beast::buffers_to_string(buffer.data());
    record(seen);
    if (read_filter) co_return;
    for (const auto& message : session.messages) co_await ws.async_write(boost::asio::buffer(message), kNoThrow);
    if (session.stay_open) {
      buffer.clear();
      co_await ws.async_read(buffer, kNoThrow);  // until the client goes
      co_return;
    }
    co_await ws.async_close(websocket::close_code::normal, kNoThrow);
  }

  void record(const Seen& seen) {
    std::lock_guard lock(mutex_);
    seen_.push_back(seen);
  }

  std::vector<Session> sessions_;
  mutable std::mutex mutex_;
  std::vector<Seen> seen_;
};

}  // namespace flowgate::collectors::prefect::testing
