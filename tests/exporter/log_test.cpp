#include <gtest/gtest.h>

#include "exporter/log.hpp"

namespace flowgate::exporter {
namespace {

TEST(Logfmt, WritesKeysInThePrometheusOrder) {
  Logger logger;
  EXPECT_EQ(logger.format_line("2026-11-23T12:00:00.000Z", LogLevel::info, "app.cpp:42", "Listening on",
                               {{"address", "[::]:9091"}}),
            "ts=2026-11-23T12:00:00.000Z caller=app.cpp:42 level=info msg=\"Listening on\" address=[::]:9091");
}

TEST(Logfmt, QuotesValuesWithSpacesEqualsAndQuotes) {
  Logger logger;
  EXPECT_EQ(logger.format_line("", LogLevel::warn, "a.cpp:1", "m", {{"k", "a=b"}, {"q", "say \"hi\""}, {"e", ""}}),
            "caller=a.cpp:1 level=warn msg=m k=\"a=b\" q=\"say \\\"hi\\\"\" e=\"\"");
}

TEST(Logfmt, EscapesControlCharacters) {
  Logger logger;
  EXPECT_EQ(logger.format_line("", LogLevel::error, "a.cpp:1", "line1\nline2", {{"t", "a\tb\x01"}}),
            "caller=a.cpp:1 level=error msg=\"line1\\nline2\" t=\"a\\tb\\u0001\"");
}

TEST(Logfmt, NumbersAreWrittenPlainly) {
  Logger logger;
  EXPECT_EQ(logger.format_line("", LogLevel::info, "a.cpp:1", "m", {{"groups", 3}}),
            "caller=a.cpp:1 level=info msg=m groups=3");
}

TEST(JsonLog, OneObjectWithTheSameKeys) {
  Logger logger(LogLevel::info, LogFormat::json);
  EXPECT_EQ(logger.format_line("T", LogLevel::info, "a.cpp:1", "<m>", {{"k", "v\""}}),
            "{\"ts\":\"T\",\"caller\":\"a.cpp:1\",\"level\":\"info\",\"msg\":\"\\u003cm\\u003e\",\"k\":\"v\\\"\"}");
}

TEST(Logger, FiltersBelowItsLevel) {
  Logger logger(LogLevel::warn);
  EXPECT_FALSE(logger.enabled(LogLevel::info));
  EXPECT_TRUE(logger.enabled(LogLevel::error));
}

TEST(Logger, CallerIsTheFileBaseName) { EXPECT_EQ(caller_of("/work/main/exporter/app.cpp", 7), "app.cpp:7"); }

}  // namespace
}  // namespace flowgate::exporter
