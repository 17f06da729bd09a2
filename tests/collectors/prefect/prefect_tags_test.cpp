#include "collectors/prefect/prefect_tags.hpp"

#include <algorithm>

#include <gtest/gtest.h>

#include "collectors/prefect/prefect_model.hpp"
#include "tests/collectors/prefect/recorded_poll.hpp"

namespace flowgate::collectors::prefect {
namespace {

using Strings = std::vector<std::string>;

TEST(PrefectTagLabels, SplitsTheAllowListAtCommasAndTrims) {
  EXPECT_EQ(split_tag_labels(" env, team ,,x"), (Strings{"env", "team", "x"}));
  EXPECT_TRUE(split_tag_labels("").empty());
}

TEST(PrefectTagLabels, RefusesAnEntryThatCannotBePartOfALabelName) {
  EXPECT_FALSE(check_tag_labels({"env", "team_2"}));
  const auto dash = check_tag_labels({"env", "cost-center"});
  ASSERT_TRUE(dash);
  EXPECT_NE(dash->find("\"cost-center\" cannot follow tag_"), std::string::npos) << *dash;
  const auto twice = check_tag_labels({"env", "env"});
  ASSERT_TRUE(twice);
  EXPECT_NE(twice->find("given twice"), std::string::npos) << *twice;
}

TEST(PrefectTagLabels, TakesKeyValueTagsAndBareTagsOfAllowedKeysOnly) {
  TagLabelState state;
  EXPECT_EQ(tag_label_values({"env:prod:eu", "critical", "owner:ann", "env:dev"}, {"env", "critical", "team"}, 20, state),
            (Strings{"prod:eu", "true", ""}));
  EXPECT_TRUE(state.refused.empty());
}

TEST(PrefectTagLabels, KeepsLabelValuesAsTheyAreWhenTheyAreValidUtf8) {
  TagLabelState state;
  EXPECT_EQ(tag_label_values({"env:\"q\\uoted\"\nnext é"}, {"env"}, 20, state), (Strings{"\"q\\uoted\"\nnext é"}));
}

TEST(PrefectTagLabels, SkipsAndCountsOnceAValueThatIsNotUtf8) {
  TagLabelState state;
  const Strings tags{"env:bad\xff", "team:data"};
  EXPECT_EQ(tag_label_values(tags, {"env", "team"}, 20, state), (Strings{"", "data"}));
  EXPECT_EQ(tag_label_values(tags, {"env", "team"}, 20, state), (Strings{"", "data"}));
  EXPECT_EQ(state.refused["invalid_utf8"], 1);
  EXPECT_NE(state.last_refusal.find("env:bad\\xff"), std::string::npos) << state.last_refusal;
  EXPECT_NE(state.last_refusal.find("not valid UTF-8"), std::string::npos) << state.last_refusal;
}

TEST(PrefectTagLabels, ReadsOtherPastTheLimitOfDistinctValues) {
  TagLabelState state;
  EXPECT_EQ(tag_label_values({"env:a"}, {"env"}, 2, state), Strings{"a"});
  EXPECT_EQ(tag_label_values({"env:b"}, {"env"}, 2, state), Strings{"b"});
  EXPECT_EQ(tag_label_values({"env:c"}, {"env"}, 2, state), Strings{"other"});
  EXPECT_EQ(tag_label_values({"env:a"}, {"env"}, 2, state), Strings{"a"});
  EXPECT_EQ(state.refused["over_limit"], 1);
  EXPECT_NE(state.last_refusal.find("--prefect.tag-values-limit"), std::string::npos) << state.last_refusal;
}

const prometheus::ClientMetric* sample(const MetricFamilies& families, const std::string& name,
                                       const std::vector<std::pair<std::string, std::string>>& want) {
  for (const auto& family : families) {
    if (family.name != name) continue;
    for (const auto& metric : family.metric) {
      const bool match = std::all_of(want.begin(), want.end(), [&](const auto& w) {
        return std::any_of(metric.label.begin(), metric.label.end(),
                           [&](const auto& l) { return l.name == w.first && l.value == w.second; });
      });
      if (match) return &metric;
    }
  }
  return nullptr;
}

TEST(PrefectModelTags, SplitsTheFlowRunFamiliesByTheRunsTagValues) {
  auto poll = testing::recorded_poll();
  for (auto& run : poll.finished_flow_runs) run.tags = {run.state.type == "FAILED" ? "env:prod" : "env:dev", "x:y"};
  for (auto& run : poll.current_flow_runs) run.tags = {"env:prod"};
  poll.deployments.front().tags = {"env:prod", "team:data"};
  ModelOptions options;
  options.tag_labels = {"env", "team"};
  const auto outcome = build_families({}, poll, options);
  const auto* failed = sample(outcome.families, "prefect_flow_runs_finished_total", {{"state_type", "FAILED"}});
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ(failed->label.size(), 6u);
  EXPECT_NE(sample(outcome.families, "prefect_flow_runs_finished_total", {{"state_type", "FAILED"}, {"tag_env", "prod"}, {"tag_team", ""}}), nullptr);
  EXPECT_NE(sample(outcome.families, "prefect_flow_runs_finished_total", {{"state_type", "CRASHED"}, {"tag_env", "dev"}}), nullptr);
  EXPECT_NE(sample(outcome.families, "prefect_flow_run_failures_total", {{"tag_env", "prod"}}), nullptr);
  EXPECT_NE(sample(outcome.families, "prefect_flow_run_duration_seconds", {{"tag_env", "dev"}}), nullptr);
  EXPECT_NE(sample(outcome.families, "prefect_flow_runs", {{"state_type", "RUNNING"}, {"tag_env", "prod"}}), nullptr);
  EXPECT_NE(sample(outcome.families, "prefect_info_deployment", {{"tag_env", "prod"}, {"tag_team", "data"}}), nullptr);
  const auto* refused = sample(outcome.families, "flowgate_prefect_tags_refused_total", {{"reason", "invalid_utf8"}});
  ASSERT_NE(refused, nullptr);
  EXPECT_EQ(refused->counter.value, 0);
}

TEST(PrefectModelTags, AddsNoLabelAndNoFamilyWithoutAnAllowList) {
  auto poll = testing::recorded_poll();
  for (auto& run : poll.finished_flow_runs) run.tags = {"env:prod"};
  const auto outcome = build_families({}, poll, {});
  const auto* failed = sample(outcome.families, "prefect_flow_runs_finished_total", {{"state_type", "FAILED"}});
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ(failed->label.size(), 4u);
  EXPECT_EQ(sample(outcome.families, "flowgate_prefect_tags_refused_total", {}), nullptr);
}

TEST(PrefectModelTags, CountsARunWhoseTagIsNotUtf8WithTheOtherTagsAndTheRefusal) {
  auto poll = testing::recorded_poll();
  for (auto& run : poll.finished_flow_runs) run.tags = {"env:\xc3", "team:data"};
  ModelOptions options;
  options.tag_labels = {"env", "team"};
  const auto outcome = build_families({}, poll, options);
  EXPECT_NE(sample(outcome.families, "prefect_flow_runs_finished_total", {{"state_type", "FAILED"}, {"tag_env", ""}, {"tag_team", "data"}}), nullptr);
  const auto* refused = sample(outcome.families, "flowgate_prefect_tags_refused_total", {{"reason", "invalid_utf8"}});
  ASSERT_NE(refused, nullptr);
  EXPECT_EQ(refused->counter.value, 1);
}

}  // namespace
}  // namespace flowgate::collectors::prefect
