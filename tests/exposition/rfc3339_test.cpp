#include "exposition/rfc3339.hpp"

#include <gtest/gtest.h>

namespace flowgate::exposition {
namespace {

using namespace std::chrono;

std::string go_nano(double unix_seconds) { return format_rfc3339(unix_nanos(unix_seconds), SecondFraction::go_nanos); }

TEST(Rfc3339Nano, DropsTrailingZerosOfTheFraction) {
  EXPECT_EQ(go_nano(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(go_nano(1795419794.5), "2026-11-23T07:43:14.5Z");
  EXPECT_EQ(go_nano(1795419794.25), "2026-11-23T07:43:14.25Z");
}

TEST(Rfc3339, FixedFractionsTruncateToTheirUnit) {
  const UnixNanos at = sys_days{2026y / 11 / 23} + 14h + 42s + 508'814'999ns;
  EXPECT_EQ(format_rfc3339(at, SecondFraction::none), "2026-11-23T14:00:42Z");
  EXPECT_EQ(format_rfc3339(at, SecondFraction::millis), "2026-11-23T14:00:42.508Z");
  EXPECT_EQ(format_rfc3339(at, SecondFraction::micros), "2026-11-23T14:00:42.508814Z");
  EXPECT_EQ(format_rfc3339(at, SecondFraction::nanos), "2026-11-23T14:00:42.508814999Z");
  EXPECT_EQ(format_rfc3339(UnixNanos{}, SecondFraction::nanos), "1970-01-01T00:00:00.000000000Z");
}

TEST(Rfc3339, UnixSecondsRoundToTheNearestNanosecondAcrossTheSecond) {
  EXPECT_EQ(unix_nanos(1.9999999999), UnixNanos{2s});
  EXPECT_EQ(unix_nanos(-0.5), UnixNanos{-500ms});
  EXPECT_EQ(format_rfc3339(unix_nanos(-0.5), SecondFraction::go_nanos), "1969-12-31T23:59:59.5Z");
}

}  // namespace
}  // namespace flowgate::exposition
