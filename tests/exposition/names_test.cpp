// The name grammar every push is held to, and the quoting of input in error
// sentences.

#include "exposition/names.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace flowgate::exposition {
namespace {

TEST(Names, MetricNamesAreTheLegacyGrammar) {
  for (const char* name : {"a", "_", ":", "a:b_C9", "__x"}) EXPECT_TRUE(is_metric_name(name)) << name;
  for (const std::string& name : std::vector<std::string>{"", "9a", "a b", "a-b", "a.b", "a\n", "\xc3\xa9", "a{", std::string("a\0", 2)}) {
    EXPECT_FALSE(is_metric_name(name)) << name;
  }
}

TEST(Names, LabelNamesAreTheLegacyGrammarWithoutColons) {
  for (const char* name : {"a", "_", "a_B9", "__name__"}) EXPECT_TRUE(is_label_name(name)) << name;
  for (const char* name : {"", ":", "a:b", "9a", "a b", "\xc3\xa9"}) EXPECT_FALSE(is_label_name(name)) << name;
}

TEST(Names, QuotingEscapesEveryByteThatCouldBreakAMessageLine) {
  EXPECT_EQ(quoted_for_message(std::string("a\"\\\n\t\r\x01\x7f\0", 9)), R"("a\"\\\n\t\r\x01\x7f\x00")");
}

TEST(Names, QuotingKeepsValidUtf8AndEscapesInvalidBytes) {
  EXPECT_EQ(quoted_for_message("\xc3\xa9t\xc3\xa9"), "\"\xc3\xa9t\xc3\xa9\"");
  EXPECT_EQ(quoted_for_message("a\xff"), R"("a\xff")");
}

TEST(Names, QuotingShowsAtMost64BytesAndNeverHalfACharacter) {
  EXPECT_EQ(quoted_for_message(std::string(70, 'x')), "\"" + std::string(64, 'x') + "...\"");
  // 63 bytes, then a two-byte character that the 64-byte cut would split.
  EXPECT_EQ(quoted_for_message(std::string(63, 'x') + "\xc3\xa9z"), "\"" + std::string(63, 'x') + "...\"");
}

}  // namespace
}  // namespace flowgate::exposition
