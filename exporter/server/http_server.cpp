#include "exporter/server/http_server.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <ctime>
#include <mutex>
#include <new>
#include <optional>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "exporter/server/authenticator.hpp"
#include "exporter/server/body_budget.hpp"
#include "exporter/server/request_reader.hpp"
#include "exporter/server/tls_context.hpp"
#include "exporter/unix_now.hpp"

namespace flowgate::exporter {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
constexpr auto kNoThrow = net::as_tuple(net::use_awaitable);
// Bytes asked of the socket per read.
constexpr std::size_t kReadBytes = std::size_t{64} << 10;
// How long shutdown() waits, past the grace period, for the threads to leave
// run(): enough for any thread not inside a handler.
constexpr auto kThreadStopBound = std::chrono::seconds(1);

namespace {

// RFC 9110's IMF-fixdate, e.g. "Mon, 23 Nov 2026 13:10:53 GMT".
std::string http_date() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buf[40];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &utc);
  return buf;
}

// ":9091" -> every interface, "[::1]:9091", "127.0.0.1:0", "localhost:9091".
std::vector<tcp::endpoint> resolve_listen_address(net::io_context& ioc, const std::string& address) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos) throw std::runtime_error("listen address " + address + ": missing port");
  std::string host = address.substr(0, colon);
  std::string port = address.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  std::uint16_t port_number = 0;
  try {
    auto value = std::stoul(port);
    if (value > 65535) throw std::out_of_range("port");
    port_number = static_cast<std::uint16_t>(value);
  } catch (const std::exception&) {
    throw std::runtime_error("listen address " + address + ": invalid port \"" + port + "\"");
  }
  if (host.empty()) return {tcp::endpoint(net::ip::address_v6::any(), port_number)};
  boost::system::error_code ec;
  auto literal = net::ip::make_address(host, ec);
  if (!ec) return {tcp::endpoint(literal, port_number)};
  tcp::resolver resolver(ioc);
  auto results = resolver.resolve(host, port, ec);
  if (ec || results.empty()) throw std::runtime_error("listen address " + address + ": " + ec.message());
  return {results.begin()->endpoint()};
}

std::string endpoint_text(const tcp::endpoint& endpoint) {
  auto address = endpoint.address();
  if (address.is_v6()) return "[" + address.to_string() + "]:" + std::to_string(endpoint.port());
  return address.to_string() + ":" + std::to_string(endpoint.port());
}

// What shutdown() and the connection caps need to know about a connection:
// whether it is between exchanges (reading a request header or waiting for
// one), since when a header is pending, and its socket, to wake a read that
// would otherwise wait out its timeout.
struct ConnectionControl {
  ConnectionControl() = default;
  ConnectionControl(const ConnectionControl&) = delete;
  ConnectionControl& operator=(const ConnectionControl&) = delete;
  ~ConnectionControl() {
    if (fd >= 0) ::close(fd);
  }

  std::mutex mutex;  // guards waiting, header_pending, idle_since and closed
  bool waiting = true;
  // Non-zero while a header is pending (from the accept, or from the first
  // byte of a later request): the order in which it began, oldest lowest.
  // Such a connection may be closed to make room for a new one.
  std::uint64_t header_pending = 0;
  // Non-zero while idle between requests, in the same order: idle
  // connections are closed to make room before pending ones (RFC 9112 9.5).
  std::uint64_t idle_since = 0;
  bool closed = false;
  // A duplicate of the socket's descriptor, owned here: shutting it down
  // shuts the socket, and its number cannot be reused by another connection
  // while this one is registered, even after Beast closed the socket itself
  // (a timed-out stream does).
  int fd = -1;
  std::string ip;
  bool counted = true;  // counts against the caps; guarded by Impl::controls_mutex
};

std::string_view buffered(const beast::flat_buffer& buffer) {
  return {static_cast<const char*>(buffer.data().data()), buffer.size()};
}

}  // namespace

