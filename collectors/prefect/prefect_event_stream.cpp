#include "collectors/prefect/prefect_event_stream.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <openssl/ssl.h>

#include "collectors/prefect/prefect_event.hpp"

namespace flowgate::collectors::prefect {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

// The TCP connection to the API's host. The one place that dials: a proxy
// (CONNECT) would be added here without touching the rest of the stream.
asio::awaitable<error_code> open_tcp(beast::tcp_stream& stream, const PrefectEndpoint& endpoint,
                                     std::chrono::milliseconds timeout) {
  tcp::resolver resolver(co_await asio::this_coro::executor);
  auto [resolved, addresses] = co_await resolver.async_resolve(endpoint.host, endpoint.port, kNoThrow);
  if (resolved) co_return resolved;
  stream.expires_after(timeout);
  auto [connected, peer] = co_await stream.async_connect(addresses, kNoThrow);
  co_return connected;
}

std::string host_header(const PrefectEndpoint& endpoint) {
  const bool default_port = endpoint.port == (endpoint.tls ? "443" : "80");
  return default_port ? endpoint.host : endpoint.host + ":" + endpoint.port;
}

// What a closed stream said, for the sentence that reports it.
template <typename Ws>
std::string ended_because(const Ws& ws, const error_code& ec) {
  if (ec != websocket::error::closed) return ec.message();
  const auto& reason = ws.reason();
  std::string text = "closed by Prefect (code " + std::to_string(reason.code);
  if (!reason.reason.empty()) text += ": " + std::string(reason.reason.c_str());
  return text + ")";
}

}  // namespace

struct EventStream::Impl {
  PrefectEndpoint endpoint;
  std::string token;
  EventStreamOptions options;
  MessageHandler on_message;
  ChangeHandler on_change;
  // Before the io_context: coroutine frames it destroys hold streams made from it.
  ssl::context tls{ssl::context::tls_client};
  asio::io_context ioc;
  std::thread thread;
  std::atomic<bool> stopping{false};
  bool started = false;  // start() only, under start_mutex
  std::mutex start_mutex;
  mutable std::mutex stats_mutex;
  EventStreamStats stats;
  bool reported_down = false;  // stream thread only: the current outage was reported

  Impl(PrefectEndpoint endpoint_in, std::string token_in, EventStreamOptions options_in, MessageHandler message,
       ChangeHandler change)
      : endpoint(std::move(endpoint_in)),
        token(std::move(token_in)),
        options(options_in),
        on_message(std::move(message)),
        on_change(std::move(change)) {
    if (endpoint.tls) {
      tls.set_default_verify_paths();
      tls.set_verify_mode(options.verify_tls ? ssl::verify_peer : ssl::verify_none);
    }
  }

  std::string url() const {
    return std::string(endpoint.tls ? "wss://" : "ws://") + host_header(endpoint) + endpoint.target("/events/out");
  }

  void set_connected(bool connected, const std::string& why) {
    {
      std::lock_guard lock(stats_mutex);
      stats.connected = connected;
      if (connected) ++stats.connections;
    }
    if (connected) reported_down = false;
    if (!connected && reported_down) return;
    if (!connected) reported_down = true;
    if (on_change) on_change(connected, why);
  }

  asio::awaitable<void> run();
  asio::awaitable<std::string> session();
  template <typename Ws>
  asio::awaitable<std::string> converse(Ws& ws);
  template <typename Ws>
  asio::awaitable<std::string> subscribe(Ws& ws);
};

asio::awaitable<void> EventStream::Impl::run() {
  auto backoff = options.first_backoff;
  asio::steady_timer timer(ioc);
  for (bool first = true; !stopping; first = false) {
    if (!first) {
      std::lock_guard lock(stats_mutex);
      ++stats.reconnects;
    }
    const auto connections_before = stats.connections;
    const auto began = std::chrono::steady_clock::now();
    std::string why = co_await session();
    if (stopping) break;
    set_connected(false, why);
    // A connection that lasted starts the next outage's backoff afresh.
    const bool lasted = stats.connections != connections_before &&
                        std::chrono::steady_clock::now() - began >= options.stable_after;
    if (lasted) backoff = options.first_backoff;
    timer.expires_after(backoff);
    co_await timer.async_wait(kNoThrow);
    backoff = std::min(backoff * 2, options.max_backoff);
  }
}

