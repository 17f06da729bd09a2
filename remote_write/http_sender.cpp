#include "remote_write/http_sender.hpp"

#include <atomic>
#include <charconv>
#include <fstream>
#include <sstream>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/core/detail/base64.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <openssl/ssl.h>

#include "exposition/retry_after.hpp"
#include "remote_write/write_request.hpp"

namespace flowgate::remote_write {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

constexpr int kMaxRedirects = 10;
constexpr std::size_t kMaxReplyBytes = 1 << 20;
constexpr std::size_t kErrorBodyChars = 256;

struct Target {
  bool tls = false;
  std::string host, port, path;
};

std::optional<Target> target_of(std::string_view url_text) {
  auto url = boost::urls::parse_absolute_uri(url_text);
  if (!url || (url->scheme() != "http" && url->scheme() != "https") || url->host().empty()) return std::nullopt;
  Target target;
  target.tls = url->scheme() == "https";
  target.host = url->host_address();
  target.port = url->has_port() ? std::string(url->port()) : (target.tls ? "443" : "80");
  target.path = std::string(url->encoded_path());
  if (target.path.empty()) target.path = "/";
  if (url->has_query()) target.path += "?" + std::string(url->encoded_query());
  return target;
}

// A secret from its file, as Prometheus reads one: surrounding space trimmed.
std::string read_secret(const std::string& inline_value, const std::string& file) {
  if (file.empty()) return inline_value;
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  std::string secret = text.str();
  const auto first = secret.find_first_not_of(" \t\r\n");
  const auto last = secret.find_last_not_of(" \t\r\n");
  return first == std::string::npos ? std::string() : secret.substr(first, last - first + 1);
}

std::optional<std::uint64_t> written(const http::response<http::string_body>& response, std::string_view name) {
  auto found = response.find(name);
  if (found == response.end()) return std::nullopt;
  std::uint64_t value = 0;
  const auto text = found->value();
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

boost::system::result<void, exposition::MessageError> configure_tls(ssl::context& context,
                                                                    const TlsClientConfig& tls) {
  error_code ec;
  if (tls.ca_file.empty()) {
    context.set_default_verify_paths(ec);
  } else {
    context.load_verify_file(tls.ca_file, ec);
  }
  if (ec) return exposition::MessageError("tls_config.ca_file " + tls.ca_file + ": " + ec.message());
  if (!tls.cert_file.empty()) {
    context.use_certificate_chain_file(tls.cert_file, ec);
    if (ec) return exposition::MessageError("tls_config.cert_file " + tls.cert_file + ": " + ec.message());
    context.use_private_key_file(tls.key_file, ssl::context::pem, ec);
    if (ec) return exposition::MessageError("tls_config.key_file " + tls.key_file + ": " + ec.message());
  }
  static constexpr std::pair<std::string_view, int> kVersions[] = {
      {"TLS10", TLS1_VERSION}, {"TLS11", TLS1_1_VERSION}, {"TLS12", TLS1_2_VERSION}, {"TLS13", TLS1_3_VERSION}};
  for (auto [name, version] : kVersions) {
    if (tls.min_version == name) SSL_CTX_set_min_proto_version(context.native_handle(), version);
    if (tls.max_version == name) SSL_CTX_set_max_proto_version(context.native_handle(), version);
  }
  context.set_verify_mode(tls.insecure_skip_verify ? ssl::verify_none : ssl::verify_peer);
  return {};
}

}  // namespace

struct HttpSender::Connection {
  Destination destination;
  Target target;
  asio::io_context ioc;
  ssl::context tls{ssl::context::tls_client};
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  std::string connected_to;  // host:port of the open connection
  beast::flat_buffer buffer;
  std::atomic<bool> cancelled{false};

  void run() {
    ioc.restart();
    ioc.run();
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
    connected_to.clear();
  }

