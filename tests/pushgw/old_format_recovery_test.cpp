// A snapshot and log segment written by main before issue 15 (group ids the
// plain 0xFF join, log format 1) recover into the groups main recovered from
// them, minus the group whose grouping key is not UTF-8. The fixture was
// written by main's own code: tests/pushgw/fixtures/old_format holds
// store.db, store.db.wal/00000000000000000002.log and what main's recovery
// made of them (recovered_by_main.txt, one "group" line per group and one
// line per family block, bytes outside printable ASCII as \xNN).
//
// What it holds, in order: groups a, b/i, poison (l="\xFF", created by a
// refused push's recorded failure), victim {x=b,y=c}; the snapshot; then a
// POST, a PUT and DELETE of "gone", a recorded failure of b/i, a PUT of
// t {x=b,y=c}, DELETE job/t/x/b%FFy%FFc (which main applied to {x=b,y=c}),
// another failure of poison and DELETE job/victim/x/b%FFy%FFc.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "pushgw/persistence/recovery.hpp"
#include "pushgw/persistence/write_ahead_log.hpp"
#include "pushgw/snapshot.hpp"
#include "tests/pushgw/store_testing.hpp"

namespace flowgate::pushgw::persistence {
namespace {

using pushgw::testing::key;
using pushgw::testing::put;

std::string escaped(std::string_view bytes) {
  static constexpr std::string_view kHex = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b >= 0x7F || c == '\\') {
      out += "\\x";
      out += kHex[b >> 4];
      out += kHex[b & 0xF];
    } else {
      out += c;
    }
  }
  return out;
}

// The fixture's format (written by the generator that ran on main).
std::string dump(const std::vector<GroupPtr>& groups) {
  std::string out;
  for (const auto& group : groups) {
    out += "group";
    for (const auto& label : group->key.labels) out += " " + label.name + "=" + escaped(label.value);
    out += " push=" + std::to_string(group->push_time_seconds) +
           " failure=" + std::to_string(group->push_failure_time_seconds) + "\n";
    for (const auto& family : group->families) out += "  " + escaped(family->text_block) + "\n";
  }
  return out;
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// `text` without the blocks of groups whose "group" line contains `marker`.
std::string without_groups(std::string_view text, std::string_view marker) {
  std::string out;
  bool skipping = false;
  std::istringstream lines{std::string(text)};
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("group")) skipping = line.find(marker) != std::string::npos;
    if (!skipping) out += line + "\n";
  }
  return out;
}

class OldFormatRecovery : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = std::filesystem::temp_directory_path() / ("pushgw_old_format_" + std::to_string(::getpid()) + "_" +
                                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(folder_);
    std::filesystem::copy(fixture_, folder_, std::filesystem::copy_options::recursive);
  }
  void TearDown() override { std::filesystem::remove_all(folder_); }

  RecoveredStore recover() const {
    auto recovered = recover_store(folder_ / "store.db", folder_ / "store.db.wal");
    EXPECT_TRUE(recovered) << (recovered ? "" : recovered.error().message);
    return recovered ? std::move(*recovered) : RecoveredStore{};
  }

  const std::filesystem::path fixture_ = std::filesystem::path(PUSHGW_FIXTURES_DIR) / "old_format";
  std::filesystem::path folder_;
};

TEST_F(OldFormatRecovery, TheFixtureIsMainsFormat1Log) {
  const std::string segment = read_text(fixture_ / "store.db.wal" / "00000000000000000002.log");
  EXPECT_EQ(segment.substr(0, kLegacySegmentMagic.size()), kLegacySegmentMagic);
  EXPECT_NE(read_text(fixture_ / "recovered_by_main.txt").find("job=poison l=\\xff"), std::string::npos);
}

TEST_F(OldFormatRecovery, RecoversTheGroupsMainRecoveredButTheOneWithANonUtf8Key) {
  const auto recovered = recover();
  EXPECT_EQ(recovered.report.outcome, RecoveryReport::Outcome::clean);
  EXPECT_EQ(recovered.report.invalid_groups_dropped, 1u);
  const std::string expected = without_groups(read_text(fixture_ / "recovered_by_main.txt"), "job=poison");
  EXPECT_EQ(dump(recovered.groups), expected);
  // Main applied DELETE job/victim/x/b%FFy%FFc to {job=victim,x=b,y=c}; so does replay of its log.
  EXPECT_EQ(expected.find("victim"), std::string::npos);
  EXPECT_EQ(expected.find("job=t"), std::string::npos);
}

TEST_F(OldFormatRecovery, ChangesAfterTheUpgradeGoToAFormat2SegmentAndRecoverWithEscapedIds) {
  auto first = recover();
  GroupStore store({});
  store.restore(first.groups);
  LogOptions options;
  options.folder = folder_ / "store.db.wal";
  options.sync = SyncPolicy::interval;
  {
    auto log = WriteAheadLog::open(options, first.next_segment, first.live_segments);
    ASSERT_TRUE(log) << log.error().message;
    store.attach_wal(log->get());
    // Under the old ids this would merge into no group and be deleted by nothing special;
    // now {job=t,x=b,y=c} is its own group and stays.
    ASSERT_TRUE(put(store, "job/t/x/b/y/c", "t_metric 2\n", 8));
    ASSERT_TRUE(put(store, "job/victim/x/b/y/c", "victim_metric 2\n", 9));
    ASSERT_TRUE(store.remove(key("job/a")));
    ASSERT_TRUE((*log)->sync());
    store.attach_wal(nullptr);
  }
  const std::string segment = read_text(options.folder / "00000000000000000003.log");
  EXPECT_EQ(segment.substr(0, kSegmentMagic.size()), kSegmentMagic);

  const auto second = recover();
  EXPECT_EQ(second.report.invalid_groups_dropped, 1u);  // still in the old snapshot until compaction
  EXPECT_EQ(dump(second.groups), dump(store.snapshot()->groups()));
  EXPECT_EQ(second.groups.size(), 3u);  // b/i, t, victim
}

}  // namespace
}  // namespace flowgate::pushgw::persistence
