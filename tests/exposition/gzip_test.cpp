#include "exposition/gzip.hpp"

#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace flowgate::exposition {
namespace {

std::string gzip(std::string_view body, std::size_t piece = 1000) {
  GzipWriter writer;
  std::string out;
  for (std::size_t i = 0; i < body.size(); i += piece) writer.write(body.substr(i, piece), out);
  writer.finish(out);
  return out;
}

std::string sample_body() {
  std::string body;
  for (int i = 0; i < 5000; ++i) body += "flowgate_tasks_total{flow=\"f" + std::to_string(i) + "\"} " + std::to_string(i) + "\n";
  return body;
}

TEST(Gzip, StreamedPiecesInflateToTheOriginal) {
  const auto body = sample_body();
  const auto compressed = gzip(body, 777);
  EXPECT_LT(compressed.size(), body.size() / 3);
  auto inflated = gunzip(compressed, body.size());
  ASSERT_TRUE(inflated.has_value()) << inflated.error().message;
  EXPECT_EQ(*inflated, body);
}

TEST(Gzip, EmptyInputCompressesToAValidMember) {
  auto inflated = gunzip(gzip(""), 10);
  ASSERT_TRUE(inflated.has_value());
  EXPECT_TRUE(inflated->empty());
}

TEST(Gzip, ConcatenatedMembersReadAsOneStream) {
  auto inflated = gunzip(gzip("first\n") + gzip("second\n"), 100);
  ASSERT_TRUE(inflated.has_value()) << inflated.error().message;
  EXPECT_EQ(*inflated, "first\nsecond\n");
}

TEST(Gzip, ABombStopsAtTheOutputCap) {
  const std::string zeros(50'000'000, '\0');
  const auto bomb = gzip(zeros, zeros.size());
  auto inflated = gunzip(bomb, 1'000'000);
  ASSERT_FALSE(inflated.has_value());
  EXPECT_TRUE(inflated.error().output_too_large);
  EXPECT_EQ(inflated.error().message, "the body inflates to more than 1000000 bytes");
}

TEST(Gzip, OutputExactlyAtTheCapIsAccepted) {
  const auto body = sample_body();
  EXPECT_TRUE(gunzip(gzip(body), body.size()).has_value());
  EXPECT_FALSE(gunzip(gzip(body), body.size() - 1).has_value());
}

TEST(Gzip, PlainTextIsAnInvalidHeaderAsGoSaysIt) {
  auto inflated = gunzip("some_metric 1\nother 2\n", 1000);
  ASSERT_FALSE(inflated.has_value());
  EXPECT_EQ(inflated.error().message, "gzip: invalid header");
  EXPECT_FALSE(inflated.error().output_too_large);
}

TEST(Gzip, EmptyBodyIsEof) { EXPECT_EQ(gunzip("", 10).error().message, "EOF"); }

TEST(Gzip, TruncatedStreamIsUnexpectedEof) {
  const auto compressed = gzip(sample_body());
  EXPECT_EQ(gunzip(compressed.substr(0, compressed.size() / 2), 1 << 20).error().message, "unexpected EOF");
  EXPECT_EQ(gunzip(compressed.substr(0, 5), 1 << 20).error().message, "unexpected EOF");
}

TEST(Gzip, DamagedChecksumIsInvalidChecksum) {
  auto compressed = gzip("hello\n");
  compressed[compressed.size() - 6] = static_cast<char>(compressed[compressed.size() - 6] ^ 0x55);
  EXPECT_EQ(gunzip(compressed, 100).error().message, "gzip: invalid checksum");
}

TEST(Gzip, TrailingGarbageAfterAMemberIsRejected) {
  EXPECT_EQ(gunzip(gzip("a\n") + "garbage!!!!!", 100).error().message, "gzip: invalid header");
}

std::string joined(GzipJoiner& joiner) {
  std::string owned;
  std::vector<std::string_view> pieces;
  joiner.finish(owned, pieces);
  std::string body;
  for (auto piece : pieces) body += piece;
  return body;
}

TEST(GzipJoiner, PlainPiecesAndDeflatedBlocksInflateToTheirConcatenation) {
  const auto body = sample_body();
  const auto first = deflate_block(body.substr(0, 70000));
  const auto second = deflate_block(body.substr(70000));
  GzipJoiner joiner;
  joiner.add("# HELP a A.\n");
  joiner.add(first);
  joiner.add("# HELP b B.\n");
  joiner.add("# TYPE b gauge\n");
  joiner.add(second);
  joiner.add(first);
  const auto compressed = joined(joiner);
  EXPECT_LT(compressed.size(), body.size() / 3);
  auto inflated = gunzip(compressed, 4 * body.size());
  ASSERT_TRUE(inflated.has_value()) << inflated.error().message;  // gunzip checks CRC-32 and length
  EXPECT_EQ(*inflated, "# HELP a A.\n" + body.substr(0, 70000) + "# HELP b B.\n# TYPE b gauge\n" + body.substr(70000) +
                           body.substr(0, 70000));
}

TEST(GzipJoiner, OnlyDeflatedBlocksMakeAValidMember) {
  const auto block = deflate_block("g 1\n");
  GzipJoiner joiner;
  joiner.add(block);
  joiner.add(block);
  auto inflated = gunzip(joined(joiner), 100);
  ASSERT_TRUE(inflated.has_value()) << inflated.error().message;
  EXPECT_EQ(*inflated, "g 1\ng 1\n");
}

TEST(GzipJoiner, NothingAddedIsAnEmptyMember) {
  GzipJoiner joiner;
  joiner.add("");
  joiner.add(deflate_block(""));
  auto inflated = gunzip(joined(joiner), 10);
  ASSERT_TRUE(inflated.has_value()) << inflated.error().message;
  EXPECT_TRUE(inflated->empty());
}

}  // namespace
}  // namespace flowgate::exposition
