#include "collectors/prefect/prefect_state_file.hpp"

#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/collectors/prefect/recorded_poll.hpp"

namespace flowgate::collectors::prefect {
namespace {

using namespace std::chrono_literals;
using testing::recorded_poll;

constexpr std::string_view kUrl = "http://127.0.0.1:4200/api";

// A folder of its own under the test's temporary directory, removed after.
class TempFolder {
 public:
  TempFolder() {
    std::string pattern = (std::filesystem::temp_directory_path() / "prefect-state-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

void write_text(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

PrefectState counted_state() {
  PrefectState state = build_families({}, recorded_poll(), {}).state;
  state.latest_failures.push_back({{"f", "d", "run", "name", "Failed", "ValueError"}});
  return state;
}

TEST(PrefectStateFile, RoundTripsEveryCounterHistogramWatermarkAndSeenRun) {
  const PrefectState state = counted_state();
  ASSERT_FALSE(state.flow_run_durations.empty());
  ASSERT_FALSE(state.task_run_retries.empty());
  const auto restored = state_from_json(state_to_json(state, kUrl, {}), kUrl, {});
  ASSERT_TRUE(restored) << restored.error().message;
  EXPECT_TRUE(restored->restored);
  EXPECT_FALSE(restored->seeded);  // the seed is read again and taken as a floor
  EXPECT_EQ(restored->watermark, state.watermark);
  EXPECT_EQ(restored->task_watermark, state.task_watermark);
  EXPECT_EQ(restored->flow_runs_finished, state.flow_runs_finished);
  EXPECT_EQ(restored->flow_run_failures, state.flow_run_failures);
  EXPECT_EQ(restored->task_runs_finished, state.task_runs_finished);
  EXPECT_EQ(restored->task_run_retries, state.task_run_retries);
  ASSERT_EQ(restored->flow_run_durations.size(), state.flow_run_durations.size());
  for (const auto& [labels, histogram] : state.flow_run_durations) {
    const auto& loaded = restored->flow_run_durations.at(labels);
    EXPECT_EQ(loaded.bucket_counts, histogram.bucket_counts);
    EXPECT_EQ(loaded.count, histogram.count);
    EXPECT_EQ(loaded.sum, histogram.sum);  // exact: doubles are written to round-trip
  }
  ASSERT_EQ(restored->latest_failures.size(), state.latest_failures.size());
  EXPECT_EQ(restored->latest_failures.back().labels, state.latest_failures.back().labels);
  EXPECT_EQ(restored->counted_flow_states, state.counted_flow_states);
  EXPECT_EQ(restored->counted_task_states, state.counted_task_states);
}

TEST(PrefectStateFile, RoundTripsTagLabelledCountersAndRefusesAnotherAllowList) {
  auto poll = recorded_poll();
  for (auto& run : poll.finished_flow_runs) run.tags = {"env:prod"};
  ModelOptions model;
  model.tag_labels = {"env", "team"};
  const PrefectState state = build_families({}, poll, model).state;
  const auto text = state_to_json(state, kUrl, model);
  const auto restored = state_from_json(text, kUrl, model);
  ASSERT_TRUE(restored) << restored.error().message;
  EXPECT_EQ(restored->flow_runs_finished, state.flow_runs_finished);
  EXPECT_EQ(restored->flow_run_failures, state.flow_run_failures);
  EXPECT_EQ(restored->flow_run_durations.size(), state.flow_run_durations.size());
  model.tag_labels = {"team", "env"};
  const auto other = state_from_json(text, kUrl, model);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().message, "written with other --prefect.tag-labels");
  EXPECT_FALSE(state_from_json(text, kUrl, {}));
  EXPECT_EQ(state_to_json(counted_state(), kUrl, {}).find("tag_labels"), std::string::npos);
}

TEST(PrefectStateFile, CountsNothingTwiceWhenTheRestoredStateReadsTheSameRunsAgain) {
  const auto first = build_families({}, recorded_poll(), {});
  auto restored = state_from_json(state_to_json(first.state, kUrl, {}), kUrl, {});
  ASSERT_TRUE(restored) << restored.error().message;
  auto again = recorded_poll();
  again.now += 1h;
  const auto second = build_families(*restored, again, {});
  EXPECT_EQ(second.state.flow_runs_finished, first.state.flow_runs_finished);
  EXPECT_EQ(second.state.task_run_retries, first.state.task_run_retries);
  EXPECT_EQ(second.state.task_runs_finished, first.state.task_runs_finished);
}

TEST(PrefectStateFile, RefusesDamagedOrForeignDocumentsWithASentence) {
  const std::string good = state_to_json(counted_state(), kUrl, {});
  ModelOptions other_buckets;
  other_buckets.duration_buckets = {1, 10};
  const auto replaced = [](std::string text, const std::string& from, const std::string& to) {
    return text.replace(text.find(from), from.size(), to);
  };
  // A finished-runs label set without its deployment; a negative retry count.
  const auto short_labels = replaced(good, R"([["etl-bad","",)", R"([["etl-bad",)");
  const auto negative = replaced(state_to_json({}, kUrl, {}), R"("task_run_retries":[])", R"("task_run_retries":[[["f"],-1]])");
  const struct {
    std::string text;
    std::string_view url;
    ModelOptions model;
    std::string_view says;
  } cases[] = {
      {good.substr(0, good.size() / 2), kUrl, {}, "not JSON"},
      {"", kUrl, {}, "not JSON"},
      {R"({"groups":[]})", kUrl, {}, "not a flowgate Prefect state file"},
      {"[1,2]", kUrl, {}, "not a flowgate Prefect state file"},
      {R"({"format":"flowgate-prefect-state","version":99})", kUrl, {}, "another version"},
      {good, "https://api.prefect.cloud/api/accounts/a/workspaces/b", {}, "another Prefect API URL"},
      {good, kUrl, other_buckets, "other duration buckets"},
      {short_labels, kUrl, {}, "does not have 4 values"},
      {negative, kUrl, {}, "is not a count"},
  };
  for (const auto& c : cases) {
    const auto state = state_from_json(c.text, c.url, c.model);
    ASSERT_FALSE(state) << c.text;
    EXPECT_NE(state.error().message.find(c.says), std::string::npos) << state.error().message;
  }
}

TEST(PrefectStateFile, StartsFreshWithoutAWarningWhenTheFileIsMissing) {
  TempFolder folder;
  const auto loaded = load_state_file(folder.file("prefect-state.json"), kUrl, {});
  EXPECT_FALSE(loaded.state);
  EXPECT_EQ(loaded.warning, "");
}

TEST(PrefectStateFile, StartsFreshWithAWarningWhenTheFileIsDamagedOrForAnotherUrl) {
  TempFolder folder;
  const auto path = folder.file("prefect-state.json");
  write_text(path, "{\"format\":\"flowgate-prefect-state\",\"vers");
  auto loaded = load_state_file(path, kUrl, {});
  EXPECT_FALSE(loaded.state);
  EXPECT_NE(loaded.warning.find("ignoring the Prefect state file " + path + ": not JSON"), std::string::npos)
      << loaded.warning;
  write_text(path, state_to_json(counted_state(), "http://other:4200/api", {}));
  loaded = load_state_file(path, kUrl, {});
  EXPECT_FALSE(loaded.state);
  EXPECT_NE(loaded.warning.find("another Prefect API URL"), std::string::npos) << loaded.warning;
}

TEST(PrefectStateFile, ReplacesTheFileWholeAndLeavesNoTemporaryFileBehind) {
  TempFolder folder;
  const auto path = folder.file("data/prefect-state.json");  // the folder is created
  const PrefectState state = counted_state();
  ASSERT_TRUE(write_state_file(path, "old"));
  ASSERT_TRUE(write_state_file(path, state_to_json(state, kUrl, {})));
  const auto loaded = load_state_file(path, kUrl, {});
  ASSERT_TRUE(loaded.state) << loaded.warning;
  EXPECT_EQ(loaded.state->flow_runs_finished, state.flow_runs_finished);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
}

TEST(PrefectStateFile, ReportsAFolderItCannotWriteIn) {
  TempFolder folder;
  write_text(folder.file("not-a-folder"), "");
  const auto written = write_state_file(folder.file("not-a-folder/prefect-state.json"), "{}");
  ASSERT_FALSE(written);
  EXPECT_NE(written.error().message.find("cannot create"), std::string::npos) << written.error().message;
}

}  // namespace
}  // namespace flowgate::collectors::prefect
