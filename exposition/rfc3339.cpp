#include "exposition/rfc3339.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <utility>

namespace flowgate::exposition {
namespace {

void append_padded(std::int64_t value, int width, std::string& out) {
  char digits[24];
  const auto end = std::to_chars(std::begin(digits), std::end(digits), value).ptr;
  for (auto length = end - digits; length < width; ++length) out += '0';
  out.append(digits, end);
}

// The digits of `nanos` (below one second) that `fraction` keeps, and how many.
std::pair<std::int64_t, int> fraction_digits(std::int64_t nanos, SecondFraction fraction) {
  switch (fraction) {
    case SecondFraction::none: return {0, 0};
    case SecondFraction::millis: return {nanos / 1'000'000, 3};
    case SecondFraction::micros: return {nanos / 1'000, 6};
    case SecondFraction::nanos: return {nanos, 9};
    case SecondFraction::go_nanos: break;
  }
  if (nanos == 0) return {0, 0};
  int width = 9;
  while (nanos % 10 == 0) {
    nanos /= 10;
    --width;
  }
  return {nanos, width};
}

}  // namespace

std::string format_rfc3339(UnixNanos at, SecondFraction fraction) {
  using namespace std::chrono;
  const auto day = floor<days>(at);
  const year_month_day date{day};
  const hh_mm_ss<nanoseconds> time{at - day};
  std::string out;
  out.reserve(32);
  append_padded(static_cast<int>(date.year()), 4, out);
  out += '-';
  append_padded(static_cast<unsigned>(date.month()), 2, out);
  out += '-';
  append_padded(static_cast<unsigned>(date.day()), 2, out);
  out += 'T';
  append_padded(time.hours().count(), 2, out);
  out += ':';
  append_padded(time.minutes().count(), 2, out);
  out += ':';
  append_padded(time.seconds().count(), 2, out);
  if (const auto [digits, width] = fraction_digits(time.subseconds().count(), fraction); width > 0) {
    out += '.';
    append_padded(digits, width, out);
  }
  out += 'Z';
  return out;
}

UnixNanos unix_nanos(double unix_seconds) {
  const double whole = std::floor(unix_seconds);
  const auto nanos = static_cast<std::int64_t>(std::llround((unix_seconds - whole) * 1e9));
  return UnixNanos{std::chrono::seconds(static_cast<std::int64_t>(whole)) + std::chrono::nanoseconds(nanos)};
}

}  // namespace flowgate::exposition
