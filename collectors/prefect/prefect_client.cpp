#include "collectors/prefect/prefect_client.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "collectors/prefect/prefect_csrf.hpp"
#include "collectors/prefect/prefect_json.hpp"
#include "collectors/prefect/prefect_proxy_tunnel.hpp"

namespace flowgate::collectors::prefect {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

bool is_retried_status(int status) { return status == 500 || status == 502 || status == 503 || status == 504; }

}  // namespace

struct PrefectClient::Connection {
  Connection(PrefectEndpoint endpoint_in, ClientOptions options_in)
      : endpoint(std::move(endpoint_in)), options(options_in) {
    if (endpoint.tls) {
      tls.set_default_verify_paths();
      tls.set_verify_mode(options.verify_tls ? ssl::verify_peer : ssl::verify_none);
    }
    if (options.csrf) csrf.emplace();
  }

  PrefectEndpoint endpoint;
  ClientOptions options;
  ClientStats stats;
  asio::io_context ioc;
  ssl::context tls{ssl::context::tls_client};
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;
  std::chrono::steady_clock::time_point last_used{};
  std::optional<std::chrono::steady_clock::time_point> deadline;
  std::atomic<bool> cancelled{false};
  std::mutex cancel_mutex;  // with `woken`: wakes a retry's backoff when cancelled
  std::condition_variable woken;
  // Why the last connect() failed on the way through the proxy.
  std::optional<TunnelRefusal> proxy_failure;
  std::optional<CsrfTokens> csrf;  // with options.csrf, until the server says it has no CSRF
  bool csrf_refused = false;       // the last judged answer was a 403 about the CSRF token

  // `timeout`, cut to what is left before the deadline (at least 1 ms, so
  // that an expired deadline still fails through the stream's timer); 1 ms
  // once cancelled, so what has not started yet ends at once.
  std::chrono::steady_clock::duration bounded(std::chrono::steady_clock::duration timeout) const {
    if (cancelled) return std::chrono::milliseconds(1);
    if (!deadline) return timeout;
    const auto left = *deadline - std::chrono::steady_clock::now();
    return std::max<std::chrono::steady_clock::duration>(std::min(timeout, left), std::chrono::milliseconds(1));
  }

  bool past_deadline(std::chrono::steady_clock::duration after = {}) const {
    return deadline && std::chrono::steady_clock::now() + after >= *deadline;
  }

  // Any thread. The stream's operations are cancelled on the thread that
  // runs them (a handler posted to `ioc`, run by the request in progress or
  // the next one); the backoff sleep is woken.
  void cancel() {
    {
      std::lock_guard lock(cancel_mutex);
      cancelled = true;
    }
    woken.notify_all();
    asio::post(ioc, [this] {
      if (connected()) lowest().cancel();
    });
  }

  // The backoff between two attempts; false when cancelled meanwhile.
  bool sleep_unless_cancelled(std::chrono::steady_clock::duration backoff) {
    std::unique_lock lock(cancel_mutex);
    return !woken.wait_for(lock, backoff, [this] { return cancelled.load(); });
  }

  bool connected() const { return plain.has_value() || secure.has_value(); }

  beast::tcp_stream& lowest() { return secure ? beast::get_lowest_layer(*secure) : *plain; }

  void close() {
    if (connected()) {
      error_code ignored;
      lowest().socket().close(ignored);
    }
    plain.reset();
    secure.reset();
    buffer.clear();
  }

  // Runs the operation just started to completion; timeouts come from the
  // stream's expiry, which cancels the operation.
  void run() {
    ioc.restart();
    ioc.run();
  }