struct HttpServer::Impl {
  Impl(ServerOptions server_options, ServerHooks server_hooks, WebConfigFile& config, Logger& log)
      : options(std::move(server_options)),
        hooks(std::move(server_hooks)),
        web_config(config),
        logger(log),
        budget(options.max_inflight_body_bytes) {}
  // Joins what shutdown() left running: only a handler stuck past the grace
  // period makes this wait (run() exits the process instead of getting here).
  ~Impl() {
    shutdown(std::chrono::milliseconds(0));
    for (auto& thread : threads) {
      if (thread.joinable()) thread.join();
    }
  }

  // Declared before `ioc`: coroutine frames destroyed with the io_context
  // still release their budget and their ConnectionControl.
  ServerOptions options;
  ServerHooks hooks;
  WebConfigFile& web_config;
  Logger& logger;
  BodyBudget budget;

  std::mutex controls_mutex;  // guards controls, per_ip, counted and ConnectionControl::counted
  std::unordered_set<std::shared_ptr<ConnectionControl>> controls;
  std::unordered_map<std::string, std::size_t> per_ip;  // counted connections by client address
  std::size_t counted = 0;                               // connections counted against the caps
  std::atomic<std::uint64_t> next_order{1};

  std::mutex threads_mutex;  // guards threads_done
  std::condition_variable threads_cv;
  std::size_t threads_done = 0;

  net::io_context ioc;
  Authenticator authenticator{web_config};  // after ioc: its threads post to it until destroyed
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  std::vector<std::thread> threads;
  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> active{0};
  bool tls = false;
  bool stopped = false;
  bool threads_stopped = true;

  std::mutex tls_mutex;  // guards tls_config and tls_context
  std::shared_ptr<const WebConfig> tls_config;
  std::shared_ptr<net::ssl::context> tls_context;

  // The TLS context for the config in force; rebuilt when a reload changed it.
  std::shared_ptr<net::ssl::context> current_tls_context() {
    auto config = web_config.current();
    std::lock_guard lock(tls_mutex);
    if (config != tls_config && config->tls) {
      auto made = make_tls_context(*config->tls);
      if (made) {
        tls_context = *made;
      } else {
        logger.log(LogLevel::error, FLOWGATE_CALLER, "TLS config not applied; keeping the previous one",
                   {{"err", made.error().message}});
      }
      tls_config = config;
    }
    return tls_context;
  }

  void start() {
    auto config = web_config.current();
    tls = config->tls.has_value();
    if (tls) {
      auto made = make_tls_context(*config->tls);
      if (!made) throw std::runtime_error(made.error().message);
      tls_context = *made;
      tls_config = config;
    }
    for (const auto& address : options.listen_addresses) {
      for (const auto& endpoint : resolve_listen_address(ioc, address)) {
        auto acceptor = std::make_unique<tcp::acceptor>(net::make_strand(ioc));
        bind(*acceptor, endpoint, address);
        logger.log(LogLevel::info, FLOWGATE_CALLER, "Listening on",
                   {{"address", endpoint_text(acceptor->local_endpoint())}});
        acceptors.push_back(std::move(acceptor));
      }
    }
    if (tls) {
      logger.log(LogLevel::info, FLOWGATE_CALLER, "TLS is enabled.", {{"http2", "false"}});
    } else {
      logger.log(LogLevel::info, FLOWGATE_CALLER, "TLS is disabled.", {{"http2", "false"}});
    }
    work.emplace(ioc.get_executor());
    for (auto& acceptor : acceptors) {
      net::co_spawn(acceptor->get_executor(), accept_loop(*acceptor), net::detached);
    }
    threads_stopped = false;
    for (unsigned i = 0; i < std::max(1u, options.threads); ++i) {
      threads.emplace_back([this] { run_io(); });
    }
  }

