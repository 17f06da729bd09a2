#pragma once
// HTTP basic authentication against web-config's basic_auth_users (bcrypt
// hashes, checked with libxcrypt). Unknown users are checked against a fixed
// hash so both answers take as long; outcomes are cached per user, hash and
// password digest, as exporter-toolkit caches them, since bcrypt costs tens
// of milliseconds. Thread-safe.

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace flowgate::exporter {

class BasicAuth {
 public:
  // True when `authorization` (the header, e.g. "Basic dXNlcjpwYXNz") names a
  // user of `users` with the right password. An empty `users` allows all.
  bool allows(const std::map<std::string, std::string>& users, std::string_view authorization);

 private:
  std::mutex mutex_;  // guards cache_
  std::unordered_map<std::string, bool> cache_;
};

// True when `password` matches the crypt(3) `hash` ($2y$/$2b$ bcrypt and
// anything else libxcrypt knows).
bool password_matches(std::string_view password, const std::string& hash);

// Standard base64 (with padding) decoding; false on bad input.
bool decode_base64(std::string_view text, std::string& out);

}  // namespace flowgate::exporter