  // Resolves and connects to the proxy when there is one, else to Prefect.
  error_code open_tcp(std::optional<beast::tcp_stream>& stream) {
    const std::string& host = options.proxy ? options.proxy->host : endpoint.host;
    const std::string& port = options.proxy ? options.proxy->port : endpoint.port;
    error_code ec;
    tcp::resolver resolver(ioc);
    tcp::resolver::results_type addresses;
    resolver.async_resolve(host, port, [&](error_code e, tcp::resolver::results_type found) {
      ec = e;
      addresses = std::move(found);
    });
    run();
    if (!ec) {
      stream.emplace(ioc);
      stream->expires_after(bounded(options.connect_timeout));
      stream->async_connect(addresses, [&](error_code e, const tcp::endpoint&) { ec = e; });
      run();
    }
    if (ec && options.proxy) {
      proxy_failure = TunnelRefusal{0, ec, "cannot reach the proxy " + options.proxy->name + ": " + ec.message()};
    }
    return ec;
  }

  // CONNECT through the proxy, for TLS to Prefect inside the tunnel.
  error_code open_tunnel(beast::tcp_stream& stream) {
    stream.expires_after(bounded(options.connect_timeout));
    std::optional<TunnelRefusal> refusal;
    async_open_tunnel(stream, *options.proxy, endpoint, [&](std::optional<TunnelRefusal> r) { refusal = std::move(r); });
    run();
    if (!refusal) return {};
    const error_code ec = refusal->error ? refusal->error : make_error_code(asio::error::connection_refused);
    proxy_failure = std::move(refusal);
    return ec;
  }

