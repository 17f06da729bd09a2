// The push invariant over every seed of the parser fuzzers, in the ordinary
// build: a seed that parses must, pushed into a store, leave a scrape the Go
// parser accepts. Seeds the parser refuses pass trivially (they are in the
// corpora to steer the fuzzer).

#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "exposition/protobuf_parser.hpp"
#include "exposition/text_parser.hpp"
#include "tests/fuzz/push_invariant.hpp"

namespace flowgate::fuzz {
namespace {

using Parse = std::function<boost::system::result<exposition::Families, exposition::ParseError>(std::string_view)>;

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// How many seeds parsed; every one of those must keep the invariant.
std::size_t replay(std::string_view corpus, const Parse& parse) {
  const std::filesystem::path dir = std::filesystem::path(FLOWGATE_FUZZ_CORPUS_DIR) / corpus;
  EXPECT_TRUE(std::filesystem::is_directory(dir)) << dir;
  std::size_t parsed_seeds = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    auto parsed = parse(read_file(entry.path()));
    if (!parsed) continue;
    ++parsed_seeds;
    const auto violation = push_invariant_violation(std::move(*parsed));
    EXPECT_FALSE(violation) << entry.path().filename() << ": " << violation.value_or("");
  }
  return parsed_seeds;
}

TEST(PushInvariant, HoldsForEveryTextParserSeed) {
  EXPECT_GT(replay("text_parser", [](std::string_view body) { return exposition::parse_text(body); }), 0U);
}

TEST(PushInvariant, HoldsForEveryProtobufParserSeed) {
  EXPECT_GT(replay("protobuf_parser", [](std::string_view body) { return exposition::parse_protobuf(body); }), 0U);
}

// The store accepts this push, so the whole check runs on it.
TEST(PushInvariant, HoldsForAnOrdinaryPush) {
  auto families = exposition::parse_text("# TYPE tasks_total counter\ntasks_total{flow=\"etl\"} 3\n");
  ASSERT_TRUE(families);
  EXPECT_EQ(push_invariant_violation(std::move(*families)), std::nullopt);
}

}  // namespace
}  // namespace flowgate::fuzz
