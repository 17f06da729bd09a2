#include "exporter/basic_auth.hpp"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cctype>
#include <memory>

namespace flowgate::exporter {
namespace {

constexpr const char* kDummyHash = "$2b$10$abcdefghijklmnopqrstuuoo9ZB/DQR4TBcbo5.yTGtDBJiEaxfYK";

std::string digest(std::string_view user, std::string_view hash, std::string_view password) {
  std::string material;
  material.reserve(user.size() + hash.size() + password.size() + 2);
  material.append(user).append(1, '\0').append(hash).append(1, '\0').append(password);
  unsigned char out[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(material.data()), material.size(), out);
  OPENSSL_cleanse(material.data(), material.size());
  return std::string(reinterpret_cast<const char*>(out), sizeof out);
}

}  // namespace

bool decode_base64(std::string_view text, std::string& out) {
  out.clear();
  unsigned buffer = 0;
  int bits = 0;
  std::size_t padding = 0;
  for (char c : text) {
    int value;
    if (c >= 'A' && c <= 'Z') {
      value = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      value = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      value = c - '0' + 52;
    } else if (c == '+') {
      value = 62;
    } else if (c == '/') {
      value = 63;
    } else if (c == '=') {
      ++padding;
      continue;
    } else {
      return false;
    }
    if (padding > 0) return false;
    buffer = (buffer << 6) | static_cast<unsigned>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  return padding <= 2 && (text.size() % 4 == 0 || padding == 0);
}

bool password_matches(std::string_view password, const std::string& hash) {
  auto data = std::make_unique<crypt_data>();
  std::string phrase(password);
  const char* result = crypt_rn(phrase.c_str(), hash.c_str(), data.get(), static_cast<int>(sizeof(crypt_data)));
  OPENSSL_cleanse(phrase.data(), phrase.size());
  if (result == nullptr || result[0] == '*') return false;
  std::string_view computed(result);
  return computed.size() == hash.size() && CRYPTO_memcmp(computed.data(), hash.data(), hash.size()) == 0;
}

bool BasicAuth::allows(const std::map<std::string, std::string>& users, std::string_view authorization) {
  if (users.empty()) return true;
  constexpr std::string_view kScheme = "Basic ";
  if (authorization.size() <= kScheme.size()) return false;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != std::tolower(static_cast<unsigned char>(kScheme[i]))) return false;
  }
  std::string credentials;
  if (!decode_base64(authorization.substr(kScheme.size()), credentials)) return false;
  auto colon = credentials.find(':');
  if (colon == std::string::npos) return false;
  std::string_view user = std::string_view(credentials).substr(0, colon);
  std::string_view password = std::string_view(credentials).substr(colon + 1);

  auto found = users.find(std::string(user));
  const std::string hash = found != users.end() ? found->second : std::string(kDummyHash);
  std::string key = digest(user, hash, password);
  {
    std::lock_guard lock(mutex_);
    if (auto cached = cache_.find(key); cached != cache_.end()) return cached->second && found != users.end();
  }
  bool ok = password_matches(password, hash) && found != users.end();
  std::lock_guard lock(mutex_);
  if (cache_.size() > 4096) cache_.clear();  // bounded: wrong guesses must not grow it forever
  cache_.emplace(std::move(key), ok);
  return ok;
}

}  // namespace flowgate::exporter
