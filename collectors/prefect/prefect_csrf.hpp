#pragma once
// CSRF tokens for a Prefect server started with
// PREFECT_SERVER_CSRF_PROTECTION_ENABLED: every POST (the read-only
// /filter and /count ones too) must carry `Prefect-Csrf-Token` and
// `Prefect-Csrf-Client`, the token coming from `GET /csrf-token?client=<id>`
// and expiring (PREFECT_SERVER_CSRF_TOKEN_EXPIRATION, 1 h by default).
// CsrfTokens holds one client id and its current token and says when to
// fetch the next one; no I/O, not thread-safe (one per client).

#include <optional>
#include <string>
#include <string_view>

#include "collectors/prefect/prefect_json.hpp"

namespace flowgate::collectors::prefect {

inline constexpr std::string_view kCsrfTokenHeader = "Prefect-Csrf-Token";
inline constexpr std::string_view kCsrfClientHeader = "Prefect-Csrf-Client";

// True for the server's 403 answers about the token: missing, invalid,
// expired (an expired token reads as invalid), or no client id.
bool is_csrf_refusal(int status, std::string_view body);

class CsrfTokens {
 public:
  CsrfTokens();  // a new random client id (a UUID, as Prefect's clients use)

  const std::string& client() const { return client_; }
  // The path to GET for a token, below the API base.
  std::string token_path() const { return "/csrf-token?client=" + client_; }
  // No token yet, or the current one is within its last quarter (at most
  // the last 30 s) of life at `now`: fetch a new one first.
  bool due(Timestamp now) const;
  // The header value, empty before the first token.
  const std::string& token() const { return token_; }

  // Takes the body of a token answer fetched at `now`; the decoding error
  // otherwise, and the old token stays.
  std::optional<PrefectJsonError> accept(std::string_view body, Timestamp now);
  // After the server refused the token: the next request fetches one.
  void forget() { token_.clear(); }

 private:
  std::string client_;
  std::string token_;
  Timestamp refresh_at_{};
};

}  // namespace flowgate::collectors::prefect