  error_code handshake(const Target& to, std::chrono::steady_clock::time_point deadline) {
    const std::string& name = destination.tls.server_name.empty() ? to.host : destination.tls.server_name;
    // SNI; SSL_set_tlsext_host_name is a macro with a C cast.
    SSL_ctrl(secure->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(name.c_str()));
    if (!destination.tls.insecure_skip_verify) secure->set_verify_callback(ssl::host_name_verification(name));
    beast::get_lowest_layer(*secure).expires_at(deadline);
    error_code ec;
    secure->async_handshake(ssl::stream_base::client, [&](error_code e) { ec = e; });
    run();
    return ec;
  }

  error_code connect(const Target& to, std::chrono::steady_clock::time_point deadline) {
    error_code ec;
    tcp::resolver resolver(ioc);
    tcp::resolver::results_type addresses;
    resolver.async_resolve(to.host, to.port, [&](error_code e, tcp::resolver::results_type found) {
      ec = e;
      addresses = std::move(found);
    });
    run();
    if (ec || cancelled) return ec ? ec : asio::error::operation_aborted;
    beast::tcp_stream stream(ioc);
    stream.expires_at(deadline);
    stream.async_connect(addresses, [&](error_code e, const tcp::endpoint&) { ec = e; });
    run();
    if (ec) return ec;
    connected_to = to.host + ":" + to.port;
    if (!to.tls) {
      plain.emplace(std::move(stream));
      return {};
    }
    secure.emplace(std::move(stream), tls);
    ec = handshake(to, deadline);
    if (ec) close();
    return ec;
  }

