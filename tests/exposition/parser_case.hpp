#pragma once
// One row of a parser's accept/reject table, shared by the text and
// OpenMetrics parser tables: an accepted input is checked by what a writer
// makes of the parsed families, a rejected one by its rule, position and
// sentence.

#include <gtest/gtest.h>

#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>

#include <boost/system/result.hpp>

#include "exposition/model.hpp"
#include "exposition/parse_error.hpp"
#include "exposition/writer.hpp"

namespace flowgate::exposition::testing_cases {

struct Case {
  const char* name;
  std::string_view input;
  // Accepted inputs: the writer's output for the parsed families.
  const char* written = nullptr;
  // Rejected inputs.
  const char* rule = nullptr;
  std::size_t line = 0;
  std::size_t column = 0;  // 0: not checked
  const char* sentence_part = nullptr;
};

// Keeps gtest from printing the bytes (and pointers) of a case into test names.
inline void PrintTo(const Case& c, std::ostream* out) { *out << c.name; }

inline Case accept(const char* name, std::string_view input, const char* written) {
  return Case{name, input, written};
}

inline Case reject(const char* name, std::string_view input, const char* rule, std::size_t line, std::size_t column,
                   const char* sentence_part) {
  return Case{name, input, nullptr, rule, line, column, sentence_part};
}

inline std::string case_name(const ::testing::TestParamInfo<Case>& param) { return param.param.name; }

// The verdict of a parser on `c.input` against the row; accepted families
// are written in `format`.
inline void expect_verdict(const boost::system::result<Families, ParseError>& parsed, const Case& c, Format format) {
  if (c.written != nullptr) {
    ASSERT_TRUE(parsed.has_value()) << parsed.error().describe();
    EXPECT_EQ(write(format, *parsed), c.written);
    return;
  }
  ASSERT_FALSE(parsed.has_value()) << "accepted:\n" << write(format, *parsed);
  const ParseError& error = parsed.error();
  EXPECT_EQ(error.rule, c.rule) << error.describe();
  EXPECT_EQ(error.line, c.line) << error.describe();
  if (c.column != 0) {
    EXPECT_EQ(error.column, c.column) << error.describe();
  }
  EXPECT_NE(error.message.find(c.sentence_part), std::string::npos) << error.describe();
  EXPECT_EQ(error.message.find('\n'), std::string::npos) << "one line, please: " << error.message;
}

}  // namespace flowgate::exposition::testing_cases
