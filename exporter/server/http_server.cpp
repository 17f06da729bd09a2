#include "exporter/server/http_server.hpp"

#include <sys/socket.h>

#include <atomic>
#include <ctime>
#include <mutex>
#include <stdexcept>
#include <thread>
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
#include "exporter/server/tls_context.hpp"
#include "exposition/gzip.hpp"

namespace flowgate::exporter {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
constexpr auto kNoThrow = net::as_tuple(net::use_awaitable);

namespace {

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

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

// What shutdown() needs to know about a connection: whether it is between
// requests, and its socket, to wake a read that would otherwise wait out the
// idle timeout.
struct ConnectionControl {
  std::mutex mutex;  // guards idle and closed
  bool idle = true;
  bool closed = false;
  int fd = -1;
};

}  // namespace

struct HttpServer::Impl {
  Impl(ServerOptions server_options, ServerHooks server_hooks, WebConfigFile& config, Logger& log)
      : options(std::move(server_options)), hooks(std::move(server_hooks)), web_config(config), logger(log) {}

  ServerOptions options;
  ServerHooks hooks;
  WebConfigFile& web_config;
  Logger& logger;

  net::io_context ioc;
  Authenticator authenticator{web_config};  // after ioc: its threads post to it until destroyed
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  std::vector<std::thread> threads;
  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> active{0};
  bool tls = false;
  bool stopped = false;