  error_code exchange(const http::request<http::string_body>& request, http::response<http::string_body>& response,
                      std::chrono::steady_clock::time_point deadline) {
    error_code ec;
    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxReplyBytes);
    lowest().expires_at(deadline);
    auto write_then_read = [&](auto& stream) {
      http::async_write(stream, request, [&](error_code e, std::size_t) { ec = e; });
      run();
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

  http::request<http::string_body> build_request(const Target& to, std::string_view body, Protocol protocol) const {
    http::request<http::string_body> request{http::verb::post, to.path, 11};
    for (const auto& [name, value] : destination.headers) request.set(name, value);
    const bool default_port = to.port == (to.tls ? "443" : "80");
    request.set(http::field::host, default_port ? to.host : to.host + ":" + to.port);
    request.set(http::field::user_agent, user_agent);
    request.set(http::field::content_encoding, "snappy");
    request.set(http::field::content_type, content_type(protocol));
    request.set("X-Prometheus-Remote-Write-Version", version_header(protocol));
    if (const auto& basic = destination.basic_auth) {
      const std::string pair = read_secret(basic->username, basic->username_file) + ":" +
                               read_secret(basic->password, basic->password_file);
      std::string encoded(beast::detail::base64::encoded_size(pair.size()), '\0');
      encoded.resize(beast::detail::base64::encode(encoded.data(), pair.data(), pair.size()));
      request.set(http::field::authorization, "Basic " + encoded);
    } else if (const auto& authorization = destination.authorization) {
      request.set(http::field::authorization,
                  authorization->type + " " + read_secret(authorization->credentials, authorization->credentials_file));
    }
    request.body() = std::string(body);
    request.keep_alive(true);
    request.prepare_payload();
    return request;
  }

  // One request on the kept connection (reopened once if the receiver
  // closed it while idle) or a new one.
  error_code send_once(const Target& to, const http::request<http::string_body>& request,
                       http::response<http::string_body>& response, std::chrono::steady_clock::time_point deadline) {
    if (connected() && connected_to != to.host + ":" + to.port) close();
    const bool reused = connected();
    error_code ec = reused ? error_code{} : connect(to, deadline);
    if (!ec) ec = exchange(request, response, deadline);
    if (ec && reused && !cancelled && std::chrono::steady_clock::now() < deadline) {
      close();
      ec = connect(to, deadline);
      if (!ec) ec = exchange(request, response, deadline);
    }
    if (ec || !response.keep_alive()) close();
    return ec;
  }

  SendReply reply_of(http::response<http::string_body>& response) const {
    SendReply reply;
    reply.status = static_cast<int>(response.result_int());
    if (auto found = response.find(http::field::retry_after); found != response.end()) {
      reply.retry_after = exposition::parse_retry_after(found->value(), std::chrono::system_clock::now());
    }
    reply.samples_written = written(response, "X-Prometheus-Remote-Write-Samples-Written");
    reply.histograms_written = written(response, "X-Prometheus-Remote-Write-Histograms-Written");
    reply.exemplars_written = written(response, "X-Prometheus-Remote-Write-Exemplars-Written");
    if (reply.status < 200 || reply.status >= 300) {
      std::string text = response.body().substr(0, kErrorBodyChars);
      while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
      reply.error = text;
    }
    if (auto found = response.find(http::field::location); found != response.end()) {
      reply.location = std::string(found->value());
    }
    return reply;
  }

  SendReply post(std::string_view body, Protocol protocol) {
    const auto deadline = std::chrono::steady_clock::now() + destination.remote_timeout;
    Target to = target;
    SendReply reply;
    for (int hop = 0; hop <= kMaxRedirects; ++hop) {
      if (cancelled) return SendReply{0, "cancelled (flowgate stops)", {}, {}, {}, {}, {}, reply.bytes_sent};
      const auto request = build_request(to, body, protocol);
      http::response<http::string_body> response;
      reply.bytes_sent += body.size();
      if (error_code ec = send_once(to, request, response, deadline)) {
        const bool timed_out = ec == beast::error::timeout || std::chrono::steady_clock::now() >= deadline;
        return SendReply{0, timed_out ? "no answer within remote_timeout (" + ec.message() + ")" : ec.message(),
                         {}, {}, {}, {}, {}, reply.bytes_sent};
      }
      const auto bytes = reply.bytes_sent;
      reply = reply_of(response);
      reply.bytes_sent = bytes;
      const bool keeps_body = reply.status == 307 || reply.status == 308;
      if (!keeps_body || !destination.follow_redirects || reply.location.empty()) return reply;
      auto next = redirected(to, reply.location);
      if (!next) return reply;
      to = *next;
    }
    reply.error = "more than " + std::to_string(kMaxRedirects) + " redirects";
    return reply;
  }

  // Location, absolute or relative to the current target.
  static std::optional<Target> redirected(const Target& from, const std::string& location) {
    if (auto absolute = target_of(location)) return absolute;
    if (location.empty() || location.front() != '/') return std::nullopt;
    Target relative = from;
    relative.path = location;
    return relative;
  }

  std::string user_agent = "flowgate";
};

HttpSender::HttpSender(std::unique_ptr<Connection> connection) : connection_(std::move(connection)) {}
HttpSender::HttpSender(HttpSender&&) noexcept = default;
HttpSender& HttpSender::operator=(HttpSender&&) noexcept = default;
HttpSender::~HttpSender() = default;

boost::system::result<HttpSender, exposition::MessageError> HttpSender::create(const Destination& destination,
                                                                               std::string user_agent) {
  auto target = target_of(destination.url);
  if (!target) return exposition::MessageError("url \"" + destination.url + "\" is not an http:// or https:// URL");
  auto connection = std::make_unique<Connection>();
  connection->destination = destination;
  connection->target = *target;
  connection->user_agent = std::move(user_agent);
  if (auto configured = configure_tls(connection->tls, destination.tls); !configured) return configured.error();
  return HttpSender(std::move(connection));
}

SendReply HttpSender::post(std::string_view body, Protocol protocol) { return connection_->post(body, protocol); }

void HttpSender::cancel() {
  Connection& connection = *connection_;
  connection.cancelled = true;
  asio::post(connection.ioc, [&connection] {
    if (connection.connected()) connection.lowest().cancel();
  });
}

}  // namespace flowgate::remote_write
