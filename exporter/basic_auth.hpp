#pragma once
// HTTP basic authentication against web-config's basic_auth_users: crypt(3)
// hashes (bcrypt, as the exporter-toolkit expects) checked with libxcrypt on a
// PasswordVerifier's threads, never on the caller's. Successes are cached per
// user, hash and password, as the toolkit caches them, until forget(); a
// failure is never cached, so the cache holds about one entry per user. Every
// uncached check does the bcrypt work of the costliest hash in the config,
// so the time of an answer tells neither whether the user exists nor the cost
// of their hash. Thread-safe.

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "exporter/password_verifier.hpp"

namespace flowgate::exporter {

struct Credentials {
  std::string user;
  std::string password;
};

// The user and password of an Authorization header value, parsed as Go's
// Request.BasicAuth parses them with base64.StdEncoding: the scheme "Basic" in
// any case, exactly one space, padded standard base64 and nothing after it, a
// ':' in the decoded text. A password holding NUL is refused as well, since
// crypt(3) would stop reading it there.
std::optional<Credentials> parse_basic_authorization(std::string_view header);

// True when `password` matches the crypt(3) `hash` ($2y$/$2b$ bcrypt and
// anything else libxcrypt knows).
bool password_matches(std::string_view password, const std::string& hash);

// The cost of a bcrypt hash ("$2b$12$..." is 12); nullopt for other hashes.
std::optional<int> bcrypt_cost(std::string_view hash);

// What one uncached check of `user` against `users` computes, so that every
// check costs 2^max bcrypt rounds, max being the highest cost in `users`:
// a known user's own hash first (its verdict is the answer), then dummy hashes
// of costs c, c+1, ..., max-1 (2^c + 2^c + 2^(c+1) + ... + 2^(max-1) = 2^max);
// for an unknown user one dummy of cost max, whose verdict is ignored.
// Non-bcrypt hashes get no dummies (their cost cannot be compared).
struct PasswordWork {
  std::vector<std::string> hashes;
  bool known_user = false;
};
PasswordWork password_work(const std::map<std::string, std::string>& users, const std::string& user);

enum class AuthOutcome { allowed, denied, busy };

struct AuthVerdict {
  AuthOutcome outcome = AuthOutcome::denied;
  std::string user;  // the authenticated user, when allowed
};

class BasicAuth {
 public:
  using Done = std::function<void(AuthVerdict)>;

  // Judges the Authorization header value `authorization` against `users`
  // (not empty) and calls `done` exactly once: at once when no password check
  // is needed (a malformed header, a cached success) or when `verifier`'s
  // queue is full (busy), otherwise from a verifier thread. Copies what it
  // needs. `verifier` must not outlive this object.
  void check(const std::map<std::string, std::string>& users, std::string_view authorization,
             PasswordVerifier& verifier, Done done);

  // Drops every cached success (the web config was reloaded).
  void forget();

 private:
  bool cached(const std::string& key);
  void remember(std::string key);

  std::mutex mutex_;  // guards verified_
  std::unordered_set<std::string> verified_;  // SHA-256 of user, hash and password that matched
};

}  // namespace flowgate::exporter
