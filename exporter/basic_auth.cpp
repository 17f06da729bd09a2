#include "exporter/basic_auth.hpp"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <memory>

#include "exposition/base64.hpp"

namespace flowgate::exporter {
namespace {

// A bcrypt salt (22 characters) and checksum (31) that no password produces
// in practice: the tail of the dummy hashes unknown users are checked against.
constexpr std::string_view kDummySaltAndChecksum = "abcdefghijklmnopqrstuuoo9ZB/DQR4TBcbo5.yTGtDBJiEaxfYK";
constexpr int kDefaultBcryptCost = 10;  // the toolkit's own dummy hash has cost 10
constexpr std::size_t kMaxCachedSuccesses = 1024;

std::string dummy_bcrypt_hash(int cost) {
  std::string hash = "$2b$";
  hash += static_cast<char>('0' + cost / 10);
  hash += static_cast<char>('0' + cost % 10);
  hash += '$';
  hash += kDummySaltAndChecksum;
  return hash;
}

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

std::optional<Credentials> parse_basic_authorization(std::string_view header) {
  constexpr std::string_view kScheme = "basic ";
  if (header.size() < kScheme.size()) return std::nullopt;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != kScheme[i]) return std::nullopt;
  }
  auto decoded_or_error = exposition::decode_base64(header.substr(kScheme.size()), exposition::kStandardBase64);
  if (!decoded_or_error) return std::nullopt;
  std::string& decoded = *decoded_or_error;
  std::optional<Credentials> credentials;
  auto colon = decoded.find(':');
  if (colon != std::string::npos && decoded.find('\0', colon) == std::string::npos) {
    credentials = Credentials{decoded.substr(0, colon), decoded.substr(colon + 1)};
  }
  OPENSSL_cleanse(decoded.data(), decoded.size());
  return credentials;
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

std::optional<int> bcrypt_cost(std::string_view hash) {
  // "$2b$12$" then 53 characters of salt and checksum.
  if (hash.size() != 7 + kDummySaltAndChecksum.size() || !hash.starts_with("$2") || hash[3] != '$' ||
      hash[6] != '$' || std::string_view("abxy").find(hash[2]) == std::string_view::npos ||
      !std::isdigit(static_cast<unsigned char>(hash[4])) || !std::isdigit(static_cast<unsigned char>(hash[5]))) {
    return std::nullopt;
  }
  int cost = (hash[4] - '0') * 10 + (hash[5] - '0');
  if (cost < 4 || cost > 31) return std::nullopt;
  return cost;
}

PasswordWork password_work(const std::map<std::string, std::string>& users, const std::string& user) {
  std::optional<int> highest;
  for (const auto& [name, hash] : users) {
    if (auto cost = bcrypt_cost(hash); cost && (!highest || *cost > *highest)) highest = cost;
  }
  PasswordWork work;
  auto found = users.find(user);
  work.known_user = found != users.end();
  if (work.known_user) {
    work.hashes.push_back(found->second);
    if (auto cost = bcrypt_cost(found->second)) {
      for (int dummy = *cost; dummy < *highest; ++dummy) work.hashes.push_back(dummy_bcrypt_hash(dummy));
    } else if (highest) {
      // Not bcrypt (or malformed: crypt refuses it at once): as costly as the
      // rest all the same, so that such a user cannot be told from others.
      work.hashes.push_back(dummy_bcrypt_hash(*highest));
    }
  } else if (highest || users.empty()) {
    work.hashes.push_back(dummy_bcrypt_hash(highest.value_or(kDefaultBcryptCost)));
  } else {
    work.hashes.push_back(users.begin()->second);  // no bcrypt at all: a real hash's work, verdict ignored
  }
  return work;
}

void BasicAuth::check(const std::map<std::string, std::string>& users, std::string_view authorization,
                      PasswordVerifier& verifier, Done done) {
  auto credentials = parse_basic_authorization(authorization);
  if (!credentials) {
    done(AuthVerdict{});
    return;
  }
  std::string key;
  if (auto found = users.find(credentials->user); found != users.end()) {
    key = digest(credentials->user, found->second, credentials->password);
    if (cached(key)) {
      done(AuthVerdict{AuthOutcome::allowed, std::move(credentials->user)});
      return;
    }
  }
  auto shared_done = std::make_shared<Done>(std::move(done));
  PasswordWork work = password_work(users, credentials->user);
  auto job = [this, credentials = std::move(*credentials), work = std::move(work), key = std::move(key), shared_done]() mutable {
    // Out of memory on a verifier thread refuses this one login; the waiting
    // connection gets its answer and the thread serves on.
    bool matched = false;
    try {
      for (std::size_t i = 0; i < work.hashes.size(); ++i) {
        bool matches = password_matches(credentials.password, work.hashes[i]);
        if (i == 0) matched = matches;
      }
      if (matched && work.known_user) remember(std::move(key));
    } catch (const std::exception&) {
      matched = false;
    }
    OPENSSL_cleanse(credentials.password.data(), credentials.password.size());
    if (matched && work.known_user) {
      (*shared_done)(AuthVerdict{AuthOutcome::allowed, std::move(credentials.user)});
    } else {
      (*shared_done)(AuthVerdict{});
    }
  };
  if (!verifier.submit(std::move(job))) (*shared_done)(AuthVerdict{AuthOutcome::busy, {}});
}

void BasicAuth::forget() {
  std::lock_guard lock(mutex_);
  verified_.clear();
}

bool BasicAuth::cached(const std::string& key) {
  std::lock_guard lock(mutex_);
  return verified_.contains(key);
}

void BasicAuth::remember(std::string key) {
  std::lock_guard lock(mutex_);
  if (verified_.size() >= kMaxCachedSuccesses) verified_.clear();  // only valid credentials get here
  verified_.insert(std::move(key));
}

}  // namespace flowgate::exporter
