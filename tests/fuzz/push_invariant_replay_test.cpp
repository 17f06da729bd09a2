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

#include "exposition/openmetrics_parser.hpp"
#include "exposition/otlp_decode.hpp"
#include "exposition/otlp_translate.hpp"
#include "exposition/protobuf_parser.hpp"
#include "pushgw/group_store.hpp"
#include "pushgw/grouping_key.hpp"
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
std::size_t replay(std::string_view corpus, const Parse& parse,
                   exposition::NameValidation names = exposition::NameValidation::legacy) {
  const std::filesystem::path dir = std::filesystem::path(FLOWGATE_FUZZ_CORPUS_DIR) / corpus;
  EXPECT_TRUE(std::filesystem::is_directory(dir)) << dir;
  std::size_t parsed_seeds = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    auto parsed = parse(read_file(entry.path()));
    if (!parsed) continue;
    ++parsed_seeds;
    const auto violation = push_invariant_violation(std::move(*parsed), names);
    EXPECT_FALSE(violation) << entry.path().filename() << ": " << violation.value_or("");
  }
  return parsed_seeds;
}

TEST(PushInvariant, HoldsForEveryTextParserSeed) {
  EXPECT_GT(replay("text_parser", [](std::string_view body) { return exposition::parse_text(body); }), 0U);
}

TEST(PushInvariant, HoldsForEveryTextParserSeedWithUtf8Names) {
  exposition::ParseBounds bounds;
  bounds.names = exposition::NameValidation::utf8;
  EXPECT_GT(replay("text_parser", [&](std::string_view body) { return exposition::parse_text(body, bounds); },
                   exposition::NameValidation::utf8),
            0U);
}

TEST(PushInvariant, HoldsForEveryProtobufParserSeedWithUtf8Names) {
  exposition::ParseBounds bounds;
  bounds.names = exposition::NameValidation::utf8;
  EXPECT_GT(replay("protobuf_parser", [&](std::string_view body) { return exposition::parse_protobuf(body, bounds); },
                   exposition::NameValidation::utf8),
            0U);
}

TEST(PushInvariant, HoldsForEveryProtobufParserSeed) {
  EXPECT_GT(replay("protobuf_parser", [](std::string_view body) { return exposition::parse_protobuf(body); }), 0U);
}

TEST(PushInvariant, HoldsForEveryOpenMetricsSeed) {
  EXPECT_GT(replay("openmetrics", [](std::string_view body) { return exposition::parse_openmetrics(body); }), 0U);
}

// An OTLP seed as the families of all its groups, in group order.
boost::system::result<exposition::Families, exposition::ParseError> otlp_families(
    const boost::system::result<exposition::otlp::ExportRequest, exposition::otlp::DecodeError>& decoded) {
  if (!decoded) return exposition::ParseError(0, 0, decoded.error().rule, decoded.error().message);
  exposition::Families all;
  for (auto& group : exposition::otlp::translate(*decoded, {}, {}).groups) {
    for (auto& family : group.families) all.push_back(std::move(family));
  }
  return all;
}

TEST(PushInvariant, HoldsForEveryOtlpProtobufSeed) {
  EXPECT_GT(replay("otlp_protobuf",
                   [](std::string_view body) { return otlp_families(exposition::otlp::decode_protobuf(body)); }),
            0U);
}

TEST(PushInvariant, HoldsForEveryOtlpJsonSeed) {
  EXPECT_GT(replay("otlp_json", [](std::string_view body) { return otlp_families(exposition::otlp::decode_json(body)); }),
            0U);
}

// make_otlp_seeds.py writes each case in both encodings: they must mean the same.
TEST(OtlpSeeds, EachCaseTranslatesAlikeFromProtobufAndFromJson) {
  const std::filesystem::path corpus(FLOWGATE_FUZZ_CORPUS_DIR);
  std::size_t compared = 0;
  for (const auto& entry : std::filesystem::directory_iterator(corpus / "otlp_protobuf")) {
    const auto json_path = corpus / "otlp_json" / entry.path().filename();
    if (!std::filesystem::exists(json_path)) continue;
    auto from_protobuf = otlp_families(exposition::otlp::decode_protobuf(read_file(entry.path())));
    auto from_json = otlp_families(exposition::otlp::decode_json(read_file(json_path)));
    ASSERT_TRUE(from_protobuf) << entry.path() << ": " << from_protobuf.error().message;
    ASSERT_TRUE(from_json) << json_path << ": " << from_json.error().message;
    EXPECT_TRUE(exposition::identical(*from_protobuf, *from_json)) << entry.path().filename();
    ++compared;
  }
  EXPECT_GE(compared, 10U);
}

// Else the invariant above would hold trivially for a translation the store refuses.
TEST(OtlpSeeds, EveryTranslatedSeedIsAcceptedByTheStore) {
  const std::filesystem::path corpus(FLOWGATE_FUZZ_CORPUS_DIR);
  for (const auto& entry : std::filesystem::directory_iterator(corpus / "otlp_protobuf")) {
    auto families = otlp_families(exposition::otlp::decode_protobuf(read_file(entry.path())));
    ASSERT_TRUE(families) << entry.path();
    pushgw::GroupStore store{pushgw::StoreOptions{}};
    auto key = pushgw::parse_grouping_key("job/otlp");
    ASSERT_TRUE(key);
    auto pushed = store.push(pushgw::PushMode::replace_group, std::move(*key), std::move(*families), 1700000000);
    EXPECT_TRUE(pushed) << entry.path().filename() << ": " << (pushed ? "" : pushed.error().message);
  }
}

// The store accepts this push, so the whole check runs on it.
TEST(PushInvariant, HoldsForAnOrdinaryPush) {
  auto families = exposition::parse_text("# TYPE tasks_total counter\ntasks_total{flow=\"etl\"} 3\n");
  ASSERT_TRUE(families);
  EXPECT_EQ(push_invariant_violation(std::move(*families)), std::nullopt);
}

}  // namespace
}  // namespace flowgate::fuzz
