#include "exporter/server/request_reader.hpp"

#include <algorithm>
#include <limits>
#include <new>
#include <stdexcept>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>

namespace flowgate::exporter {
namespace {

namespace http = boost::beast::http;

using boost::beast::iequals;

}  // namespace

void RequestReader::ChunkHeader::operator()(std::uint64_t size, boost::beast::string_view,
                                            boost::system::error_code& ec) {
  // Beast has checked `size` against the body limit already.
  if (size != 0 && !reader->reservation_.grow(static_cast<std::size_t>(size))) {
    reader->refuse_over_budget();
    ec = boost::system::errc::make_error_code(boost::system::errc::not_enough_memory);
  }
}

RequestReader::RequestReader(const RequestLimits& limits, BodyBudget& budget, std::string client)
    : limits_(limits), budget_(budget), reservation_(budget, std::move(client)) {
  parser_.header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(limits.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
  parser_.body_limit(limits.max_body_bytes);
  parser_.on_chunk_header(chunk_header_);
}

std::size_t RequestReader::parse(std::string_view input) {
  if ((state_ != State::header && state_ != State::body) || input.empty()) return 0;
  boost::system::error_code ec;
  std::size_t used = 0;
  try {
    used = parser_.put(boost::asio::const_buffer(input.data(), input.size()), ec);
  } catch (const std::length_error&) {
    // Beast's fields container cannot hold a name or value this long.
    refuse(431, "431 Request Header Fields Too Large: a header field name or value is longer than 65533 bytes");
    return input.size();
  } catch (const std::bad_alloc&) {
    refuse(503, "503 Service Unavailable: out of memory while reading the request; retry later");
    return input.size();
  } catch (const std::exception& error) {
    refuse(400, std::string("400 Bad Request: ") + error.what());
    return input.size();
  }
  if (state_ == State::refused) return input.size();  // refused by the chunk-header callback
  if (ec == http::error::need_more) {
    // Beast bounds the header; nothing bounds a chunk-size line but this.
    if (input.size() - used >= limits_.max_header_bytes) {
      refuse(state_ == State::header ? 431 : 400,
             state_ == State::header ? "431 Request Header Fields Too Large"
                                     : "400 Bad Request: a chunk-size line is longer than the header limit (" +
                                           std::to_string(limits_.max_header_bytes) + " bytes)");
    }
    return used;
  }
  if (ec) {
    on_parse_error(ec);
    return used;
  }
  if (state_ == State::header && parser_.is_header_done()) {
    check_framing();
    if (state_ != State::refused) state_ = State::header_done;
  } else if (state_ == State::body && parser_.is_done()) {
    state_ = State::complete;
  }
  return used;
}

void RequestReader::on_parse_error(const boost::system::error_code& ec) {
  if (ec == http::error::header_limit) {
    refuse(431, "431 Request Header Fields Too Large: the request header is larger than " +
                    std::to_string(limits_.max_header_bytes) + " bytes");
  } else if (ec == http::error::body_limit || ec == http::error::buffer_overflow) {
    refuse(413, "request body too large: the limit is --push.max-body-bytes (" +
                    std::to_string(limits_.max_body_bytes) + " bytes)");
  } else {
    refuse(400, "400 Bad Request: " + ec.message());
  }
}

// RFC 9112 section 6.1 and 6.3: a coding other than a lone "chunked" cannot be
// framed by this server (501), and Transfer-Encoding with Content-Length is
// how requests are smuggled past a proxy that picks the other one (400).
void RequestReader::check_framing() {
  const auto& message = parser_.get();
  auto codings = message.equal_range(http::field::transfer_encoding);
  if (codings.first != codings.second) {
    if (message.count(http::field::content_length) != 0) {
      refuse(400, "400 Bad Request: Transfer-Encoding together with Content-Length is refused (RFC 9112 section 6.3)");
      return;
    }
    std::string joined;
    std::size_t fields = 0;
    for (auto field = codings.first; field != codings.second; ++field, ++fields) {
      if (!joined.empty()) joined += ", ";
      joined += field->value();
    }
    if (fields != 1 || !iequals(joined, "chunked")) {
      refuse(501, "501 Not Implemented: Transfer-Encoding \"" + joined + "\" is not supported; only \"chunked\" is");
      return;
    }
  }
  origin_target_ = origin_form(message.target());
}

void RequestReader::start_body() {
  if (state_ != State::header_done) return;
  if (parser_.is_done()) {
    state_ = State::complete;
    return;
  }
  if (auto length = parser_.content_length(); length && !reservation_.grow(static_cast<std::size_t>(*length))) {
    refuse_over_budget();
    return;
  }
  // Not before: a header must be answered (authentication) before its body is parsed.
  parser_.eager(true);
  state_ = State::body;
}

bool RequestReader::expects_continue() const {
  const auto& message = parser_.get();
  return message.version() >= 11 && iequals(message[http::field::expect], "100-continue");
}

Request RequestReader::request() const {
  const auto& message = parser_.get();
  Request request;
  request.method = message.method_string();
  request.target = origin_target_;
  request.accept = message[http::field::accept];
  request.accept_encoding = message[http::field::accept_encoding];
  request.content_type = message[http::field::content_type];
  request.content_encoding = message[http::field::content_encoding];
  request.gauge_aggregation = message["X-Flowgate-Gauge-Aggregation"];
  request.idempotency_key = message["Idempotency-Key"];
  request.group_ttl = message["X-Flowgate-Group-TTL"];
  request.body = message.body();
  return request;
}

void RequestReader::release_body() {
  std::string().swap(parser_.get().body());
  reservation_.release();
}

void RequestReader::refuse(int status, std::string message) {
  state_ = State::refused;
  refusal_ = Refusal{status, std::move(message)};
}

void RequestReader::refuse_over_budget() {
  refuse(503, "503 Service Unavailable: the request bodies being received would exceed "
              "--web.max-inflight-body-bytes (" + std::to_string(budget_.capacity()) +
                  " bytes, of which one client address may hold a quarter); retry later");
}

std::string origin_form(std::string_view target) {
  if (target.empty() || target.front() == '/') return std::string(target);
  const auto scheme_end = target.find("://");
  if (scheme_end == std::string_view::npos) return std::string(target);
  const auto scheme = target.substr(0, scheme_end);
  if (!iequals(scheme, "http") && !iequals(scheme, "https")) return std::string(target);
  const auto rest = target.substr(scheme_end + 3);
  const auto path_start = rest.find_first_of("/?");  // the authority ends at the path or the query
  if (path_start == std::string_view::npos) return "/";
  if (rest[path_start] == '?') return "/" + std::string(rest.substr(path_start));
  return std::string(rest.substr(path_start));
}

}  // namespace flowgate::exporter
