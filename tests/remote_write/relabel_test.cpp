#include <gtest/gtest.h>

#include "remote_write/relabel.hpp"

namespace flowgate::remote_write {
namespace {

using exposition::Labels;

RelabelRule rule(RelabelAction action, std::vector<std::string> sources, std::string regex,
                 std::string target = {}, std::string replacement = "$1") {
  RelabelRule made;
  made.action = action;
  made.source_labels = std::move(sources);
  made.regex = std::move(regex);
  made.target_label = std::move(target);
  made.replacement = std::move(replacement);
  return made;
}

Labels series() { return {{"__name__", "go_goroutines"}, {"instance", "w1:9091"}, {"job", "scraper"}}; }

TEST(Relabeler, KeepAndDropMatchTheWholeJoinedValue) {
  Relabeler drop_go({rule(RelabelAction::drop, {"__name__"}, "go_.*")});
  Labels labels = series();
  EXPECT_FALSE(drop_go.apply(labels));
  Relabeler drop_prefix_only({rule(RelabelAction::drop, {"__name__"}, "go")});
  labels = series();
  EXPECT_TRUE(drop_prefix_only.apply(labels));  // anchored: "go" is not the whole name
  Relabeler keep_joined({rule(RelabelAction::keep, {"job", "instance"}, "scraper;w1:.*")});
  labels = series();
  EXPECT_TRUE(keep_joined.apply(labels));
  Relabeler keep_other({rule(RelabelAction::keep, {"job"}, "etl")});
  labels = series();
  EXPECT_FALSE(keep_other.apply(labels));
}

TEST(Relabeler, ReplaceExpandsGroupsAndAnEmptyResultRemovesTheLabel) {
  Relabeler host({rule(RelabelAction::replace, {"instance"}, "(?P<host>[^:]+):(\\d+)", "host", "${host}-$2")});
  Labels labels = series();
  ASSERT_TRUE(host.apply(labels));
  ASSERT_EQ(labels.size(), 4U);
  EXPECT_EQ(labels[1].name, "host");  // sorted
  EXPECT_EQ(labels[1].value, "w1-9091");
  Relabeler constant({rule(RelabelAction::replace, {}, "(.*)", "replica", "a")});
  labels = series();
  ASSERT_TRUE(constant.apply(labels));
  EXPECT_EQ(labels.back().name, "replica");
  Relabeler clear({rule(RelabelAction::replace, {"nothing"}, "", "job", "")});
  labels = series();
  ASSERT_TRUE(clear.apply(labels));
  EXPECT_EQ(labels.size(), 2U);
}

TEST(Relabeler, LabelActionsWorkOnNames) {
  Relabeler dropper({rule(RelabelAction::labeldrop, {}, "inst.*")});
  Labels labels = series();
  ASSERT_TRUE(dropper.apply(labels));
  EXPECT_EQ(labels.size(), 2U);
  Relabeler keeper({rule(RelabelAction::labelkeep, {}, "__name__|job")});
  labels = series();
  ASSERT_TRUE(keeper.apply(labels));
  EXPECT_EQ(labels.size(), 2U);
  Relabeler mapper({rule(RelabelAction::labelmap, {}, "(job)", {}, "prefect_$1")});
  labels = series();
  ASSERT_TRUE(mapper.apply(labels));
  ASSERT_EQ(labels.size(), 4U);
  EXPECT_EQ(labels[3].name, "prefect_job");
  Relabeler upper({rule(RelabelAction::uppercase, {"job"}, "(.*)", "job_upper")});
  labels = series();
  ASSERT_TRUE(upper.apply(labels));
  EXPECT_EQ(labels.back().value, "SCRAPER");
}

TEST(Relabeler, DollarSignsFollowGosExpand) {
  Relabeler money({rule(RelabelAction::replace, {"job"}, "(s)(.*)", "x", "$$${1}$9$")});
  Labels labels = series();
  ASSERT_TRUE(money.apply(labels));
  EXPECT_EQ(labels.back().value, "$s$");
}

}  // namespace
}  // namespace flowgate::remote_write
