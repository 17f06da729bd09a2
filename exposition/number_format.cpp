#include "exposition/number_format.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>

namespace flowgate::exposition {
namespace {

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }

constexpr char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equals_ignoring_case(std::string_view text, std::string_view lower_word) {
  if (text.size() != lower_word.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (lower(text[i]) != lower_word[i]) return false;
  }
  return true;
}

// Go's fixed form of the shortest digits: "d.ddde±XX" from std::to_chars
// rearranged as %f would print the same digits.
void append_fixed(std::string_view mantissa, int exponent, bool negative, std::string& out) {
  std::array<char, 24> digits{};
  std::size_t count = 0;
  for (char c : mantissa) {
    if (c != '.') digits[count++] = c;
  }
  std::array<char, 40> text{};
  std::size_t n = 0;
  if (negative) text[n++] = '-';
  if (exponent < 0) {
    text[n++] = '0';
    text[n++] = '.';
    for (int i = -1; i > exponent; --i) text[n++] = '0';
    for (std::size_t i = 0; i < count; ++i) text[n++] = digits[i];
  } else {
    const auto integer_digits = static_cast<std::size_t>(exponent) + 1;
    for (std::size_t i = 0; i < integer_digits; ++i) text[n++] = i < count ? digits[i] : '0';
    if (count > integer_digits) {
      text[n++] = '.';
      for (std::size_t i = integer_digits; i < count; ++i) text[n++] = digits[i];
    }
  }
  out.append(text.data(), n);
}

// After a std::from_chars range error: true when the magnitude was below the
// smallest double (Go rounds that to zero without an error), false for overflow.
bool underflows(std::string_view number) {
  std::size_t i = 0;
  if (i < number.size() && (number[i] == '-' || number[i] == '+')) ++i;
  long magnitude = 0;
  bool seen_nonzero = false;
  bool in_fraction = false;
  long leading_fraction_zeros = 0;
  long integer_digits = 0;
  for (; i < number.size() && number[i] != 'e' && number[i] != 'E'; ++i) {
    if (number[i] == '.') {
      in_fraction = true;
    } else if (!seen_nonzero && number[i] == '0') {
      if (in_fraction) ++leading_fraction_zeros;
    } else {
      if (!in_fraction) ++integer_digits;
      seen_nonzero = true;
    }
  }
  if (!seen_nonzero) return true;
  magnitude = integer_digits > 0 ? integer_digits - 1 : -leading_fraction_zeros - 1;
  long exponent = 0;
  bool negative_exponent = false;
  if (i < number.size()) {
    ++i;
    if (i < number.size() && (number[i] == '-' || number[i] == '+')) negative_exponent = number[i++] == '-';
    for (; i < number.size(); ++i) {
      exponent = std::min<long>(exponent * 10 + (number[i] - '0'), 100000);
    }
  }
  return magnitude + (negative_exponent ? -exponent : exponent) < 0;
}

// A decimal number's parts: [+-] digits [. digits] [(e|E) [+-] digits], with
// at least one digit before the exponent; nullopt for anything else.
struct DecimalParts {
  bool negative = false;
  std::string_view integer;   // digits before the point
  std::string_view fraction;  // digits after it
  std::int64_t exponent = 0;  // clamped to +-1e6, far past any double or time
};

std::optional<DecimalParts> split_decimal(std::string_view token) {
  DecimalParts parts;
  std::size_t i = 0;
  if (i < token.size() && (token[i] == '+' || token[i] == '-')) parts.negative = token[i++] == '-';
  const std::size_t integer_start = i;
  while (i < token.size() && is_digit(token[i])) ++i;
  parts.integer = token.substr(integer_start, i - integer_start);
  if (i < token.size() && token[i] == '.') {
    const std::size_t fraction_start = ++i;
    while (i < token.size() && is_digit(token[i])) ++i;
    parts.fraction = token.substr(fraction_start, i - fraction_start);
  }
  if (parts.integer.empty() && parts.fraction.empty()) return std::nullopt;
  if (i < token.size() && (token[i] == 'e' || token[i] == 'E')) {
    ++i;
    bool negative_exponent = false;
    if (i < token.size() && (token[i] == '+' || token[i] == '-')) negative_exponent = token[i++] == '-';
    const std::size_t exponent_start = i;
    for (; i < token.size() && is_digit(token[i]); ++i) {
      parts.exponent = std::min<std::int64_t>(parts.exponent * 10 + (token[i] - '0'), 1'000'000);
    }
    if (i == exponent_start) return std::nullopt;
    if (negative_exponent) parts.exponent = -parts.exponent;
  }
  if (i != token.size()) return std::nullopt;
  return parts;
}

}  // namespace

