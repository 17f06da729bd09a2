#pragma once
// flowgate's HTTP/1.1 server on Boost.Beast: one io_context run by a few
// threads, one coroutine per connection on its own strand, a fresh parser per
// request with header and body limits (server/request_reader.hpp), a budget
// for the bodies of all connections together, a total deadline for each
// header and an idle timeout, caps on connections overall and per client
// address, keep-alive, optional TLS and basic auth from the web config
// (checked before the body is read). No exception leaves a connection or an
// I/O thread. shutdown() is graceful: it stops accepting, closes idle
// connections and lets exchanges in flight finish.
// This header keeps Beast out of its includers; only server/*.cpp see it.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "exporter/dispatcher.hpp"
#include "exporter/log.hpp"
#include "exporter/web_config_file.hpp"

namespace flowgate::exporter {

struct ServerOptions {
  std::vector<std::string> listen_addresses{":9091"};
  std::size_t max_connections = 512;        // 0: no limit
  std::size_t max_connections_per_ip = 64;  // 0: no limit
  std::size_t max_inflight_body_bytes = std::size_t{256} << 20;  // all connections' bodies together; 0: no limit
  std::chrono::milliseconds read_header_timeout = std::chrono::seconds(30);
  std::chrono::milliseconds idle_timeout = std::chrono::minutes(2);
  unsigned threads = 1;
  std::size_t max_body_bytes = std::size_t{64} << 20;
  std::size_t max_header_bytes = std::size_t{1} << 20;  // Go's DefaultMaxHeaderBytes
};

struct ServerHooks {
  std::function<Dispatched(const Request&)> dispatch;
  // For a reply with a commit_ticket: calls done(true) once the change is on
  // disk, done(false) if it cannot be (then the client gets a 500), from any
  // thread. Unset: replies are sent at once.
  std::function<void(std::uint64_t ticket, std::function<void(bool durable)> done)> when_durable;
  // Called after each reply is written (self-metrics).
  std::function<void(std::string_view handler, std::string_view method, int code, double seconds)> answered;
};

class HttpServer {
 public:
  HttpServer(ServerOptions options, ServerHooks hooks, WebConfigFile& web_config, Logger& logger);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds every listen address and starts the threads. Throws
  // std::runtime_error naming the address or the TLS problem (start-up
  // misconfiguration).
  void start();
  // The bound ports in listen-address order ("127.0.0.1:0" gets a real one).
  std::vector<std::uint16_t> bound_ports() const;
  // Stops accepting, closes idle connections, waits up to `grace` for the
  // exchanges in flight, then stops the threads, waiting at most one second
  // more for them. Returns false when a thread is still inside a handler
  // (stuck in CPU work, say): the server then must not be destroyed (its
  // destructor would wait for that handler); exit the process instead.
  // Idempotent (returns the first answer again).
  bool shutdown(std::chrono::milliseconds grace);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace flowgate::exporter