  // The last line of defence: an exception out of a handler is logged and the
  // thread goes back to serving, instead of taking the process down.
  void run_io() {
    for (;;) {
      try {
        ioc.run();
        break;
      } catch (const std::exception& error) {
        logger.log(LogLevel::error, FLOWGATE_CALLER, "an exception escaped a handler; serving on",
                   {{"err", error.what()}});
      } catch (...) {
        logger.log(LogLevel::error, FLOWGATE_CALLER, "an exception escaped a handler; serving on");
      }
    }
    {
      std::lock_guard lock(threads_mutex);
      ++threads_done;
    }
    threads_cv.notify_all();
  }

  static void bind(tcp::acceptor& acceptor, tcp::endpoint endpoint, const std::string& address) {
    boost::system::error_code ec;
    acceptor.open(endpoint.protocol(), ec);
    if (ec && endpoint.address().is_v6() && endpoint.address().is_unspecified()) {
      // No IPv6 on this host: every IPv4 interface instead.
      endpoint = tcp::endpoint(net::ip::address_v4::any(), endpoint.port());
      ec = {};
      acceptor.open(endpoint.protocol(), ec);
    }
    if (!ec && endpoint.address().is_v6() && endpoint.address().is_unspecified()) {
      acceptor.set_option(net::ip::v6_only(false), ec);
    }
    if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec) throw std::runtime_error("listen tcp " + address + ": " + ec.message());
  }

  net::awaitable<void> accept_loop(tcp::acceptor& acceptor) {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(net::make_strand(ioc), kNoThrow);
      if (stopping.load()) co_return;
      if (ec) {
        if (ec == net::error::operation_aborted) co_return;
        logger.log(LogLevel::error, FLOWGATE_CALLER, "accept failed", {{"err", ec.message()}});
        // Out of file descriptors and the like: back off instead of spinning.
        net::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(50));
        co_await pause.async_wait(kNoThrow);
        continue;
      }
      // Nothing below may end this loop: an exception (out of memory, say)
      // costs the one connection, never the listener.
      std::shared_ptr<ConnectionControl> control;
      bool spawned = false;
      try {
        control = std::make_shared<ConnectionControl>();
        control->fd = ::dup(socket.native_handle());
        boost::system::error_code remote_ec;
        auto remote = socket.remote_endpoint(remote_ec);
        control->ip = remote_ec ? std::string("unknown") : remote.address().to_string();
        if (!admit(control)) {
          boost::system::error_code ignored;
          socket.close(ignored);
          continue;
        }
        // Header and body leave in separate writes; without NODELAY, Nagle plus
        // the client's delayed ACK would hold the body back ~40 ms.
        boost::system::error_code nodelay_ec;
        socket.set_option(tcp::no_delay(true), nodelay_ec);
        auto executor = socket.get_executor();
        ++active;
        spawned = true;
        net::co_spawn(executor, connection(std::move(socket), control), [this](std::exception_ptr error) {
          // Async code does not throw; an exception here is a bug worth a line.
          if (error) log_exception("connection ended by an exception", error);
          --active;
        });
      } catch (...) {
        log_exception("could not start serving a connection; closing it", std::current_exception());
        if (spawned) --active;  // co_spawn threw: its handler will not run
        if (control) release(control);
        boost::system::error_code ignored;
        socket.close(ignored);
      }
    }
  }

  void log_exception(std::string_view what, std::exception_ptr error) {
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& caught) {
      logger.log(LogLevel::error, FLOWGATE_CALLER, what, {{"err", caught.what()}});
    } catch (...) {
      logger.log(LogLevel::error, FLOWGATE_CALLER, what);
    }
  }

  // Counts a new connection against --web.max-connections-per-ip and
  // --web.max-connections. At a cap, the connection of that client (or any)
  // that has waited longest for a request header is closed to make room:
  // slow senders cannot starve everyone else, and connections inside an
  // exchange or idle between requests are never touched. False: no room.
  bool admit(const std::shared_ptr<ConnectionControl>& control) {
    std::lock_guard lock(controls_mutex);
    const std::size_t per_ip_cap = options.max_connections_per_ip;
    if (per_ip_cap != 0 && per_ip[control->ip] >= per_ip_cap && !evict_oldest_pending(&control->ip)) {
      logger.log(LogLevel::warn, FLOWGATE_CALLER, "connection limit per client address reached; closing new connection",
                 {{"limit", per_ip_cap}, {"remote", control->ip}});
      if (per_ip[control->ip] == 0) per_ip.erase(control->ip);
      return false;
    }
    if (options.max_connections != 0 && counted >= options.max_connections && !evict_oldest_pending(nullptr)) {
      logger.log(LogLevel::warn, FLOWGATE_CALLER, "connection limit reached; closing new connection",
                 {{"limit", options.max_connections}});
      if (per_ip[control->ip] == 0) per_ip.erase(control->ip);
      return false;
    }
    control->header_pending = next_order.fetch_add(1);
    controls.insert(control);
    ++per_ip[control->ip];
    ++counted;
    return true;
  }

  // Closes a counted connection (of `ip`, or any) to make room: the one idle
  // longest between requests, else the one whose header has been pending
  // longest; never one inside an exchange. Under controls_mutex.
  bool evict_oldest_pending(const std::string* ip) {
    std::shared_ptr<ConnectionControl> oldest;
    std::pair<bool, std::uint64_t> oldest_rank{false, 0};  // (header pending, order): idle ones rank first
    for (const auto& candidate : controls) {
      if (!candidate->counted || (ip != nullptr && candidate->ip != *ip)) continue;
      std::lock_guard lock(candidate->mutex);
      if (candidate->closed || !candidate->waiting) continue;
      const bool idle = candidate->idle_since != 0;
      if (!idle && candidate->header_pending == 0) continue;
      const std::pair<bool, std::uint64_t> rank{!idle, idle ? candidate->idle_since : candidate->header_pending};
      if (!oldest || rank < oldest_rank) {
        oldest = candidate;
        oldest_rank = rank;
      }
    }
    if (!oldest) return false;
    {
      std::lock_guard lock(oldest->mutex);
      if (!oldest->closed) ::shutdown(oldest->fd, SHUT_RDWR);  // its read fails; the coroutine ends
    }
    logger.log(LogLevel::debug, FLOWGATE_CALLER,
               oldest_rank.first ? "closed the connection that waited longest for its header"
                                 : "closed the connection idle longest",
               {{"remote", oldest->ip}});
    uncount(*oldest);
    return true;
  }

  // Under controls_mutex.
  void uncount(ConnectionControl& control) {
    if (!control.counted) return;
    control.counted = false;
    --counted;
    if (auto found = per_ip.find(control.ip); found != per_ip.end() && --found->second == 0) per_ip.erase(found);
  }

  // Releases a connection's ConnectionControl when it goes out of scope.
  struct Registration {
    Impl& impl;
    std::shared_ptr<ConnectionControl> control;
    ~Registration() { impl.release(control); }
  };

  net::awaitable<void> connection(tcp::socket socket, std::shared_ptr<ConnectionControl> control) {
    // First, so that the connection's slots are given back however it ends.
    Registration registration{*this, control};
    boost::system::error_code ec;
    auto remote = socket.remote_endpoint(ec);
    std::string remote_text = ec ? std::string("unknown") : endpoint_text(remote);
    beast::tcp_stream stream(std::move(socket));
    if (tls) {
      auto context = current_tls_context();
      beast::ssl_stream<beast::tcp_stream> tls_stream(std::move(stream), *context);
      beast::get_lowest_layer(tls_stream).expires_after(options.read_header_timeout);
      auto [handshake_ec] = co_await tls_stream.async_handshake(net::ssl::stream_base::server, kNoThrow);
      if (handshake_ec) {
        logger.log(LogLevel::debug, FLOWGATE_CALLER, "TLS handshake failed",
                   {{"remote", remote_text}, {"err", handshake_ec.message()}});
      } else {
        co_await serve(tls_stream, *control, remote_text, /*header_clock_running=*/true);
        beast::get_lowest_layer(tls_stream).expires_after(std::chrono::seconds(5));
        co_await tls_stream.async_shutdown(kNoThrow);
      }
    } else {
      co_await serve(stream, *control, remote_text, /*header_clock_running=*/false);
      stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    }
  }

  void release(const std::shared_ptr<ConnectionControl>& control) {
    {
      std::lock_guard lock(control->mutex);
      control->closed = true;
    }
    std::lock_guard lock(controls_mutex);
    uncount(*control);
    controls.erase(control);
  }

  // `waiting`: between exchanges; `header_started`: a header is pending (the
  // first request, or a byte of a later one has arrived); waiting without a
  // header started is idle.
  void set_waiting(ConnectionControl& control, bool waiting, bool header_started) {
    const std::uint64_t order = waiting ? next_order.fetch_add(1) : 0;
    std::lock_guard lock(control.mutex);
    control.waiting = waiting;
    if (!waiting) {
      control.header_pending = 0;
      control.idle_since = 0;
    } else if (header_started) {
      control.idle_since = 0;
      if (control.header_pending == 0) control.header_pending = order;
    } else {
      control.header_pending = 0;
      if (control.idle_since == 0) control.idle_since = order;
    }
  }

  // Never throws: a handler that runs out of memory costs its own request a
  // 503, any other exception a 500, and the connection and process go on.
  Dispatched dispatch(const Request& request) {
    try {
      Dispatched dispatched = hooks.dispatch(request);
      if (!headers_sendable(dispatched.reply)) {
        logger.log(LogLevel::error, FLOWGATE_CALLER, "reply header not sendable; answering 500",
                   {{"handler", dispatched.handler}});
        dispatched.reply = error_reply(500, "500 Internal Server Error: the reply carried a header field that "
                                            "cannot be sent (CR, LF or NUL in it, or longer than 65533 bytes)");
      }
      return dispatched;
    } catch (const std::bad_alloc&) {
      logger.log(LogLevel::warn, FLOWGATE_CALLER, "out of memory answering a request",
                 {{"method", request.method}, {"source", request.remote_address}});
      return {error_reply(503, "503 Service Unavailable: out of memory while answering this request; retry later"),
              {}};
    } catch (const std::exception& error) {
      logger.log(LogLevel::error, FLOWGATE_CALLER, "a handler threw; answering 500", {{"err", error.what()}});
      return {error_reply(500, std::string("500 Internal Server Error: ") + error.what()), {}};
    }
  }

  // One request after another until the connection closes, fails, is refused
  // or is not kept alive. `header_clock_running`: the first header's deadline
  // was set before the TLS handshake, which it covers too.
  template <class Stream>
  net::awaitable<void> serve(Stream& stream, ConnectionControl& control, const std::string& remote,
                             bool header_clock_running) {
    const RequestLimits limits{options.max_header_bytes, options.max_body_bytes};
    beast::flat_buffer buffer;  // outlives each request: it may hold the start of the next one
    for (bool first = true;; first = false) {
      RequestReader reader(limits, budget, control.ip);
      if (!co_await read_header(stream, reader, buffer, control, first, first && header_clock_running)) co_return;
      if (reader.state() == RequestReader::State::refused) {
        co_await refuse(stream, reader.refusal(), 11, nullptr);
        co_return;
      }
      const auto started = std::chrono::steady_clock::now();
      const double received_at = unix_now();
      // Authentication before a single body byte is read.
      const auto config = web_config.current();
      const std::optional<std::string> user = co_await authenticate(stream, reader.message(), *config);
      if (!user) co_return;
      if (!co_await read_body(stream, reader, buffer, *config)) co_return;

      Request request = reader.request();
      request.remote_address = remote;
      request.received_at = received_at;
      request.user = *user;
      if (!co_await answer(stream, reader, request, *config, started)) co_return;
    }
  }

  // Reads a request header into `reader` under its deadlines: a new
  // connection has read_header_timeout for its first header (`clock_running`:
  // set already); a kept-alive one waits up to idle_timeout for the next
  // request, then has read_header_timeout from its first byte for the whole
  // header, however slowly it trickles in. False: the connection ends (closed,
  // timed out, shutting down, or cut inside the header, which is answered 400).
  template <class Stream>
  net::awaitable<bool> read_header(Stream& stream, RequestReader& reader, beast::flat_buffer& buffer,
                                   ConnectionControl& control, bool first, bool clock_running) {
    bool header_started = first || buffer.size() != 0;
    if (!clock_running) {
      beast::get_lowest_layer(stream).expires_after(header_started ? options.read_header_timeout
                                                                   : options.idle_timeout);
    }
    set_waiting(control, true, header_started);
    if (stopping.load()) co_return false;
    while (reader.state() == RequestReader::State::header) {
      buffer.consume(reader.parse(buffered(buffer)));
      if (reader.state() != RequestReader::State::header) break;
      auto [read_ec, bytes] = co_await stream.async_read_some(buffer.prepare(kReadBytes), kNoThrow);
      if (read_ec) {
        if (buffer.size() != 0 && (read_ec == net::error::eof || read_ec == http::error::end_of_stream)) {
          co_await write_reply(stream, error_reply(400, "400 Bad Request: the connection ended inside the header"),
                               11, false, false);
        }
        co_return false;
      }
      buffer.commit(bytes);
      if (!header_started) {
        header_started = true;
        beast::get_lowest_layer(stream).expires_after(options.read_header_timeout);
        set_waiting(control, true, true);
      }
    }
    set_waiting(control, false, false);
    co_return true;
  }

  // The user basic auth lets in ("" when the web config has no users), or
  // nullopt once the refusal is written. bcrypt runs on the authenticator's
  // threads while this connection waits.
  template <class Stream>
  net::awaitable<std::optional<std::string>> authenticate(Stream& stream, const RequestReader::Message& header,
                                                          const WebConfig& config) {
    if (config.basic_auth_users.empty()) co_return std::string();
    AuthVerdict verdict = co_await authenticator.verdict(config, header[http::field::authorization]);
    if (verdict.outcome == AuthOutcome::allowed) co_return std::move(verdict.user);
    co_await write_reply(stream, authenticator.refusal(verdict), header.version(), false, false, &config);
    co_return std::nullopt;
  }

  // Reads the body, after a 100 Continue when the client asks for one. False:
  // the connection ends (closed, timed out, or the body refused and answered).
  template <class Stream>
  net::awaitable<bool> read_body(Stream& stream, RequestReader& reader, beast::flat_buffer& buffer,
                                 const WebConfig& config) {
    reader.start_body();
    if (reader.state() == RequestReader::State::body) {
      if (reader.expects_continue()) {
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        auto [continue_ec, unused] = co_await net::async_write(stream, net::buffer(kContinue), kNoThrow);
        if (continue_ec) co_return false;
      }
      beast::get_lowest_layer(stream).expires_after(options.idle_timeout);
      while (reader.state() == RequestReader::State::body) {
        buffer.consume(reader.parse(buffered(buffer)));
        if (reader.state() != RequestReader::State::body) break;
        auto [body_ec, bytes] = co_await stream.async_read_some(buffer.prepare(kReadBytes), kNoThrow);
        if (body_ec) co_return false;
        buffer.commit(bytes);
      }
    }
    if (reader.state() == RequestReader::State::refused) {
      co_await refuse(stream, reader.refusal(), reader.message().version(), &config);
      co_return false;
    }
    co_return true;
  }

  // Hands the request to the dispatcher, holds the reply of a change until the
  // change is durable, writes the reply and reports it. False: the connection
  // ends (the write failed or the connection is not kept alive).
  template <class Stream>
  net::awaitable<bool> answer(Stream& stream, RequestReader& reader, const Request& request, const WebConfig& config,
                              std::chrono::steady_clock::time_point started) {
    const auto& header = reader.message();
    const std::string method(header.method_string());
    Dispatched dispatched = dispatch(request);
    reader.release_body();
    if (dispatched.reply.commit_ticket != 0 && hooks.when_durable &&
        !co_await until_durable(dispatched.reply.commit_ticket)) {
      dispatched.reply = error_reply(500, "persisting the change failed: the write-ahead log could not be synced "
                                          "to disk; the change may or may not be kept");
    }
    const bool keep_alive = header.keep_alive() && !stopping.load();
    const bool written =
        co_await write_reply(stream, dispatched.reply, header.version(), keep_alive, method == "HEAD", &config);
    if (hooks.answered && !dispatched.handler.empty()) {
      hooks.answered(dispatched.handler, method, dispatched.reply.status,
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }
    co_return written && keep_alive;
  }

  // Answers a refused request and lets the connection end. Request bytes
  // still unread when the socket closes make the kernel send a reset, which
  // can destroy the answer before the client reads it; so, as Go's server
  // does, the sending side is shut first and what still comes in is read and
  // dropped for a moment (bounded in time and bytes).
  template <class Stream>
  net::awaitable<void> refuse(Stream& stream, const Refusal& refusal, unsigned version, const WebConfig* config) {
    if (!co_await write_reply(stream, error_reply(refusal.status, refusal.message), version, false, false, config)) {
      co_return;
    }
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      boost::system::error_code ignored;
      stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
      stream.expires_after(std::chrono::milliseconds(500));
      std::array<char, 16384> sink;
      for (std::size_t drained = 0; drained < (std::size_t{1} << 20);) {
        auto [ec, bytes] = co_await stream.async_read_some(net::buffer(sink), kNoThrow);
        if (ec) break;
        drained += bytes;
      }
    }
  }

  // Suspends the connection (not its thread) until the WAL has synced
  // `ticket`: every push waiting meanwhile shares the next fdatasync.
  net::awaitable<bool> until_durable(std::uint64_t ticket) {
    co_return co_await net::async_initiate<decltype(net::use_awaitable), void(bool)>(
        [this, ticket](auto handler) {
          // Tracked, so the io_context keeps running while a sync is pending.
          auto executor = net::prefer(net::get_associated_executor(handler), net::execution::outstanding_work.tracked);
          auto resume = std::make_shared<decltype(handler)>(std::move(handler));
          hooks.when_durable(ticket, [executor, resume](bool durable) {
            net::post(executor, [resume, durable]() mutable { std::move (*resume)(durable); });
          });
        },
        net::use_awaitable);
  }

  // Writes the reply as it is: the header (the reply's fields, then the web
  // config's, Date and Content-Length), then the body: one buffer, or the
  // pieces of a streamed body.
  template <class Stream>
  net::awaitable<bool> write_reply(Stream& stream, const Reply& reply, unsigned version, bool keep_alive,
                                   bool head_only, const WebConfig* config = nullptr) {
    http::response<http::empty_body> response{static_cast<http::status>(reply.status), version};
    if (!reply.content_type.empty()) response.set(http::field::content_type, reply.content_type);
    for (const auto& [name, value] : reply.headers) response.insert(name, value);
    if (config != nullptr) {
      for (const auto& [name, value] : config->headers) response.set(name, value);
    }
    response.set(http::field::date, http_date());
    response.set(http::field::content_length, std::to_string(reply.body_size()));
    response.keep_alive(keep_alive);
    beast::get_lowest_layer(stream).expires_after(options.idle_timeout);
    http::response_serializer<http::empty_body> serializer{response};
    auto [header_ec, header_bytes] = co_await http::async_write_header(stream, serializer, kNoThrow);
    if (header_ec) co_return false;
    if (head_only || reply.body_size() == 0) co_return true;
    if (reply.streamed) co_return co_await write_pieces(stream, reply.streamed->pieces);
    auto [body_ec, body_bytes] = co_await net::async_write(stream, net::buffer(reply.body), kNoThrow);
    co_return !body_ec;
  }

  // The pieces in batches of about 1 MiB, each with a fresh deadline, so one
  // big scrape neither monopolizes a thread nor times out as a whole.
  template <class Stream>
  net::awaitable<bool> write_pieces(Stream& stream, const std::vector<std::string_view>& pieces) {
    constexpr std::size_t kBatchBytes = std::size_t{1} << 20;
    std::vector<net::const_buffer> batch;
    std::size_t batch_bytes = 0;
    for (std::size_t i = 0; i < pieces.size(); ++i) {
      batch.emplace_back(pieces[i].data(), pieces[i].size());
      batch_bytes += pieces[i].size();
      if (batch_bytes >= kBatchBytes || batch.size() >= 512 || i + 1 == pieces.size()) {
        beast::get_lowest_layer(stream).expires_after(options.idle_timeout);
        auto [body_ec, body_bytes] = co_await net::async_write(stream, batch, kNoThrow);
        if (body_ec) co_return false;
        batch.clear();
        batch_bytes = 0;
      }
    }
    co_return true;
  }

  bool shutdown(std::chrono::milliseconds grace) {
    if (stopped) return threads_stopped;
    stopped = true;
    stopping.store(true);
    for (auto& acceptor : acceptors) {
      net::post(acceptor->get_executor(), [&acceptor = *acceptor] {
        boost::system::error_code ignored;
        acceptor.close(ignored);
      });
    }
    auto deadline = std::chrono::steady_clock::now() + grace;
    while (std::chrono::steady_clock::now() < deadline) {
      {
        // Wake connections waiting for a request; busy ones finish their
        // exchange and then see `stopping`.
        std::lock_guard lock(controls_mutex);
        for (const auto& control : controls) {
          std::lock_guard control_lock(control->mutex);
          if (control->waiting && !control->closed) ::shutdown(control->fd, SHUT_RDWR);
        }
      }
      if (active.load() == 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (active.load() != 0) {
      logger.log(LogLevel::warn, FLOWGATE_CALLER, "shutdown grace period over; dropping connections",
                 {{"connections", active.load()}});
    }
    work.reset();
    ioc.stop();
    // A thread inside a handler (a runaway push, say) does not come back to
    // run() for ioc.stop(); it is not waited for past a short bound.
    std::unique_lock lock(threads_mutex);
    const bool all_left =
        threads_cv.wait_for(lock, kThreadStopBound, [this] { return threads_done == threads.size(); });
    lock.unlock();
    if (!all_left) {
      logger.log(LogLevel::error, FLOWGATE_CALLER,
                 "a request handler is still running after the grace period; not waiting for it",
                 {{"threads", threads.size() - threads_done}});
      return false;
    }
    for (auto& thread : threads) {
      if (thread.joinable()) thread.join();
    }
    threads_stopped = true;
    return true;
  }
};

HttpServer::HttpServer(ServerOptions options, ServerHooks hooks, WebConfigFile& web_config, Logger& logger)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(hooks), web_config, logger)) {}

HttpServer::~HttpServer() = default;

void HttpServer::start() { impl_->start(); }

std::vector<std::uint16_t> HttpServer::bound_ports() const {
  std::vector<std::uint16_t> ports;
  for (const auto& acceptor : impl_->acceptors) {
    boost::system::error_code ec;
    auto endpoint = acceptor->local_endpoint(ec);
    ports.push_back(ec ? std::uint16_t{0} : endpoint.port());
  }
  return ports;
}

bool HttpServer::shutdown(std::chrono::milliseconds grace) { return impl_->shutdown(grace); }

}  // namespace flowgate::exporter
