#include <gtest/gtest.h>

#include <string>

#include "exposition/snappy.hpp"

namespace flowgate::exposition {
namespace {

std::string sample(std::size_t size) {
  std::string text;
  for (std::size_t i = 0; text.size() < size; ++i) text += "rows_read_total{flow=\"etl-" + std::to_string(i % 97) + "\"} 1\n";
  text.resize(size);
  return text;
}

TEST(Snappy, FramesRoundTripAcrossSeveralChunks) {
  const std::string input = sample(200'000);  // four chunks of at most 64 KiB
  const std::string framed = snappy_compress_frames(input);
  EXPECT_LT(framed.size(), input.size());
  auto back = snappy_uncompress_frames(framed, 1 << 20);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, input);
}

TEST(Snappy, BlocksRoundTrip) {
  const std::string input = sample(10'000);
  auto back = snappy_uncompress_block(snappy_compress_block(input), 1 << 20);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, input);
}

TEST(Snappy, AnEmptyStreamIsAnEmptyBody) {
  auto back = snappy_uncompress_frames(snappy_compress_frames(""), 10);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, "");
}

TEST(Snappy, AChunkWhoseChecksumDiffersIsRefused) {
  std::string framed = snappy_compress_frames("m 1\n");
  framed[14] = static_cast<char>(framed[14] ^ 1);  // inside the first chunk's CRC
  auto back = snappy_uncompress_frames(framed, 100);
  ASSERT_FALSE(back);
  EXPECT_EQ(back.error().message, "snappy: chunk 2 fails its checksum");
}

TEST(Snappy, ABodyWithoutTheStreamIdentifierIsRefused) {
  auto back = snappy_uncompress_frames(snappy_compress_block("m 1\n"), 100);
  ASSERT_FALSE(back);
  EXPECT_EQ(back.error().message, "snappy: the body does not start with the stream identifier");
}

TEST(Snappy, AReservedUnskippableChunkIsRefusedAndPaddingIsSkipped) {
  const std::string identifier = snappy_compress_frames("");
  const std::string padding("\xfe\x02\x00\x00xx", 6);
  auto padded = snappy_uncompress_frames(identifier + padding + snappy_compress_frames("m 1\n").substr(10), 100);
  ASSERT_TRUE(padded) << padded.error().message;
  EXPECT_EQ(*padded, "m 1\n");
  auto reserved = snappy_uncompress_frames(identifier + std::string("\x02\x00\x00\x00", 4), 100);
  ASSERT_FALSE(reserved);
  EXPECT_EQ(reserved.error().message, "snappy: chunk 2 has the reserved unskippable type 2");
}

TEST(Snappy, OutputPastTheLimitIsRefusedAsTooLarge) {
  auto frames = snappy_uncompress_frames(snappy_compress_frames(sample(5000)), 4096);
  ASSERT_FALSE(frames);
  EXPECT_TRUE(frames.error().output_too_large);
  auto block = snappy_uncompress_block(snappy_compress_block(sample(5000)), 4096);
  ASSERT_FALSE(block);
  EXPECT_TRUE(block.error().output_too_large);
}

TEST(Snappy, ATruncatedStreamIsRefused) {
  std::string framed = snappy_compress_frames(sample(1000));
  framed.resize(framed.size() - 3);
  auto back = snappy_uncompress_frames(framed, 1 << 20);
  ASSERT_FALSE(back);
  EXPECT_EQ(back.error().message, "snappy: chunk 2 is cut off");
}

// The framing format's own example: CRC-32C of "123456789" is 0xE3069283 (RFC 3720), masked.
TEST(Snappy, TheChecksumIsTheMaskedCastagnoliCrc) {
  const std::uint32_t crc = 0xE3069283u;
  EXPECT_EQ(snappy_masked_crc32c("123456789"), ((crc >> 15) | (crc << 17)) + 0xa282ead8u);
}

}  // namespace
}  // namespace flowgate::exposition
