// The name grammar every push is held to, and the quoting of input in error
// sentences.

#include "exposition/names.hpp"

#include "exposition/name_escaping.hpp"

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

TEST(Names, Utf8NamesAreAnyNonEmptyValidUtf8) {
  for (const char* name : {"a.b", "1abc", "\xc3\xa9t\xc3\xa9", "a b", "\xf0\x9f\x98\x80", "__x"}) {
    EXPECT_TRUE(is_metric_name(name, NameValidation::utf8)) << name;
    EXPECT_TRUE(is_label_name(name, NameValidation::utf8)) << name;
  }
  for (const char* name : {"", "a\xff", "\xc3", "\xed\xa0\x80"}) {
    EXPECT_FALSE(is_metric_name(name, NameValidation::utf8)) << name;
    EXPECT_FALSE(is_label_name(name, NameValidation::utf8)) << name;
  }
  EXPECT_FALSE(is_label_name("a.b", NameValidation::legacy));
}

TEST(NameEscaping, LegacyMetricNamesAreNeverEscaped) {
  // The metric-name test is applied to label names too, so "a:b" stays, as in prometheus/common.
  for (const auto escaping : {NameEscaping::underscores, NameEscaping::dots, NameEscaping::values}) {
    for (const char* name : {"plain_name", "a:b", "push_time_seconds", "U__n_2e_m"}) {
      EXPECT_EQ(escape_name(name, escaping), name) << name;
    }
  }
}

TEST(NameEscaping, UnderscoresReplaceEachOtherCharacter) {
  EXPECT_EQ(escape_name("a_b.c", NameEscaping::underscores), "a_b_c");
  EXPECT_EQ(escape_name("1abc", NameEscaping::underscores), "_abc");
  EXPECT_EQ(escape_name("\xc3\xa9\xf0\x9f\x98\x80", NameEscaping::underscores), "__");
  EXPECT_EQ(escape_name("a\xff" "b", NameEscaping::underscores), "a_b");
}

TEST(NameEscaping, DotsDoubleUnderscoresAndSpellDots) {
  EXPECT_EQ(escape_name("a_b.c", NameEscaping::dots), "a__b_dot_c");
  EXPECT_EQ(escape_name("1abc", NameEscaping::dots), "__abc");
  EXPECT_EQ(escape_name("x\ny", NameEscaping::dots), "x__y");
  EXPECT_EQ(escape_name("\xc3\xbc", NameEscaping::dots), "__");
}

TEST(NameEscaping, ValuesSpellCodePointsInHex) {
  EXPECT_EQ(escape_name("a_b.c", NameEscaping::values), "U__a__b_2e_c");
  EXPECT_EQ(escape_name("1abc", NameEscaping::values), "U___31_abc");
  EXPECT_EQ(escape_name("\xc3\xa9\xf0\x9f\x98\x80", NameEscaping::values), "U___e9__1f600_");
  EXPECT_EQ(escape_name("x\ny", NameEscaping::values), "U__x_a_y");
  EXPECT_EQ(escape_name("a\xff", NameEscaping::values), "U__a_fffd_");
}

TEST(NameEscaping, AllowUtf8KeepsNames) { EXPECT_EQ(escape_name("a.b", NameEscaping::allow_utf8), "a.b"); }

TEST(NameEscaping, ValuesUnescapeAsThePushgatewayReadsGroupingLabelNames) {
  EXPECT_EQ(unescape_values_name("U__a_2e_b"), "a.b");
  EXPECT_EQ(unescape_values_name("U__a__b"), "a_b");
  EXPECT_EQ(unescape_values_name("U___31_abc"), "1abc");
  EXPECT_EQ(unescape_values_name("U___1F600_"), "\xf0\x9f\x98\x80");
  EXPECT_EQ(unescape_values_name("U__"), "");
  for (const char* unchanged : {"plain", "U__zz_zz", "U__x_d800_", "U__a_110000_", "U__a_1234567_", "U__a_2e", "U__a_"}) {
    EXPECT_EQ(unescape_values_name(unchanged), unchanged) << unchanged;
  }
  for (const char* name : {"a.b", "1abc", "x\ny", "\xc3\xa9\xf0\x9f\x98\x80", "a__b"}) {
    EXPECT_EQ(unescape_values_name(escape_name(name, NameEscaping::values)), name) << name;
  }
}

TEST(NameEscaping, ForcedValuesEscapingRoundTripsLegacyNamesToo) {
  EXPECT_EQ(values_escaped("a"), "U__a");
  EXPECT_EQ(values_escaped("U__x"), "U__U____x");
  for (const char* name : {"a", "U__x", "a:b", "a.b", "x');alert(1);('"}) {
    EXPECT_EQ(unescape_values_name(values_escaped(name)), name) << name;
    EXPECT_EQ(values_escaped(name).find_first_not_of(
                  "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_:"),
              std::string::npos);
  }
}

TEST(NameEscaping, ParamsNameTheFourSchemes) {
  for (const auto escaping :
       {NameEscaping::allow_utf8, NameEscaping::underscores, NameEscaping::dots, NameEscaping::values}) {
    EXPECT_EQ(parse_escaping_param(escaping_param(escaping)), escaping);
  }
  EXPECT_EQ(escaping_param(NameEscaping::allow_utf8), "allow-utf-8");
  EXPECT_FALSE(parse_escaping_param("bogus"));
  EXPECT_FALSE(parse_escaping_param("Underscores"));
}

TEST(NameEscaping, FamiliesWithOnlyLegacyNamesAreFound) {
  Family family;
  family.name = "m";
  family.metrics.emplace_back().labels = {{"a:b", "x"}};
  EXPECT_TRUE(has_only_legacy_names(family));
  family.metrics.emplace_back().labels = {{"a.b", "x"}};
  EXPECT_FALSE(has_only_legacy_names(family));
  EXPECT_EQ(escape_names(family, NameEscaping::underscores).metrics[1].labels[0].name, "a_b");
}

}  // namespace
}  // namespace flowgate::exposition