  error_code connect() {
    proxy_failure.reset();
    std::optional<beast::tcp_stream> stream;
    error_code ec = open_tcp(stream);
    if (ec) return ec;
    ++stats.connections;
    if (!endpoint.tls) {
      plain.emplace(std::move(*stream));
      return {};
    }
    if (options.proxy) {
      if ((ec = open_tunnel(*stream))) return ec;
    }
    secure.emplace(std::move(*stream), tls);
    // SNI; SSL_set_tlsext_host_name is a macro with a C cast.
    if (SSL_ctrl(secure->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(endpoint.host.c_str())) != 1) {
      close();
      return error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category());
    }
    if (options.verify_tls) secure->set_verify_callback(ssl::host_name_verification(endpoint.host));
    beast::get_lowest_layer(*secure).expires_after(bounded(options.connect_timeout));
    secure->async_handshake(ssl::stream_base::client, [&](error_code e) { ec = e; });
    run();
    if (ec) close();
    return ec;
  }

  error_code exchange(const http::request<http::string_body>& request, http::response<http::string_body>& response) {
    error_code ec;
    http::response_parser<http::string_body> parser;
    parser.body_limit(options.max_response_bytes);
    lowest().expires_after(bounded(options.request_timeout));
    auto write_then_read = [&](auto& stream) {
      http::async_write(stream, request, [&](error_code e, std::size_t) { ec = e; });
      run();
      // A cancel() whose handler ran while the write finished found nothing
      // to cancel, and the read's expiry was set before it: check here.
      if (!ec && cancelled) ec = asio::error::operation_aborted;
      if (ec) return;
      http::async_read(stream, buffer, parser, [&](error_code e, std::size_t) { ec = e; });
      run();
    };
    if (secure) {
      write_then_read(*secure);
    } else {
      write_then_read(*plain);
    }
    if (!ec) response = parser.release();
    return ec;
  }

  http::request<http::string_body> build_request(http::verb verb, std::string_view path, std::string_view body) const {
    // A plain-http proxy takes the absolute URL; an https one only sees the tunnel.
    const bool via_proxy = options.proxy && !endpoint.tls;
    http::request<http::string_body> request{verb, via_proxy ? absolute_target(endpoint, path) : endpoint.target(path), 11};
    if (via_proxy && !options.proxy->authorization.empty()) {
      request.set(http::field::proxy_authorization, options.proxy->authorization);
    }
    const bool default_port = endpoint.port == (endpoint.tls ? "443" : "80");
    request.set(http::field::host, default_port ? endpoint.host : endpoint.host + ":" + endpoint.port);
    request.set(http::field::user_agent, "flowgate");
    request.set(http::field::accept, "application/json");
    if (!endpoint.authorization.empty()) request.set(http::field::authorization, endpoint.authorization);
    if (verb == http::verb::post) {
      request.set(http::field::content_type, "application/json");
      request.body() = std::string(body);
      if (csrf && !csrf->token().empty()) {
        request.set(kCsrfTokenHeader, csrf->token());
        request.set(kCsrfClientHeader, csrf->client());
      }
    }
    request.keep_alive(true);
    request.prepare_payload();
    return request;
  }

  // One exchange on the kept connection or a new one.
  error_code send_once(const http::request<http::string_body>& request, http::response<http::string_body>& response) {
    ++stats.requests;
    const bool reused = connected();
    error_code ec = reused ? error_code{} : connect();
    if (!ec) ec = exchange(request, response);
    if (ec && reused) {
      // The server closed an idle kept-alive connection (uvicorn does after
      // 5 s, Prefect's --keep-alive-timeout): not a failure, reconnect now.
      close();
      ++stats.requests;
      ec = connect();
      if (!ec) ec = exchange(request, response);
    }
    return ec;
  }

  // A 2xx answer's body, else the error: throttled (429, or 503 with
  // Retry-After) and statuses that are not retried end the request; others
  // are retried by the caller.
  ClientResult<std::string> judge(http::response<http::string_body>& response, const std::string& what) {
    const int status = static_cast<int>(response.result_int());
    csrf_refused = false;
    if (status >= 200 && status < 300) return std::move(response.body());
    const auto prefect_says = parse_api_error(response.body());
    ClientError error(ClientErrorKind::http_status, status,
                      what + ": HTTP " + std::to_string(status) + (prefect_says ? ": " + *prefect_says : ""));
    csrf_refused = is_csrf_refusal(status, response.body());
    if (csrf_refused && !options.csrf) {
      error.message += " (the server has CSRF protection on: start flowgate with --prefect.csrf)";
    }
    // A proxy refusing its credentials answers 407, or 401 (tinyproxy) without Prefect's JSON.
    if (options.proxy && !endpoint.tls && (status == 407 || (status == 401 && !prefect_says))) {
      error.message += " (from the proxy " + options.proxy->name + ": check the user and password of its URL)";
    }
    // A self-hosted server answers 503 without Retry-After when its
    // database is busy or briefly unavailable: transient, retried like 502.
    const bool announced_pause = response.find(http::field::retry_after) != response.end();
    if (status == 429 || (status == 503 && announced_pause)) {
      error.kind = ClientErrorKind::throttled;
      error.retry_after = parse_retry_after(response[http::field::retry_after], std::chrono::system_clock::now());
    }
    return error;
  }

  // A failed exchange: the proxy's refusal (its status kept, so that a 407
  // or 403 is not retried) or a transport error.
  ClientError failure(const std::string& what, error_code ec) {
    if (proxy_failure) {
      const int status = proxy_failure->status;
      const auto kind = status == 0 ? ClientErrorKind::transport : ClientErrorKind::http_status;
      ClientError error(kind, status, what + ": " + proxy_failure->message);
      proxy_failure.reset();
      return error;
    }
    return ClientError(ClientErrorKind::transport, 0, what + ": " + ec.message());
  }

  ClientResult<std::string> attempts(http::verb verb, std::string_view path, std::string_view body) {
    const auto request = build_request(verb, path, body);
    const std::string what = std::string(request.method_string()) + " " + std::string(request.target());

    if (connected() && std::chrono::steady_clock::now() - last_used > options.max_idle) close();
    auto backoff = options.first_backoff;
    ClientError last(ClientErrorKind::transport, 0, what + ": no attempt made");
    const auto deadline_passed = [&](const std::string& why) {
      return ClientError(ClientErrorKind::transport, 0, what + ": the poll deadline passed (" + why + ")");
    };
    const auto stopped = [&] { return ClientError(ClientErrorKind::transport, 0, what + ": cancelled (flowgate stops)"); };
    for (int attempt = 1; attempt <= std::max(1, options.max_attempts); ++attempt) {
      if (cancelled) return stopped();
      if (attempt > 1) {
        if (past_deadline(backoff)) return deadline_passed("no time left to retry after: " + last.message);
        if (!sleep_unless_cancelled(backoff)) return stopped();
        backoff *= 2;
      }
      if (past_deadline()) return deadline_passed("before sending");
      http::response<http::string_body> response;
      if (const error_code ec = send_once(request, response)) {
        close();
        if (past_deadline()) return deadline_passed(ec.message());
        last = failure(what, ec);
        if (last.kind == ClientErrorKind::http_status && !is_retried_status(last.status)) return last;
        continue;
      }
      last_used = std::chrono::steady_clock::now();
      stats.response_bytes += response.body().size();
      if (!response.keep_alive()) close();
      auto judged = judge(response, what);
      if (judged || judged.error().kind == ClientErrorKind::throttled || !is_retried_status(judged.error().status)) {
        return judged;
      }
      last = std::move(judged.error());
    }
    return last;
  }

  ClientResult<std::string> request(http::verb verb, std::string_view path, std::string_view body);
  std::optional<ClientError> fetch_csrf_token_if_due();
};

