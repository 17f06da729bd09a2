#include "pushgw/group_store.hpp"

#include <bit>
#include <string>

#include <gtest/gtest.h>

#include "exposition/assembler.hpp"
#include "exposition/gzip.hpp"
#include "exposition/protobuf_parser.hpp"
#include "pushgw/group.hpp"
#include "pushgw/snapshot.hpp"
#include "tests/pushgw/store_testing.hpp"

namespace flowgate::pushgw {
namespace {

using testing::key;
using testing::post;
using testing::put;
using testing::scrape;
using testing::text;

constexpr std::string_view kGauges100 =
    "# HELP push_failure_time_seconds Last Unix time when changing this group in the Pushgateway failed.\n"
    "# TYPE push_failure_time_seconds gauge\n"
    "push_failure_time_seconds{instance=\"\",job=\"j\"} 0\n"
    "# HELP push_time_seconds Last Unix time when changing this group in the Pushgateway succeeded.\n"
    "# TYPE push_time_seconds gauge\n"
    "push_time_seconds{instance=\"\",job=\"j\"} 100\n";

std::vector<std::string> family_names(const Group& group) {
  std::vector<std::string> names;
  for (const auto& family : group.families) names.push_back(family->name);
  return names;
}

TEST(GroupStore, RemoveMatchingRemovesOnlyTheMatchingGroupsAndADryRunNone) {
  GroupStore store({});
  ASSERT_TRUE(put(store, "job/a/instance/1", "m 1\n"));
  ASSERT_TRUE(put(store, "job/a/instance/2", "m 1\n"));
  ASSERT_TRUE(put(store, "job/b", "m 1\n"));
  const auto is_job_a = [](const GroupingKey& k) { return k.labels.back().value == "a"; };
  const auto dry = store.remove_matching(is_job_a, true);
  EXPECT_EQ(dry.removed.size(), 2u);
  EXPECT_EQ(store.snapshot()->group_count(), 3u);
  const auto removal = store.remove_matching(is_job_a, false);
  ASSERT_FALSE(removal.error);
  ASSERT_EQ(removal.removed.size(), 2u);
  EXPECT_EQ(removal.removed[0], key("job/a/instance/1"));
  EXPECT_EQ(store.snapshot()->group_count(), 1u);
  // The index forgot them: a conflicting type is fine once the groups are gone.
  EXPECT_TRUE(put(store, "job/c", "# TYPE m counter\nm 1\n").has_error());  // job/b still holds m untyped
  ASSERT_TRUE(store.remove(key("job/b")));
  EXPECT_TRUE(put(store, "job/c", "# TYPE m counter\nm 1\n"));
}

TEST(GroupStore, PutStoresSanitizedSeriesAndBothPushTimeGauges) {
  GroupStore store({});
  ASSERT_TRUE(put(store, "job/j", "# HELP a Help of a.\n# TYPE a counter\na 1\n"));
  EXPECT_EQ(scrape(store), "# HELP a Help of a.\n# TYPE a counter\na{instance=\"\",job=\"j\"} 1\n" + std::string(kGauges100));
}

TEST(GroupStore, PutReplacesTheWholeGroup) {
  GroupStore store({});
  ASSERT_TRUE(put(store, "job/j", "a 1\nb 2\n"));
  ASSERT_TRUE(put(store, "job/j", "c 3\n", 200));
  const Group* group = store.snapshot()->find(key("job/j").id());
  ASSERT_NE(group, nullptr);
  EXPECT_EQ(family_names(*group), (std::vector<std::string>{"c", "push_failure_time_seconds", "push_time_seconds"}));
  EXPECT_EQ(group->push_time_seconds, 200);
}

TEST(GroupStore, PostReplacesOnlyThePushedFamilies) {
  GroupStore store({});
  ASSERT_TRUE(put(store, "job/j", "a{x=\"1\"} 1\na{x=\"2\"} 2\nb 2\n"));
  ASSERT_TRUE(post(store, "job/j", "a{x=\"3\"} 3\n", 200));
  const std::string body = scrape(store);
  EXPECT_EQ(body.find("x=\"1\""), std::string::npos);
  EXPECT_NE(body.find("a{instance=\"\",job=\"j\",x=\"3\"} 3\n"), std::string::npos);
  EXPECT_NE(body.find("b{instance=\"\",job=\"j\"} 2\n"), std::string::npos);
  EXPECT_NE(body.find("push_time_seconds{instance=\"\",job=\"j\"} 200\n"), std::string::npos);
}

TEST(GroupStore, EmptyPutKeepsTheGroupWithOnlyItsPushTimeGauges) {
  GroupStore store({});
  ASSERT_TRUE(put(store, "job/j", "a 1\n", 50));
  ASSERT_TRUE(put(store, "job/j", "", 100));
  EXPECT_EQ(scrape(store), kGauges100);
}

TEST(GroupStore, EmptyPostOnlyRefreshesPushTime) {
  GroupStore store({});
  ASSERT_TRUE(put(store, "job/j", "a 1\n", 50));
  ASSERT_TRUE(post(store, "job/j", "", 100));
  EXPECT_EQ(scrape(store), "# TYPE a untyped\na{instance=\"\",job=\"j\"} 1\n" + std::string(kGauges100));
}

TEST(GroupStore, DeleteRemovesTheGroupAndItsGauges) {
  GroupStore store({});
  ASSERT_TRUE(put(store, "job/j", "a 1\n"));
  ASSERT_TRUE(put(store, "job/k", "a 2\n"));
  store.remove(key("job/j"));
  EXPECT_EQ(store.snapshot()->group_count(), 1u);
  EXPECT_EQ(scrape(store).find("job=\"j\""), std::string::npos);
}

TEST(GroupStore, DeleteOfAMissingGroupChangesNothing) {
  GroupStore store({});
  ASSERT_TRUE(put(store, "job/j", "a 1\n"));
  const auto before = store.snapshot();
  store.remove(key("job/nope"));
  EXPECT_EQ(store.snapshot(), before);
}

TEST(GroupStore, WipeRemovesEveryGroupAtOnce) {
  GroupStore store({});
  ASSERT_TRUE(put(store, "job/j", "a 1\n"));
  ASSERT_TRUE(put(store, "job/k", "a 2\n"));
  store.wipe();
  EXPECT_EQ(store.snapshot()->group_count(), 0u);
  EXPECT_EQ(scrape(store), "");
  ASSERT_TRUE(put(store, "job/j", "a{x=\"new\"} 1\n"));  // the index was wiped too
}

TEST(GroupStore, GroupingLabelsOverrideBodyLabelsAndAreAppendedWhenMissing) {
  GroupStore store({});
  ASSERT_TRUE(put(store, "job/j2/instance/inst", "m{job=\"other\",instance=\"i9\",zz=\"z\"} 1\n"));
  EXPECT_NE(scrape(store).find("m{instance=\"inst\",job=\"j2\",zz=\"z\"} 1\n"), std::string::npos);
}

TEST(GroupStore, BodyInstanceIsKeptPerSeriesWhenTheKeyHasNone) {
  GroupStore store({});
  ASSERT_TRUE(put(store, "job/j", "m1{instance=\"a\"} 1\nm1{instance=\"b\"} 2\nm2 3\n"));
  const std::string body = scrape(store);
  EXPECT_NE(body.find("m1{instance=\"a\",job=\"j\"} 1\nm1{instance=\"b\",job=\"j\"} 2\n"), std::string::npos);
  EXPECT_NE(body.find("m2{instance=\"\",job=\"j\"} 3\n"), std::string::npos);
}

TEST(GroupStore, SeriesAreOrderedByLabelCountThenValues) {
  GroupStore store({});
  ASSERT_TRUE(put(store, "job/j", "m{b=\"2\",a=\"z\"} 1\nm{b=\"1\"} 2\nm{a=\"y\",b=\"3\"} 3\n"));
  EXPECT_NE(scrape(store).find("m{b=\"1\",instance=\"\",job=\"j\"} 2\n"
                               "m{a=\"y\",b=\"3\",instance=\"\",job=\"j\"} 3\n"
                               "m{a=\"z\",b=\"2\",instance=\"\",job=\"j\"} 1\n"),
            std::string::npos);
}

TEST(GroupStore, RejectsTimestampsEvenWithTheCheckOff) {
  for (bool check : {true, false}) {
    GroupStore store(check ? StoreOptions{} : testing::unchecked());
    const auto pushed = put(store, "job/j", "a 1 1000\n");
    ASSERT_FALSE(pushed);
    EXPECT_EQ(pushed.error().kind, PushErrorKind::has_timestamp);
    EXPECT_EQ(pushed.error().message, "pushed metrics must not have timestamps");
  }
}

TEST(GroupStore, RejectedFirstPushCreatesTheGroupWithBothGauges) {
  GroupStore store({});
  ASSERT_FALSE(put(store, "job/j", "a 1 1000\n", 100));
  EXPECT_EQ(scrape(store),
            "# HELP push_failure_time_seconds Last Unix time when changing this group in the Pushgateway failed.\n"
            "# TYPE push_failure_time_seconds gauge\n"
            "push_failure_time_seconds{instance=\"\",job=\"j\"} 100\n"
            "# HELP push_time_seconds Last Unix time when changing this group in the Pushgateway succeeded.\n"
            "# TYPE push_time_seconds gauge\n"
            "push_time_seconds{instance=\"\",job=\"j\"} 0\n");
  EXPECT_FALSE(store.snapshot()->find(key("job/j").id())->last_push_successful());
}

TEST(GroupStore, RejectedPushChangesNothingButPushFailureTime) {
  GroupStore store({});
  ASSERT_TRUE(put(store, "job/j", "# TYPE a counter\na 1\n", 100));
  ASSERT_TRUE(put(store, "job/k", "b 2\n", 100));
  const std::string before = scrape(store);
  const auto held = store.snapshot();
  ASSERT_FALSE(put(store, "job/k", "# TYPE a gauge\na 3\n", 300));
  // The snapshot a reader held is untouched, byte for byte.
  EXPECT_EQ(scrape(*held), before);
  std::string expected = before;
  const std::string old_line = "push_failure_time_seconds{instance=\"\",job=\"k\"} 0\n";
  expected.replace(expected.find(old_line), old_line.size(), "push_failure_time_seconds{instance=\"\",job=\"k\"} 300\n");
  EXPECT_EQ(scrape(store), expected);
  // And a later successful push keeps the failure time.
  ASSERT_TRUE(put(store, "job/k", "b 4\n", 400));
  const Group* group = store.snapshot()->find(key("job/k").id());
  EXPECT_EQ(group->push_failure_time_seconds, 300);
  EXPECT_EQ(group->push_time_seconds, 400);
  EXPECT_TRUE(group->last_push_successful());
}

TEST(GroupStore, PushedPushTimeFamiliesAreOverwritten) {
  GroupStore store({});
  ASSERT_TRUE(put(store, "job/j", "# TYPE push_time_seconds counter\npush_time_seconds 7\n", 100));
  EXPECT_EQ(scrape(store), kGauges100);
}

TEST(GroupStore, ASnapshotHeldByAReaderSurvivesLaterPushes) {
  GroupStore store({});
  ASSERT_TRUE(put(store, "job/j", "a 1\n"));
  const auto held = store.snapshot();
  const std::string before = scrape(*held);
  ASSERT_TRUE(put(store, "job/j", "a 2\n"));
  store.wipe();
  EXPECT_EQ(scrape(*held), before);
  EXPECT_LT(held->version(), store.snapshot()->version());
}

TEST(GroupStore, FamiliesAreMergedByNameWithGroupsInKeyOrder) {
  GroupStore store({});
  ASSERT_TRUE(put(store, "job/b", "# HELP m from b\nm 2\n"));
  ASSERT_TRUE(put(store, "job/a", "m 1\nz 1\n"));
  const auto& merged = store.snapshot()->merged(exposition::Format::text);
  std::vector<std::string> names;
  for (const auto& family : merged) names.emplace_back(family.header.name);
  EXPECT_EQ(names, (std::vector<std::string>{"m", "push_failure_time_seconds", "push_time_seconds", "z"}));
  ASSERT_EQ(merged[0].sample_blocks.size(), 2u);
  EXPECT_EQ(merged[0].sample_blocks[0], "m{instance=\"\",job=\"a\"} 1\n");
  EXPECT_EQ(merged[0].sample_blocks[1], "m{instance=\"\",job=\"b\"} 2\n");
  // Group a has no HELP; the first non-empty HELP in key order is taken.
  EXPECT_EQ(merged[0].header.help, "from b");
}

TEST(GroupStore, HelpIsTheFirstInKeyOrderWhenGroupsDisagree) {
  GroupStore store({});
  ASSERT_TRUE(put(store, "job/b", "# HELP m from b\nm 2\n"));
  ASSERT_TRUE(put(store, "job/a", "# HELP m from a\nm 1\n"));
  EXPECT_EQ(store.snapshot()->merged(exposition::Format::text)[0].header.help, "from a");
}

TEST(GroupStore, FamilyBlocksAreCachedPerSnapshot) {
  GroupStore store({});
  ASSERT_TRUE(put(store, "job/a", "m 1\n"));
  const auto snapshot = store.snapshot();
  EXPECT_EQ(&snapshot->merged(exposition::Format::text), &snapshot->merged(exposition::Format::text));
  EXPECT_EQ(family_blocks(*snapshot, exposition::Format::text).size(), 3u);
}

TEST(GroupStore, GzipScrapeOfDeflatedBlocksInflatesToThePlainScrape) {
  GroupStore store({});
  std::string big;  // big enough to be joined deflated; the other blocks are compressed per body
  for (int i = 0; big.size() < 2 * exposition::kSmallestJoinedBlock; ++i) big += "m{i=\"" + std::to_string(i) + "\"} 2\n";
  ASSERT_TRUE(put(store, "job/b", big));
  ASSERT_TRUE(put(store, "job/a", "m 1\nz 1\n"));
  const auto snapshot = store.snapshot();
  for (const auto format : {exposition::Format::text, exposition::Format::openmetrics, exposition::Format::protobuf}) {
    const auto& merged = snapshot->merged_deflated(format);
    std::size_t joined = 0;
    for (const auto& family : merged) {
      ASSERT_EQ(family.deflated_blocks.size(), family.sample_blocks.size());
      for (const auto* block : family.deflated_blocks) joined += block != nullptr ? 1 : 0;
    }
    EXPECT_EQ(joined, 1u);
    std::string plain;
    for (auto piece : exposition::assemble(format, snapshot->merged(format)).pieces) plain += piece;
    std::string compressed;
    for (auto piece : exposition::assemble_gzip(format, merged).pieces) compressed += piece;
    auto inflated = exposition::gunzip(compressed, 1 << 20);
    ASSERT_TRUE(inflated.has_value()) << inflated.error().message;
    EXPECT_EQ(*inflated, plain);
  }
}

TEST(GroupStore, OpenMetricsBlockEqualToTheTextBlockIsNotKeptTwice) {
  GroupStore store({});
  ASSERT_TRUE(put(store, "job/a", "# TYPE g gauge\ng 1.5\n"));  // OpenMetrics writes 1 as 1.0
  const StoredFamily* gauge = store.snapshot()->find(key("job/a").id())->find("g");
  ASSERT_NE(gauge, nullptr);
  EXPECT_EQ(gauge->block(exposition::Format::openmetrics).data(), gauge->text_block.data());
}

TEST(GroupStore, ProtobufAndOpenMetricsScrapesCarryTheSameFamilies) {
  GroupStore store({});
  ASSERT_TRUE(put(store, "job/a", "# TYPE m counter\nm 1\n"));
  const auto snapshot = store.snapshot();
  const auto protobuf = testing::value_or_fail(exposition::parse_protobuf(scrape(*snapshot, exposition::Format::protobuf)));
  ASSERT_EQ(protobuf.size(), 3u);
  EXPECT_EQ(protobuf[0].name, "m");
  const std::string openmetrics = scrape(*snapshot, exposition::Format::openmetrics);
  EXPECT_NE(openmetrics.find("m_total{instance=\"\",job=\"a\"} 1"), std::string::npos) << openmetrics;
}

TEST(GroupStore, CountsGroupsAndSeries) {
  GroupStore store({});
  ASSERT_TRUE(put(store, "job/a", "m 1\nn{x=\"1\"} 1\nn{x=\"2\"} 1\n"));
  ASSERT_TRUE(put(store, "job/b", "m 1\n"));
  EXPECT_EQ(store.snapshot()->group_count(), 2u);
  EXPECT_EQ(store.snapshot()->series_count(), 4u + 4u);  // 4 pushed + 2 gauges per group
  std::size_t bytes = 0;
  for (const auto& group : store.snapshot()->groups()) bytes += group->block_bytes();
  EXPECT_EQ(store.snapshot()->block_bytes(), bytes);
  store.remove(key("job/a"));
  ASSERT_TRUE(put(store, "job/b", "m 2\n"));
  EXPECT_EQ(store.snapshot()->series_count(), 3u);
  EXPECT_EQ(store.snapshot()->block_bytes(), store.snapshot()->groups()[0]->block_bytes());
}

}  // namespace
}  // namespace flowgate::pushgw
