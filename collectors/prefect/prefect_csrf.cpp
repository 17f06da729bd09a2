#include "collectors/prefect/prefect_csrf.hpp"

#include <algorithm>
#include <array>
#include <random>

namespace flowgate::collectors::prefect {

namespace {

// A version 4 UUID from the system's random source.
std::string random_uuid() {
  std::random_device source;
  std::array<unsigned char, 16> bytes{};
  for (auto& byte : bytes) byte = static_cast<unsigned char>(source() & 0xff);
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);
  static constexpr std::string_view kHex = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 0x0f];
  }
  return out;
}

}  // namespace

bool is_csrf_refusal(int status, std::string_view body) {
  if (status != 403) return false;
  const auto detail = parse_api_error(body);
  if (!detail) return false;
  return detail->find("CSRF token") != std::string::npos || detail->find("client identifier") != std::string::npos;
}

CsrfTokens::CsrfTokens() : client_(random_uuid()) {}

bool CsrfTokens::due(Timestamp now) const { return token_.empty() || now >= refresh_at_; }

std::optional<PrefectJsonError> CsrfTokens::accept(std::string_view body, Timestamp now) {
  auto decoded = parse_csrf_token(body);
  if (!decoded) return decoded.error();
  const auto expiration = *decoded->expiration;
  const auto margin = std::min<Timestamp::duration>(std::chrono::seconds(30), (expiration - now) / 4);
  token_ = std::move(decoded->token);
  refresh_at_ = expiration - std::max<Timestamp::duration>(margin, Timestamp::duration::zero());
  return std::nullopt;
}

}  // namespace flowgate::collectors::prefect