void append_double(double value, std::string& out) {
  if (std::isnan(value)) {
    out += "NaN";
    return;
  }
  if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
    return;
  }
  std::array<char, 32> buffer{};
  // Most values on a scrape are small integers; they need no exponent logic.
  if (value > -1e6 && value < 1e6 && value == std::trunc(value)) {
    const auto integer = static_cast<std::int64_t>(value);  // -0 becomes 0, as Go writes it
    const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), integer);
    out.append(buffer.data(), result.ptr);
    return;
  }
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value, std::chars_format::scientific);
  const std::string_view scientific(buffer.data(), static_cast<std::size_t>(result.ptr - buffer.data()));
  const std::size_t e = scientific.find('e');
  int exponent = 0;
  const char* exponent_begin = scientific.data() + e + 1;
  if (*exponent_begin == '+') ++exponent_begin;
  std::from_chars(exponent_begin, result.ptr, exponent);
  // Go's 'g' with shortest precision switches to an exponent below 1e-4 and
  // from 1e6 on, whatever the digit count; its exponent form equals C++'s.
  if (exponent < -4 || exponent >= 6) {
    out.append(scientific);
    return;
  }
  const bool negative = scientific.front() == '-';
  append_fixed(scientific.substr(negative ? 1 : 0, e - (negative ? 1 : 0)), exponent, negative, out);
}

std::optional<double> parse_double(std::string_view token) {
  if (token.empty()) return std::nullopt;
  std::size_t i = 0;
  const bool has_sign = token[0] == '+' || token[0] == '-';
  if (has_sign) i = 1;
  if (i < token.size() && !is_digit(token[i]) && token[i] != '.') {
    const std::string_view word = token.substr(i);
    if (equals_ignoring_case(word, "inf") || equals_ignoring_case(word, "infinity")) {
      return token[0] == '-' ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    }
    if (!has_sign && equals_ignoring_case(word, "nan")) return std::numeric_limits<double>::quiet_NaN();
    return std::nullopt;
  }
  // Validate Go's decimal grammar first: from_chars alone would accept
  // "nan(...)" and stop early at anything it does not understand.
  if (!split_decimal(token)) return std::nullopt;

  const std::string_view number = token[0] == '+' ? token.substr(1) : token;
  double value = 0;
  const auto result = std::from_chars(number.data(), number.data() + number.size(), value);
  if (result.ec == std::errc::result_out_of_range) {
    if (!underflows(number)) return std::nullopt;
    return number[0] == '-' ? -0.0 : 0.0;
  }
  if (result.ec != std::errc() || result.ptr != number.data() + number.size()) return std::nullopt;
  return value;
}

namespace {

// Digit `k` of the mantissa integer·fraction with the point moved to after
// digit `point`, counting from the first digit; '0' outside the digits.
class ShiftedDigits {
 public:
  ShiftedDigits(std::string_view integer, std::string_view fraction) : integer_(integer), fraction_(fraction) {}
  std::int64_t size() const { return static_cast<std::int64_t>(integer_.size() + fraction_.size()); }
  int at(std::int64_t k) const {
    if (k < 0 || k >= size()) return 0;
    const auto index = static_cast<std::size_t>(k);
    return (index < integer_.size() ? integer_[index] : fraction_[index - integer_.size()]) - '0';
  }

 private:
  std::string_view integer_;
  std::string_view fraction_;
};

}  // namespace

std::optional<Timestamp> parse_seconds(std::string_view token) {
  const auto parts = split_decimal(token);
  if (!parts) return std::nullopt;
  const ShiftedDigits digits(parts->integer, parts->fraction);
  std::int64_t first = 0;  // the first non-zero digit
  while (first < digits.size() && digits.at(first) == 0) ++first;
  if (first == digits.size()) return Timestamp{};
  // Digits [0, point) are whole seconds, the nine after them nanoseconds.
  const std::int64_t point = static_cast<std::int64_t>(parts->integer.size()) + parts->exponent;
  if (point - first > 19) return std::nullopt;
  std::uint64_t seconds = 0;
  for (std::int64_t k = first; k < point; ++k) seconds = seconds * 10 + static_cast<std::uint64_t>(digits.at(k));
  if (seconds > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
  std::int64_t nanos = 0;
  for (std::int64_t k = point; k < point + 9; ++k) nanos = nanos * 10 + digits.at(k);
  Timestamp out{static_cast<std::int64_t>(seconds), static_cast<std::int32_t>(nanos)};
  if (parts->negative) {
    out.seconds = -out.seconds;
    if (out.nanos != 0) {
      out.seconds -= 1;
      out.nanos = 1'000'000'000 - out.nanos;
    }
  }
  return out;
}

}  // namespace flowgate::exposition
