// The assembler: one header per family, then the blocks, without copying them.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "exposition/assembler.hpp"
#include "exposition/writer.hpp"
#include "tests/support/family_generator.hpp"

namespace flowgate::exposition {
namespace {

std::string joined(const AssembledBody& body) {
  std::string out;
  for (const std::string_view piece : body.pieces) out += piece;
  return out;
}

Family gauge(std::string name, std::string value) {
  Metric metric;
  metric.labels = {{"group", std::move(value)}};
  metric.value = 1;
  return Family{std::move(name), "Help.", MetricType::gauge, "", {metric}};
}

struct Blocks {
  std::vector<std::string> storage;
  std::vector<FamilyBlocks> families;
};

// Two groups that both have family "a", and one that has "b".
Blocks two_groups(Format format) {
  Blocks blocks;
  blocks.storage.resize(3);
  write_samples(format, gauge("a", "1"), blocks.storage[0]);
  write_samples(format, gauge("a", "2"), blocks.storage[1]);
  write_samples(format, gauge("b", "1"), blocks.storage[2]);
  blocks.families.push_back(FamilyBlocks{FamilyHeader{"a", "Help.", MetricType::gauge, ""},
                                         {blocks.storage[0], blocks.storage[1]}});
  blocks.families.push_back(FamilyBlocks{FamilyHeader{"b", "Help.", MetricType::gauge, ""}, {blocks.storage[2]}});
  return blocks;
}

TEST(Assembler, WritesOneHeaderPerFamilyThenItsBlocks) {
  const Blocks blocks = two_groups(Format::text);
  const AssembledBody body = assemble(Format::text, blocks.families);
  EXPECT_EQ(joined(body),
            "# HELP a Help.\n# TYPE a gauge\na{group=\"1\"} 1\na{group=\"2\"} 1\n# HELP b Help.\n# TYPE b gauge\n"
            "b{group=\"1\"} 1\n");
  EXPECT_EQ(body.size(), joined(body).size());
}

TEST(Assembler, PointsIntoTheBlocksInsteadOfCopyingThem) {
  const Blocks blocks = two_groups(Format::text);
  const AssembledBody body = assemble(Format::text, blocks.families);
  ASSERT_EQ(body.pieces.size(), 5u);
  EXPECT_EQ(body.pieces[1].data(), blocks.storage[0].data());
  EXPECT_EQ(body.pieces[2].data(), blocks.storage[1].data());
  EXPECT_EQ(body.pieces[4].data(), blocks.storage[2].data());
}

TEST(Assembler, PiecesStayValidWhenTheBodyIsMoved) {
  const Blocks blocks = two_groups(Format::text);
  AssembledBody body = assemble(Format::text, blocks.families);
  const std::string before = joined(body);
  const AssembledBody moved = std::move(body);
  EXPECT_EQ(joined(moved), before);
}

TEST(Assembler, EndsOpenMetricsWithEof) {
  const Blocks blocks = two_groups(Format::openmetrics);
  const std::string body = joined(assemble(Format::openmetrics, blocks.families));
  EXPECT_TRUE(body.ends_with("b{group=\"1\"} 1.0\n# EOF\n")) << body;
  EXPECT_EQ(assemble(Format::openmetrics, {}).pieces.size(), 1u);
}

TEST(Assembler, EqualsWriteForOneBlockPerFamily) {
  const Families families = test_support::generate_families(5, 40);
  for (const Format format : {Format::text, Format::openmetrics, Format::protobuf}) {
    std::vector<std::string> storage(families.size());
    std::vector<FamilyBlocks> blocks;
    for (std::size_t i = 0; i < families.size(); ++i) {
      write_samples(format, families[i], storage[i]);
      blocks.push_back(FamilyBlocks{
          FamilyHeader{families[i].name, families[i].help, families[i].type, families[i].unit}, {storage[i]}});
    }
    EXPECT_EQ(joined(assemble(format, blocks)), write(format, families)) << static_cast<int>(format);
  }
}

TEST(Assembler, EmptyInputGivesEmptyTextBody) { EXPECT_EQ(assemble(Format::text, {}).size(), 0u); }

}  // namespace
}  // namespace flowgate::exposition
