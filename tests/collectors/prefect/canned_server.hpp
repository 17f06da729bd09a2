#pragma once
// A loopback HTTP server for the Prefect client and collector tests.

#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "tests/collectors/prefect/loopback_server.hpp"

namespace flowgate::collectors::prefect::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

// A loopback HTTP server answering with canned replies, in order, on its own
// thread; records what it was asked. Stands in for Prefect where a real
// server cannot be made to fail on demand.
class CannedServer : public LoopbackServer {
 public:
  struct Reply {
    int status = 200;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    bool drop = false;  // close the connection instead of answering
  };
  struct Seen {
    std::string method, target, content_type, authorization, body;
    std::string proxy_authorization, csrf_token, csrf_client;
  };

  explicit CannedServer(std::vector<Reply> replies) : replies_(std::move(replies)) { run(serve()); }
  ~CannedServer() { stop(); }

  unsigned short port() const { return acceptor_.local_endpoint().port(); }
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
                             std::string(request[http::field::authorization]), request.body(),
                             std::string(request[http::field::proxy_authorization]),
                             std::string(request["Prefect-Csrf-Token"]), std::string(request["Prefect-Csrf-Client"])});
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
};

}  // namespace flowgate::collectors::prefect::testing
