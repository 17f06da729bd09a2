#pragma once
// The request and reply the pushgw handlers speak: plain values, no sockets.
// The exporter's session turns a Beast request into an HttpRequest and an
// HttpReply back into a Beast response.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pushgw/push_error.hpp"

namespace flowgate::pushgw {

struct HttpRequest {
  std::string_view method;            // "PUT", "POST", "DELETE", "GET", ...
  std::string_view path;              // raw target path after the route prefix, query removed
  std::string_view content_type;      // Content-Type header, may be empty
  std::string_view content_encoding;  // Content-Encoding header, may be empty
  std::string_view body;              // as received (maybe gzip'd)
  double received_at = 0;             // Unix seconds when the request arrived
};

struct HttpReply {
  int status = 200;
  std::string content_type;  // empty: no Content-Type header
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  std::optional<PushErrorKind> refused;  // why a push/delete was refused, for metrics and logs
  // Non-zero: the change is written but not yet on disk; send the reply only
  // once the store's WAL says this ticket is durable (500 if it fails).
  std::uint64_t commit_ticket = 0;
};

}  // namespace flowgate::pushgw
