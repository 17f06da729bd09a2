#pragma once
// What the server hands a handler and what a handler hands back: plain
// values, no sockets, so routes and handlers are tested without a server.
// A Reply is built once (by a handler, the dispatcher or the server's own
// refusals) and written as it is: the server adds only Date, Content-Length,
// Connection and the web config's headers.
// A Reply's body is either `body` or, for big scrape bodies, `streamed`: a
// list of pieces plus whatever keeps them alive until they are written.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flowgate::exporter {

struct Request {
  std::string_view method;            // "GET", "PUT", ...
  std::string_view target;            // as received: raw path and query
  std::string_view accept;            // headers the handlers look at; empty when absent
  std::string_view accept_encoding;
  std::string_view content_type;
  std::string_view content_encoding;
  std::string_view gauge_aggregation;  // X-Flowgate-Gauge-Aggregation (aggregating pushes)
  std::string_view idempotency_key;    // Idempotency-Key (aggregating pushes)
  std::string_view group_ttl;          // X-Flowgate-Group-TTL (pushes)
  std::string_view body;
  std::string remote_address;
  double received_at = 0;  // Unix seconds
  std::string_view user;   // the user basic auth let in; empty without basic_auth_users
};

struct StreamedBody {
  std::vector<std::string_view> pieces;
  std::shared_ptr<const void> owner;  // keeps the memory under `pieces` alive
  std::size_t size = 0;
};

struct Reply {
  int status = 200;
  std::string content_type;  // empty: no Content-Type header
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::shared_ptr<const StreamedBody> streamed;  // set: replaces `body`
  // Non-zero: the reply of a change written to the store's WAL but not
  // yet on disk; the server holds it until ServerHooks::when_durable says so.
  std::uint64_t commit_ticket = 0;

  std::size_t body_size() const { return streamed ? streamed->size : body.size(); }
};

// Go's http.Error: text/plain, nosniff, the message plus a newline.
Reply error_reply(int status, std::string_view message);

// The longest header field value the server's HTTP library can hold.
inline constexpr std::size_t kMaxHeaderValueBytes = 65533;

// True when every header of `reply` (Content-Type included) can be sent as it
// is: no CR, LF or NUL in a name or value, no value over kMaxHeaderValueBytes.
bool headers_sendable(const Reply& reply);

}  // namespace flowgate::exporter
