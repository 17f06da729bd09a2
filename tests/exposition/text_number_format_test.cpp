// Numbers as Go's strconv writes and reads them in the text format.

#include <gtest/gtest.h>

#include <bit>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <limits>
#include <ostream>
#include <string>

#include "exposition/number_format.hpp"

namespace flowgate::exposition {
namespace {

std::string formatted(double value) {
  std::string out;
  append_double(value, out);
  return out;
}

struct Formatted {
  double value;
  const char* text;
};

// Printed as their text, not their bytes (which would include pointers).
void PrintTo(const Formatted& c, std::ostream* out) { *out << c.text; }

// Test names from the text: "1e+06" -> "1e_06"; an index keeps them unique.
std::string readable(std::string_view text, std::size_t index) {
  std::string name;
  for (const char c : text) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return (name.empty() ? "Empty" : name) + "_" + std::to_string(index);
}

std::string formatted_name(const testing::TestParamInfo<Formatted>& param) {
  return "Writes_" + readable(param.param.text, param.index);
}

class AppendDouble : public testing::TestWithParam<Formatted> {};

TEST_P(AppendDouble, WritesWhatGoFormatFloatWrites) { EXPECT_EQ(formatted(GetParam().value), GetParam().text); }

// From pushgateway.md section 8.3 (checked against the Go writer) and Go's
// strconv tests.
INSTANTIATE_TEST_SUITE_P(
    Table, AppendDouble,
    testing::Values(Formatted{0, "0"}, Formatted{-0.0, "0"}, Formatted{1, "1"}, Formatted{-1, "-1"},
                    Formatted{100000, "100000"}, Formatted{999999, "999999"}, Formatted{123456.7, "123456.7"},
                    Formatted{1000000, "1e+06"}, Formatted{-1000000, "-1e+06"}, Formatted{123456789, "1.23456789e+08"},
                    Formatted{0.0001, "0.0001"}, Formatted{0.00001, "1e-05"}, Formatted{0.000123, "0.000123"},
                    Formatted{1e21, "1e+21"}, Formatted{1e100, "1e+100"}, Formatted{0.5, "0.5"},
                    Formatted{0.1, "0.1"}, Formatted{-2.5, "-2.5"}, Formatted{1.5e-7, "1.5e-07"},
                    Formatted{5e-324, "5e-324"}, Formatted{1.7976931348623157e308, "1.7976931348623157e+308"},
                    Formatted{1700000000.123, "1.700000000123e+09"}, Formatted{0.30000000000000004, "0.30000000000000004"},
                    Formatted{12345.678901234567, "12345.678901234567"}, Formatted{999999.9, "999999.9"},
                    Formatted{9999999, "9.999999e+06"}, Formatted{std::numeric_limits<double>::infinity(), "+Inf"},
                    Formatted{-std::numeric_limits<double>::infinity(), "-Inf"},
                    Formatted{std::numeric_limits<double>::quiet_NaN(), "NaN"}),
    formatted_name);

TEST(AppendDouble, AppendsWithoutTouchingWhatIsThere) {
  std::string out = "x ";
  append_double(2.5, out);
  EXPECT_EQ(out, "x 2.5");
}

TEST(AppendDouble, ShortestDigitsRoundTripForManyValues) {
  std::uint64_t bits = 0x123456789ABCDEFull;
  for (int i = 0; i < 100000; ++i) {
    bits = bits * 6364136223846793005ull + 1442695040888963407ull;
    const double value = std::bit_cast<double>(bits);
    if (std::isnan(value)) continue;
    const auto parsed = parse_double(formatted(value));
    ASSERT_TRUE(parsed.has_value()) << formatted(value);
    if (value == 0) {
      EXPECT_EQ(*parsed, 0.0);
    } else {
      EXPECT_EQ(std::bit_cast<std::uint64_t>(*parsed), bits) << formatted(value);
    }
  }
}

struct Parsed {
  const char* text;
  std::optional<double> value;  // nullopt: rejected
};

void PrintTo(const Parsed& c, std::ostream* out) { *out << '"' << c.text << '"'; }

std::string parsed_name(const testing::TestParamInfo<Parsed>& param) {
  return (param.param.value ? "Accepts_" : "Rejects_") + readable(param.param.text, param.index);
}

class ParseDouble : public testing::TestWithParam<Parsed> {};

TEST_P(ParseDouble, ReadsWhatGoParseFloatReadsWithoutHexOrUnderscores) {
  const auto result = parse_double(GetParam().text);
  ASSERT_EQ(result.has_value(), GetParam().value.has_value()) << GetParam().text;
  if (!result) return;
  if (std::isnan(*GetParam().value)) {
    EXPECT_TRUE(std::isnan(*result));
  } else {
    EXPECT_EQ(*result, *GetParam().value) << GetParam().text;
  }
}

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

INSTANTIATE_TEST_SUITE_P(
    Table, ParseDouble,
    testing::Values(Parsed{"1", 1}, Parsed{"-1.5E+3", -1500}, Parsed{".5", 0.5}, Parsed{"5.", 5}, Parsed{"1e-7", 1e-7},
                    Parsed{"+2", 2}, Parsed{"+.5", 0.5}, Parsed{"007", 7}, Parsed{"NaN", kNaN}, Parsed{"nan", kNaN},
                    Parsed{"nAn", kNaN}, Parsed{"Inf", kInf}, Parsed{"+inf", kInf}, Parsed{"-Inf", -kInf},
                    Parsed{"infinity", kInf}, Parsed{"-INFINITY", -kInf}, Parsed{"1e-400", 0},
                    Parsed{"1.7976931348623157e308", 1.7976931348623157e308}, Parsed{"", std::nullopt},
                    Parsed{"+NaN", std::nullopt}, Parsed{"-nan", std::nullopt}, Parsed{"0x1", std::nullopt},
                    Parsed{"0x1p3", std::nullopt}, Parsed{"1_000", std::nullopt}, Parsed{"0b1", std::nullopt},
                    Parsed{"0o7", std::nullopt}, Parsed{"1e400", std::nullopt}, Parsed{"-1e400", std::nullopt},
                    Parsed{".", std::nullopt}, Parsed{"1e", std::nullopt}, Parsed{"1e+", std::nullopt},
                    Parsed{"e5", std::nullopt}, Parsed{"infx", std::nullopt}, Parsed{"in", std::nullopt},
                    Parsed{"nan(1)", std::nullopt}, Parsed{"1.5.2", std::nullopt}, Parsed{" 1", std::nullopt},
                    Parsed{"1 ", std::nullopt}, Parsed{"++1", std::nullopt}, Parsed{"1,5", std::nullopt}),
    parsed_name);

}  // namespace
}  // namespace flowgate::exposition
