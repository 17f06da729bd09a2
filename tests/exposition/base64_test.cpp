#include "exposition/base64.hpp"

#include <gtest/gtest.h>

namespace flowgate::exposition {
namespace {

bool decodes(std::string_view text, Base64Form form, std::string& out) {
  auto decoded = decode_base64(text, form);
  if (!decoded) return false;
  out = std::move(*decoded);
  return true;
}

TEST(Base64, DecodesStandardAlphabetWithPaddingRequired) {
  std::string out;
  ASSERT_TRUE(decodes("YWxpY2U6czNjcmV0", kStandardBase64, out));
  EXPECT_EQ(out, "alice:s3cret");
  ASSERT_TRUE(decodes("YQ==", kStandardBase64, out));
  EXPECT_EQ(out, "a");
  ASSERT_TRUE(decodes("YWI=", kStandardBase64, out));
  EXPECT_EQ(out, "ab");
  ASSERT_TRUE(decodes("", kStandardBase64, out));
  EXPECT_EQ(out, "");
  EXPECT_FALSE(decodes("YQ", kStandardBase64, out));        // unpadded
  EXPECT_FALSE(decodes("YQ=", kStandardBase64, out));       // half padded
  EXPECT_FALSE(decodes("YQ=a", kStandardBase64, out));      // data after '='
  EXPECT_FALSE(decodes("YQ==YQ==", kStandardBase64, out));  // '=' before the end
  EXPECT_FALSE(decodes("Y===", kStandardBase64, out));      // too much padding
  EXPECT_FALSE(decodes("YR==", kStandardBase64, out));      // unused bits set
  EXPECT_FALSE(decodes("YW-_", kStandardBase64, out));      // URL-safe alphabet
}

TEST(Base64, EncodesStandardAlphabetWithPadding) {
  EXPECT_EQ(encode_base64("", kStandardBase64), "");
  EXPECT_EQ(encode_base64("f", kStandardBase64), "Zg==");
  EXPECT_EQ(encode_base64("fo", kStandardBase64), "Zm8=");
  EXPECT_EQ(encode_base64("foo", kStandardBase64), "Zm9v");
  EXPECT_EQ(encode_base64("\xff\xfe", kStandardBase64), "//4=");
}

TEST(Base64, RawUrlFormWritesNoPaddingAndTheUrlSafeAlphabet) {
  EXPECT_EQ(encode_base64("", kRawUrlBase64), "");
  EXPECT_EQ(encode_base64("f", kRawUrlBase64), "Zg");
  EXPECT_EQ(encode_base64("fo", kRawUrlBase64), "Zm8");
  EXPECT_EQ(encode_base64("\xff\xfe", kRawUrlBase64), "__4");
}

TEST(Base64, RawUrlFormIgnoresUnusedBitsAsGoDoes) {
  std::string out;
  ASSERT_TRUE(decodes("YR", kRawUrlBase64, out));
  EXPECT_EQ(out, "a");
  ASSERT_TRUE(decodes("77-_", kRawUrlBase64, out));
  EXPECT_EQ(out, "\xEF\xBF\xBF");
}

// Go's CorruptInputError offsets, which the grouping-key messages quote.
TEST(Base64, RawUrlFormNamesTheFirstByteItCannotDecode) {
  EXPECT_EQ(decode_base64("ab!d", kRawUrlBase64).error().offset, 2u);
  EXPECT_EQ(decode_base64("abcde", kRawUrlBase64).error().offset, 4u);  // a lone sixth of a group
  EXPECT_EQ(decode_base64("a!cde", kRawUrlBase64).error().offset, 1u);
  EXPECT_EQ(decode_base64("YQ==", kRawUrlBase64).error().offset, 2u);  // no '=' in this form
}

}  // namespace
}  // namespace flowgate::exposition
