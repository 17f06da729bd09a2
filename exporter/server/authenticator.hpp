#pragma once
// Basic auth for the HTTP server's connections. Password checks (bcrypt) run
// on a small pool of their own, never on the HTTP threads, and a connection's
// coroutine waits for the verdict without holding its thread, as it waits for
// a durable commit. The pool's queue is bounded: when it is full the request
// gets 503 at once, so a flood of bad passwords neither grows memory nor
// delays requests whose credentials are cached. Included by server/*.cpp only.

#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "exporter/exchange.hpp"
#include "exporter/password_verifier.hpp"
#include "exporter/web_config_file.hpp"

namespace flowgate::exporter {

class Authenticator {
 public:
  explicit Authenticator(WebConfigFile& web_config);

  // The verdict on the Authorization header value `authorization` against
  // `config`'s basic_auth_users (not empty); the caller resumes on its own
  // executor. Both arguments must stay valid until it resumes. Must be
  // destroyed before the io_context the caller runs on.
  boost::asio::awaitable<AuthVerdict> verdict(const WebConfig& config, std::string_view authorization);

  // The answer to a request that was not let in: 401 with a Basic challenge,
  // or 503 with Retry-After when too many checks were waiting.
  Reply refusal(const AuthVerdict& verdict) const;

 private:
  WebConfigFile& web_config_;
  PasswordVerifier verifier_;
};

}  // namespace flowgate::exporter