  std::mutex controls_mutex;  // guards controls
  std::unordered_set<std::shared_ptr<ConnectionControl>> controls;

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
    for (unsigned i = 0; i < std::max(1u, options.threads); ++i) {
      threads.emplace_back([this] { ioc.run(); });
    }
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
      if (options.max_connections != 0 && active.load() >= options.max_connections) {
        logger.log(LogLevel::warn, FLOWGATE_CALLER, "connection limit reached; closing new connection",
                   {{"limit", options.max_connections}});
        boost::system::error_code ignored;
        socket.close(ignored);
        continue;
      }
      // Header and body leave in separate writes; without NODELAY, Nagle plus
      // the client's delayed ACK would hold the body back ~40 ms.
      boost::system::error_code nodelay_ec;
      socket.set_option(tcp::no_delay(true), nodelay_ec);
      ++active;
      auto executor = socket.get_executor();
      net::co_spawn(executor, connection(std::move(socket)), [this](std::exception_ptr error) {
        // Async code does not throw; an exception here is a bug worth a line.
        if (error) logger.log(LogLevel::error, FLOWGATE_CALLER, "connection ended by an exception");
        --active;
      });
    }
  }

  net::awaitable<void> connection(tcp::socket socket) {
    boost::system::error_code ec;
    auto remote = socket.remote_endpoint(ec);
    std::string remote_text = ec ? std::string("unknown") : endpoint_text(remote);
    auto control = std::make_shared<ConnectionControl>();
    control->fd = socket.native_handle();
    {
      std::lock_guard lock(controls_mutex);
      controls.insert(control);
    }
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
        co_await serve(tls_stream, *control, remote_text);
        beast::get_lowest_layer(tls_stream).expires_after(std::chrono::seconds(5));
        co_await tls_stream.async_shutdown(kNoThrow);
      }
      release(control);
    } else {
      co_await serve(stream, *control, remote_text);
      release(control);
      stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    }
  }

  void release(const std::shared_ptr<ConnectionControl>& control) {
    {
      std::lock_guard lock(control->mutex);
      control->closed = true;
    }
    std::lock_guard lock(controls_mutex);
    controls.erase(control);
  }

  static bool set_idle(ConnectionControl& control, bool idle) {
    std::lock_guard lock(control.mutex);
    control.idle = idle;
    return true;
  }

  template <class Stream>
  net::awaitable<void> serve(Stream& stream, ConnectionControl& control, const std::string& remote) {
    beast::flat_buffer buffer;
    bool first = true;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
      parser.body_limit(options.max_body_bytes);
      beast::get_lowest_layer(stream).expires_after(first ? options.read_header_timeout : options.idle_timeout);
      set_idle(control, true);
      if (stopping.load()) co_return;
      auto [read_ec, header_bytes] = co_await http::async_read_header(stream, buffer, parser, kNoThrow);
      set_idle(control, false);
      if (read_ec) {
        if (read_ec == http::error::header_limit) {
          co_await write_reply(stream, error_reply(431, "431 Request Header Fields Too Large"), 11, false, false);
        } else if (read_ec == http::error::body_limit) {
          // Beast checks Content-Length against the limit with the header.
          co_await write_reply(stream, error_reply(413, "request body too large"), 11, false, false);
        } else if (read_ec != http::error::end_of_stream && read_ec != net::error::eof &&
                   read_ec != net::error::operation_aborted && read_ec != beast::error::timeout &&
                   read_ec != net::error::connection_reset) {
          co_await write_reply(stream, error_reply(400, "400 Bad Request"), 11, false, false);
        }
        co_return;
      }
      first = false;
      const auto started = std::chrono::steady_clock::now();
      const double received_at = unix_now();
      auto& header = parser.get();
      const unsigned version = header.version();
      const std::string method(header.method_string());

      // Authentication before a single body byte is read; bcrypt runs on the
      // authenticator's threads while this connection waits.
      auto config = web_config.current();
      std::string user;
      if (!config->basic_auth_users.empty()) {
        AuthVerdict verdict = co_await authenticator.verdict(*config, header[http::field::authorization]);
        if (verdict.outcome != AuthOutcome::allowed) {
          co_await write_reply(stream, authenticator.refusal(verdict), version, false, false, config.get());
          co_return;
        }
        user = std::move(verdict.user);
      }
      if (parser.content_length() && *parser.content_length() > options.max_body_bytes) {
        co_await write_reply(stream, error_reply(413, "request body too large"), version, false, false, config.get());
        co_return;
      }
      if (!parser.is_done()) {
        if (iequals(header[http::field::expect], "100-continue")) {
          static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
          auto [continue_ec, unused] = co_await net::async_write(stream, net::buffer(kContinue), kNoThrow);
          if (continue_ec) co_return;
        }
        beast::get_lowest_layer(stream).expires_after(options.idle_timeout);
        auto [body_ec, body_bytes] = co_await http::async_read(stream, buffer, parser, kNoThrow);
        if (body_ec == http::error::body_limit) {
          co_await write_reply(stream, error_reply(413, "request body too large"), version, false, false,
                               config.get());
          co_return;
        }
        if (body_ec) co_return;
      }

      const auto& message = parser.get();
      Request request;
      request.method = message.method_string();
      request.target = message.target();
      request.accept = message[http::field::accept];
      request.accept_encoding = message[http::field::accept_encoding];
      request.content_type = message[http::field::content_type];
      request.content_encoding = message[http::field::content_encoding];
      request.body = message.body();
      request.remote_address = remote;
      request.received_at = received_at;
      request.user = user;
      Dispatched dispatched = hooks.dispatch(request);
      if (dispatched.reply.commit_ticket != 0 && hooks.when_durable) {
        if (!co_await until_durable(dispatched.reply.commit_ticket)) {
          dispatched.reply = error_reply(500, "persisting the change failed: the write-ahead log could not be synced "
                                              "to disk; the change may or may not be kept");
        }
      }
      if (dispatched.reply.gzip_streamed && version < 11) compress_whole(dispatched.reply);  // no chunks in HTTP/1.0

      const bool keep_alive = message.keep_alive() && !stopping.load();
      const bool written = co_await write_reply(stream, dispatched.reply, version, keep_alive, method == "HEAD",
                                                config.get());
      if (hooks.answered && !dispatched.handler.empty()) {
        hooks.answered(dispatched.handler, method, dispatched.reply.status,
                       std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
      }
      if (!written || !keep_alive) co_return;
    }
  }

  // Suspends the connection (not its thread) until the journal has synced
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

  // Writes the header, then the body as it is (one buffer, or the pieces of a
  // streamed body in bounded batches so one scrape does not monopolize a thread).
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
    if (reply.gzip_streamed) {
      response.chunked(true);
    } else {
      response.set(http::field::content_length, std::to_string(reply.body_size()));
    }
    response.keep_alive(keep_alive);
    beast::get_lowest_layer(stream).expires_after(options.idle_timeout);
    http::response_serializer<http::empty_body> serializer{response};
    auto [header_ec, header_bytes] = co_await http::async_write_header(stream, serializer, kNoThrow);
    if (header_ec) co_return false;
    if (head_only) co_return true;
    if (reply.gzip_streamed) co_return co_await write_gzip_chunks(stream, *reply.streamed);
    if (reply.body_size() == 0) co_return true;
    if (!reply.streamed) {
      auto [body_ec, body_bytes] = co_await net::async_write(stream, net::buffer(reply.body), kNoThrow);
      co_return !body_ec;
    }
    constexpr std::size_t kBatchBytes = std::size_t{1} << 20;
    std::vector<net::const_buffer> batch;
    std::size_t batch_bytes = 0;
    const auto& pieces = reply.streamed->pieces;
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

  static void compress_whole(Reply& reply) {
    exposition::GzipWriter gzip;
    for (auto piece : reply.streamed->pieces) gzip.write(piece, reply.body);
    gzip.finish(reply.body);
    reply.streamed.reset();
    reply.gzip_streamed = false;
  }

  // Deflates the pieces and sends each ~256 KiB of output as one HTTP chunk,
  // so neither memory nor one thread's time grows with the body.
  template <class Stream>
  net::awaitable<bool> write_gzip_chunks(Stream& stream, const StreamedBody& body) {
    constexpr std::size_t kChunkBytes = std::size_t{256} << 10;
    exposition::GzipWriter gzip;
    std::string out;
    auto send = [&]() -> net::awaitable<bool> {
      beast::get_lowest_layer(stream).expires_after(options.idle_timeout);
      auto [ec, n] = co_await net::async_write(stream, http::make_chunk(net::buffer(out)), kNoThrow);
      out.clear();
      co_return !ec;
    };
    for (auto piece : body.pieces) {
      gzip.write(piece, out);
      if (out.size() >= kChunkBytes && !co_await send()) co_return false;
    }
    gzip.finish(out);
    if (!out.empty() && !co_await send()) co_return false;
    auto [last_ec, last_bytes] = co_await net::async_write(stream, http::make_chunk_last(), kNoThrow);
    co_return !last_ec;
  }

  void shutdown(std::chrono::milliseconds grace) {
    if (stopped) return;
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
          if (control->idle && !control->closed) ::shutdown(control->fd, SHUT_RDWR);
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
    for (auto& thread : threads) {
      if (thread.joinable()) thread.join();
    }
  }
};

HttpServer::HttpServer(ServerOptions options, ServerHooks hooks, WebConfigFile& web_config, Logger& logger)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(hooks), web_config, logger)) {}

HttpServer::~HttpServer() { impl_->shutdown(std::chrono::milliseconds(0)); }

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

void HttpServer::shutdown(std::chrono::milliseconds grace) { impl_->shutdown(grace); }

}  // namespace flowgate::exporter
