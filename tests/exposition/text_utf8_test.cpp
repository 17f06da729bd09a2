// UTF-8 validation as Go's utf8.ValidString has it.

#include <gtest/gtest.h>

#include "exposition/utf8.hpp"

namespace flowgate::exposition {
namespace {

TEST(IsValidUtf8, AcceptsAsciiAndWellFormedSequences) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain"));
  EXPECT_TRUE(is_valid_utf8("gr\xC3\xBC\xC3\x9F" "e"));
  EXPECT_TRUE(is_valid_utf8("\xE6\x97\xA5\xE6\x9C\xAC"));
  EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x9A\x80"));
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
  EXPECT_TRUE(is_valid_utf8(std::string_view("\0", 1)));
}

TEST(IsValidUtf8, RejectsWhatGoRejects) {
  EXPECT_FALSE(is_valid_utf8("\xFF"));
  EXPECT_FALSE(is_valid_utf8("\x80"));              // continuation without a lead
  EXPECT_FALSE(is_valid_utf8("\xC3"));              // cut off
  EXPECT_FALSE(is_valid_utf8("\xE6\x97"));          // cut off
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));      // overlong
  EXPECT_FALSE(is_valid_utf8("\xF0\x80\x80\xAF"));  // overlong
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate U+D800
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xC3\x28"));          // bad continuation
}

}  // namespace
}  // namespace flowgate::exposition