// The Connection's requests with CSRF tokens: fetched before a POST when
// due, fetched again once when the server refuses the one sent.
ClientResult<std::string> PrefectClient::Connection::request(http::verb verb, std::string_view path,
                                                             std::string_view body) {
  if (verb != http::verb::post || !csrf) return attempts(verb, path, body);
  if (auto failed = fetch_csrf_token_if_due()) return *failed;
  auto answer = attempts(verb, path, body);
  if (answer || !csrf_refused || !csrf) return answer;
  csrf->forget();
  if (auto failed = fetch_csrf_token_if_due()) return *failed;
  answer = attempts(verb, path, body);
  if (answer || !csrf_refused) return answer;
  ClientError error = answer.error();  // result::error() is a copy
  error.message += " (again with a new CSRF token)";
  return error;
}

std::optional<ClientError> PrefectClient::Connection::fetch_csrf_token_if_due() {
  const auto now = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  if (!csrf->due(now)) return std::nullopt;
  ++stats.csrf_token_fetches;
  auto answer = attempts(http::verb::get, csrf->token_path(), {});
  if (!answer && answer.error().status == 422) {
    csrf.reset();  // Prefect: "CSRF protection is disabled."; plain POSTs then
    return std::nullopt;
  }
  if (!answer) {
    ClientError error = answer.error();
    error.message = "fetching a CSRF token (--prefect.csrf): " + error.message;
    return error;
  }
  if (auto error = csrf->accept(*answer, now)) {
    return ClientError(ClientErrorKind::bad_body, 200, "GET /csrf-token: undecodable token: " + error->describe());
  }
  return std::nullopt;
}

PrefectClient::PrefectClient(PrefectEndpoint endpoint, ClientOptions options)
    : connection_(std::make_unique<Connection>(std::move(endpoint), options)) {}
PrefectClient::PrefectClient(PrefectClient&&) noexcept = default;
PrefectClient& PrefectClient::operator=(PrefectClient&&) noexcept = default;
PrefectClient::~PrefectClient() = default;

ClientResult<std::string> PrefectClient::get(std::string_view path) {
  return connection_->request(http::verb::get, path, {});
}

ClientResult<std::string> PrefectClient::post(std::string_view path, std::string_view json_body) {
  return connection_->request(http::verb::post, path, json_body);
}

const ClientStats& PrefectClient::stats() const { return connection_->stats; }

void PrefectClient::cancel() { connection_->cancel(); }

void PrefectClient::set_deadline(std::optional<std::chrono::steady_clock::time_point> deadline) {
  connection_->deadline = deadline;
}

}  // namespace flowgate::collectors::prefect
