#include "exposition/retry_after.hpp"

#include <array>
#include <charconv>
#include <cstdint>

namespace flowgate::exposition {
namespace {

std::optional<int> read_int(std::string_view text) {
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// "Wed, 21 Oct 2015 07:28:00 GMT" (RFC 9110's IMF-fixdate, the form servers send).
std::optional<std::chrono::system_clock::time_point> parse_imf_fixdate(std::string_view text) {
  static constexpr std::array<std::string_view, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (text.size() != 29 || text.substr(3, 2) != ", " || text.substr(25) != " GMT") return std::nullopt;
  const auto day = read_int(text.substr(5, 2));
  const auto year = read_int(text.substr(12, 4));
  const auto hour = read_int(text.substr(17, 2));
  const auto minute = read_int(text.substr(20, 2));
  const auto second = read_int(text.substr(23, 2));
  unsigned month = 0;
  for (unsigned i = 0; i < kMonths.size(); ++i) {
    if (text.substr(8, 3) == kMonths[i]) month = i + 1;
  }
  if (!day || !year || !hour || !minute || !second || month == 0) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year{*year}, std::chrono::month{month},
                                         std::chrono::day{static_cast<unsigned>(*day)}};
  if (!date.ok() || *hour > 23 || *minute > 59 || *second > 60) return std::nullopt;
  return std::chrono::sys_days{date} + std::chrono::hours{*hour} + std::chrono::minutes{*minute} +
         std::chrono::seconds{*second};
}

}  // namespace

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (value.front() >= '0' && value.front() <= '9') {
    std::int64_t seconds = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec != std::errc{} || end != value.data() + value.size()) return std::nullopt;
    return std::chrono::seconds{seconds};
  }
  const auto at = parse_imf_fixdate(value);
  if (!at) return std::nullopt;
  if (*at <= now) return std::chrono::seconds{0};
  return std::chrono::ceil<std::chrono::seconds>(*at - now);
}

}  // namespace flowgate::exposition
