#pragma once
// The loopback listener and thread under the canned servers of the Prefect
// tests: a derived server starts its accept loop with run() and must call
// stop() first in its destructor, before its own members go.

#include <string>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace flowgate::collectors::prefect::testing {

class LoopbackServer {
 public:
  LoopbackServer() : acceptor_(ioc_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {}
  ~LoopbackServer() { stop(); }
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  // The Prefect API URL this server stands in for.
  std::string url() const { return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/api"; }

 protected:
  template <typename Awaitable>
  void run(Awaitable serve) {
    boost::asio::co_spawn(ioc_, std::move(serve), boost::asio::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  void stop() {
    if (!thread_.joinable()) return;
    ioc_.stop();
    thread_.join();
  }

  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;

 private:
  std::thread thread_;
};

}  // namespace flowgate::collectors::prefect::testing
