#include "tests/exporter/http_client.hpp"

#include <algorithm>
#include <cctype>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace flowgate::exporter::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

struct HttpConnection::Impl {
  net::io_context ioc;
  net::ip::tcp::socket socket{ioc};
  beast::flat_buffer buffer;
};

HttpConnection::HttpConnection(std::uint16_t port) : impl_(std::make_unique<Impl>()) {
  impl_->socket.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
}

HttpConnection::~HttpConnection() {
  boost::system::error_code ignored;
  impl_->socket.close(ignored);
}

HttpResponse HttpConnection::read_response(bool head) {
  http::response_parser<http::string_body> parser;
  parser.body_limit(std::size_t{1} << 30);
  parser.skip(head);
  boost::system::error_code ec;
  http::read(impl_->socket, impl_->buffer, parser, ec);
  HttpResponse out;
  if (ec) return out;
  const auto& response = parser.get();
  out.status = static_cast<int>(response.result_int());
  for (const auto& field : response) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    out.headers[name] = std::string(field.value());
  }
  out.body = response.body();
  return out;
}

HttpResponse HttpConnection::request(const std::string& method, const std::string& target, const std::string& body,
                                     const HeaderList& headers) {
  http::request<http::string_body> request{http::string_to_verb(method), target, 11};
  request.set(http::field::host, "127.0.0.1");
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = body;
  request.prepare_payload();
  boost::system::error_code ec;
  http::write(impl_->socket, request, ec);
  if (ec) return {};
  return read_response(method == "HEAD");
}

void HttpConnection::write_raw(const std::string& bytes) { net::write(impl_->socket, net::buffer(bytes)); }

std::string HttpConnection::read_raw_until(const std::string& marker) {
  for (;;) {
    std::string data = beast::buffers_to_string(impl_->buffer.data());
    if (auto at = data.find(marker); at != std::string::npos) {
      impl_->buffer.consume(at + marker.size());
      return data.substr(0, at + marker.size());
    }
    boost::system::error_code ec;
    auto n = impl_->socket.read_some(impl_->buffer.prepare(4096), ec);
    if (ec) return {};
    impl_->buffer.commit(n);
  }
}

HttpResponse http_request(std::uint16_t port, const std::string& method, const std::string& target,
                          const std::string& body, const HeaderList& headers) {
  HttpConnection connection(port);
  return connection.request(method, target, body, headers);
}

}  // namespace flowgate::exporter::testing
