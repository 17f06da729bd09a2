#include "collectors/prefect/prefect_proxy_tunnel.hpp"

#include <memory>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace flowgate::collectors::prefect {

namespace beast = boost::beast;
namespace http = beast::http;

void async_open_tunnel(beast::tcp_stream& stream, const ProxyRoute& proxy, const PrefectEndpoint& endpoint,
                       TunnelHandler done) {
  struct Exchange {
    http::request<http::empty_body> request;
    beast::flat_buffer buffer;
    http::response_parser<http::empty_body> parser;
    std::string what;
  };
  auto exchange = std::make_shared<Exchange>();
  const std::string authority = endpoint.host + ":" + endpoint.port;
  exchange->what = "the proxy " + proxy.name + " (CONNECT " + authority + ")";
  exchange->request = {http::verb::connect, authority, 11};
  exchange->request.set(http::field::host, authority);
  exchange->request.set(http::field::user_agent, "flowgate");
  if (!proxy.authorization.empty()) exchange->request.set(http::field::proxy_authorization, proxy.authorization);
  const bool has_credentials = !proxy.authorization.empty();
  auto on_header = [exchange, done, has_credentials](boost::system::error_code ec, std::size_t) {
    if (ec) return done(TunnelRefusal{0, ec, exchange->what + ": " + ec.message()});
    const auto& answer = exchange->parser.get();
    const int status = static_cast<int>(answer.result_int());
    if (status >= 200 && status < 300) return done(std::nullopt);
    std::string message = exchange->what + " answered " + std::to_string(status) + " " + std::string(answer.reason());
    if (status == 407 || status == 401) {  // tinyproxy says 401 to wrong credentials
      message += has_credentials ? " (it refused the user and password of the proxy URL)"
                                 : " (it wants credentials: http://user:password@host:port)";
    }
    done(TunnelRefusal{status, {}, std::move(message)});
  };
  http::async_write(stream, exchange->request,
                    [&stream, exchange, done, on_header](boost::system::error_code ec, std::size_t) mutable {
                      if (ec) return done(TunnelRefusal{0, ec, exchange->what + ": " + ec.message()});
                      http::async_read_header(stream, exchange->buffer, exchange->parser, std::move(on_header));
                    });
}

}  // namespace flowgate::collectors::prefect