asio::awaitable<std::string> EventStream::Impl::session() {
  const std::string where = url();
  beast::tcp_stream stream(ioc);
  if (const error_code ec = co_await open_tcp(stream, endpoint, options.connect_timeout)) {
    co_return where + ": cannot connect: " + ec.message();
  }
  if (!endpoint.tls) {
    websocket::stream<beast::tcp_stream> ws(std::move(stream));
    co_return where + ": " + co_await converse(ws);
  }
  websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws(std::move(stream), tls);
  auto& secure = ws.next_layer();
  // SNI; SSL_set_tlsext_host_name is a macro with a C cast.
  SSL_ctrl(secure.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
           const_cast<char*>(endpoint.host.c_str()));
  if (options.verify_tls) secure.set_verify_callback(ssl::host_name_verification(endpoint.host));
  beast::get_lowest_layer(ws).expires_after(options.connect_timeout);
  auto [handshake] = co_await secure.async_handshake(ssl::stream_base::client, kNoThrow);
  if (handshake) co_return where + ": TLS handshake failed: " + handshake.message();
  co_return where + ": " + co_await converse(ws);
}

// The upgrade, then the auth and filter messages; "" when subscribed.
template <typename Ws>
asio::awaitable<std::string> EventStream::Impl::subscribe(Ws& ws) {
  beast::get_lowest_layer(ws).expires_never();  // the websocket's own timeouts from here on
  ws.set_option(websocket::stream_base::timeout{options.connect_timeout, options.idle_timeout, true});
  ws.set_option(websocket::stream_base::decorator([this](websocket::request_type& request) {
    request.set(http::field::sec_websocket_protocol, "prefect");
    request.set(http::field::user_agent, "flowgate");
    if (!endpoint.authorization.empty()) request.set(http::field::authorization, endpoint.authorization);
  }));
  ws.read_message_max(options.max_message_bytes);
  websocket::response_type response;
  auto [upgraded] = co_await ws.async_handshake(response, host_header(endpoint), endpoint.target("/events/out"), kNoThrow);
  if (upgraded) {
    const bool answered = response.result_int() != 0;
    co_return "websocket upgrade failed: " + upgraded.message() +
        (answered ? " (HTTP " + std::to_string(response.result_int()) + ")" : "");
  }
  ws.text(true);
  auto [auth_sent, auth_bytes] = co_await ws.async_write(asio::buffer(auth_message(token)), kNoThrow);
  if (auth_sent) co_return "cannot send the auth message: " + auth_sent.message();
  beast::flat_buffer buffer;
  auto [answered, answer_bytes] = co_await ws.async_read(buffer, kNoThrow);
  if (answered) co_return "no answer to the auth message: " + ended_because(ws, answered);
  const auto reply = parse_stream_message(beast::buffers_to_string(buffer.data()));
  if (!reply || reply->kind != StreamMessageKind::auth_success) {
    co_return "Prefect did not accept the auth message (expected {\"type\":\"auth_success\"})";
  }
  // `occurred` is stamped by Prefect or by the client that ran the task, not
  // by this machine: an hour's margin keeps clock skew from dropping live
  // events (the stream has no backfill; the poll heals what came before).
  const auto since = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now()) -
                     std::chrono::hours(1);
  auto [filter_sent, filter_bytes] = co_await ws.async_write(asio::buffer(filter_message(since)), kNoThrow);
  if (filter_sent) co_return "cannot send the filter message: " + filter_sent.message();
  co_return std::string();
}

template <typename Ws>
asio::awaitable<std::string> EventStream::Impl::converse(Ws& ws) {
  if (std::string refused = co_await subscribe(ws); !refused.empty()) co_return refused;
  set_connected(true, "subscribed to " + url());
  beast::flat_buffer buffer;
  while (!stopping) {
    buffer.clear();
    auto [ec, bytes] = co_await ws.async_read(buffer, kNoThrow);
    if (ec) co_return "the event stream ended: " + ended_because(ws, ec);
    {
      std::lock_guard lock(stats_mutex);
      ++stats.messages;
    }
    const auto data = buffer.cdata();
    on_message(std::string_view(static_cast<const char*>(data.data()), data.size()));
  }
  co_return "stopped";
}

EventStream::EventStream(PrefectEndpoint endpoint, std::string token, EventStreamOptions options,
                         MessageHandler on_message, ChangeHandler on_change)
    : impl_(std::make_unique<Impl>(std::move(endpoint), std::move(token), options, std::move(on_message),
                                   std::move(on_change))) {}

EventStream::~EventStream() {
  cancel();
  if (impl_->thread.joinable()) impl_->thread.join();
}

void EventStream::start() {
  std::lock_guard lock(impl_->start_mutex);
  if (impl_->started || impl_->stopping) return;
  impl_->started = true;
  asio::co_spawn(impl_->ioc, impl_->run(), asio::detached);
  impl_->thread = std::thread([impl = impl_.get()] { impl->ioc.run(); });
}

// Stopping the io_context ends the thread at once, wherever the stream is
// (resolving, in a backoff, reading); the socket closes when the stream is
// destroyed with the Impl.
void EventStream::cancel() {
  impl_->stopping = true;
  impl_->ioc.stop();
}

EventStreamStats EventStream::stats() const {
  std::lock_guard lock(impl_->stats_mutex);
  return impl_->stats;
}

}  // namespace flowgate::collectors::prefect
