#pragma once
// A small synchronous HTTP(S) client for the Prefect REST API: one kept-alive
// connection, every operation bounded by a timeout, transient failures
// (connection errors, timeouts, 500/502/504, 503 without Retry-After) retried
// with backoff, 429 and 503 with Retry-After returned at once so the caller
// can skip polls. Through an HTTP proxy when the options name one
// (prefect_proxy.hpp), and with CSRF tokens on POSTs when asked
// (prefect_csrf.hpp).
// Blocks the calling thread (the collector's own); not thread-safe: one
// client per collector. Never logs; errors are values.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <boost/system/result.hpp>

#include "collectors/prefect/prefect_endpoint.hpp"
#include "collectors/prefect/prefect_proxy.hpp"
#include "exposition/retry_after.hpp"

namespace flowgate::collectors::prefect {

struct ClientOptions {
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{10000};  // write + read of one exchange
  int max_attempts = 3;                              // per request, for transient failures
  std::chrono::milliseconds first_backoff{500};      // doubled after each attempt
  std::size_t max_response_bytes = 64 * 1024 * 1024;
  bool verify_tls = true;  // system CAs, host name checked
  // A connection idle longer than this is closed before the next request:
  // Prefect's server drops idle connections after 5 s (--keep-alive-timeout).
  std::chrono::milliseconds max_idle{4000};
  // Where to connect instead of Prefect (choose_proxy); nullopt: directly.
  std::optional<ProxyRoute> proxy;
  // Send Prefect-Csrf-Token/-Client on POSTs, fetching a token first and
  // again before it expires or when the server refuses it (once per
  // request). A server that answers the token request with 422 (CSRF
  // protection off) gets plain POSTs from then on.
  bool csrf = false;
};

enum class ClientErrorKind {
  transport,    // resolve/connect/TLS/read/write failed or timed out (after retries)
  http_status,  // an unexpected status (4xx, or 5xx after retries)
  throttled,    // 429, or 503 with Retry-After: retry_after says when to come back
  bad_body,     // a 2xx body that does not decode (set by the callers that decode)
};

struct ClientError {
  ClientError() = default;
  ClientError(ClientErrorKind error_kind, int http_status, std::string sentence)
      : kind(error_kind), status(http_status), message(std::move(sentence)) {}

  ClientErrorKind kind = ClientErrorKind::transport;
  int status = 0;  // HTTP status, 0 for transport errors
  std::optional<std::chrono::seconds> retry_after;
  std::string message;  // one sentence, includes Prefect's own error text when there is one
};

template <typename T>
using ClientResult = boost::system::result<T, ClientError>;

// What the client sent and received so far, for poll-cost figures.
struct ClientStats {
  std::uint64_t requests = 0;  // requests sent, retries and resends on stale connections included
  std::uint64_t response_bytes = 0;
  std::uint64_t connections = 0;
  std::uint64_t csrf_token_fetches = 0;  // GET /csrf-token requests (also in `requests`)
};

using exposition::parse_retry_after;  // Retry-After, exposition/retry_after.hpp

class PrefectClient {
 public:
  explicit PrefectClient(PrefectEndpoint endpoint, ClientOptions options = {});
  PrefectClient(PrefectClient&&) noexcept;
  PrefectClient& operator=(PrefectClient&&) noexcept;
  ~PrefectClient();

  // `path` is appended to the endpoint's base path ("/flow_runs/filter").
  // The body of a 2xx answer, else an error.
  ClientResult<std::string> get(std::string_view path);
  ClientResult<std::string> post(std::string_view path, std::string_view json_body);

  const ClientStats& stats() const;

  // A deadline for every request until cleared (nullopt): timeouts shrink to
  // what is left of it, no retry starts after it, and a request begun after
  // it fails at once. The collector sets one per poll (--prefect.poll-timeout).
  void set_deadline(std::optional<std::chrono::steady_clock::time_point> deadline);

  // For shutdown, from any thread: the request in progress ends at once
  // (its socket operations are cancelled, a retry's wait is cut short) and
  // every later one fails without being sent. There is no undoing it.
  void cancel();

 private:
  struct Connection;  // Beast and OpenSSL stay in the .cpp
  std::unique_ptr<Connection> connection_;
};

}  // namespace flowgate::collectors::prefect
