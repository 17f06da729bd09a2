#include "exporter/store_keeper.hpp"

#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "exposition/text_parser.hpp"
#include "pushgw/snapshot.hpp"

namespace flowgate::exporter {
namespace {

class StoreKeeperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = std::filesystem::temp_directory_path() /
              ("store_keeper_" + std::to_string(::getpid()) + "_" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(folder_);
    options_.snapshot_file = folder_ / "data" / "flowgate.db";
  }
  void TearDown() override { std::filesystem::remove_all(folder_); }

  static void push(pushgw::GroupStore& store, const std::string& job, const std::string& body) {
    auto families = exposition::parse_text(body);
    ASSERT_TRUE(families);
    ASSERT_TRUE(store.push(pushgw::PushMode::replace_group, pushgw::GroupingKey{{{"job", job}}}, *families, 100));
  }

  std::filesystem::path folder_;
  StoreKeeperOptions options_;
  std::FILE* null_ = std::fopen("/dev/null", "w");
  Logger logger_{LogLevel::error, LogFormat::logfmt, null_};
};

TEST_F(StoreKeeperTest, ASecondFlowgateOnTheSameStoreIsRefusedBeforeItReadsAnything) {
  pushgw::GroupStore running({});
  StoreKeeper first(options_, running, logger_);
  first.start();
  push(running, "a", "m 1\n");

  pushgw::GroupStore intruder({});
  try {
    StoreKeeper second(options_, intruder, logger_);
    FAIL() << "a second keeper opened a store in use";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("another flowgate is using"), std::string::npos) << error.what();
  }
  push(running, "b", "m 2\n");
  first.stop();

  pushgw::GroupStore restarted({});
  StoreKeeper again(options_, restarted, logger_);
  EXPECT_EQ(restarted.snapshot()->group_count(), 2u) << "nothing of the running store was touched";
}

TEST_F(StoreKeeperTest, AKeeperNeverStartedLeavesTheFilesAsItFoundThem) {
  {
    pushgw::GroupStore store({});
    StoreKeeper keeper(options_, store, logger_);
    keeper.start();
    push(store, "a", "m 1\n");
    keeper.stop();
  }
  const auto before = std::filesystem::last_write_time(options_.snapshot_file);
  {
    pushgw::GroupStore store({});
    StoreKeeper keeper(options_, store, logger_);  // e.g. the listen address was taken
  }
  EXPECT_EQ(std::filesystem::last_write_time(options_.snapshot_file), before) << "no compaction without a start";
}

// The log is weighed against the snapshot on disk for an early compaction;
// after a restart that is the recovered file, not 0 (which made a store of
// any size compact after the first 64 MiB of log, rewriting the snapshot).
TEST_F(StoreKeeperTest, WeighsTheLogAgainstTheRecoveredSnapshotAfterARestart) {
  {
    pushgw::GroupStore store({});
    StoreKeeper keeper(options_, store, logger_);
    EXPECT_EQ(keeper.figures().snapshot_bytes, 0u) << "a new store has no snapshot file";
    keeper.start();
    std::string body;
    for (int i = 0; i < 100; ++i) body += "m{i=\"" + std::to_string(i) + "\"} 1\n";
    push(store, "a", body);
    keeper.stop();  // compacts into the snapshot file
  }
  const auto on_disk = std::filesystem::file_size(options_.snapshot_file);
  ASSERT_GT(on_disk, 0u);
  pushgw::GroupStore store({});
  StoreKeeper keeper(options_, store, logger_);
  EXPECT_EQ(keeper.figures().snapshot_bytes, on_disk);
  EXPECT_EQ(keeper.figures().compactions, 0u);
}

// The OTLP series sweep rides on the keeper's thread: once at start, then every tick.
TEST_F(StoreKeeperTest, RunsTheTrimHookAtStartAndOnItsTicks) {
  std::mutex mutex;
  std::condition_variable called;
  int calls = 0;
  options_.trim = [&] {
    std::lock_guard lock(mutex);
    ++calls;
    called.notify_all();
  };
  pushgw::GroupStore store({});
  StoreKeeper keeper(options_, store, logger_);
  keeper.start();
  {
    std::unique_lock lock(mutex);
    // A generous bound so a loaded machine does not fail the test; a keeper that never trims does.
    EXPECT_TRUE(called.wait_for(lock, std::chrono::seconds(30), [&] { return calls >= 2; })) << calls << " calls";
  }
  keeper.stop();
}

// A group that declared its TTL expires by it though --push.group-ttl is 0s
// (a memory-only store too); the others stay; the expiry runs at start.
TEST_F(StoreKeeperTest, ExpiresGroupsByTheirDeclaredTimeToLiveWithoutAServerOne) {
  options_.snapshot_file.clear();
  options_.declared_ttls = true;
  pushgw::GroupStore store({});
  auto families = exposition::parse_text("m 1\n");
  ASSERT_TRUE(families);
  ASSERT_TRUE(store.push(pushgw::PushMode::replace_group, pushgw::GroupingKey{{{"job", "short"}}}, *families, 100, 60.0));
  push(store, "forever", "m 1\n");  // pushed at 100 too: ancient, but nothing declared and no server TTL
  StoreKeeper keeper(options_, store, logger_);
  keeper.start();
  EXPECT_EQ(store.snapshot()->find(pushgw::GroupingKey{{{"job", "short"}}}.id()), nullptr);
  EXPECT_NE(store.snapshot()->find(pushgw::GroupingKey{{{"job", "forever"}}}.id()), nullptr);
  EXPECT_EQ(keeper.figures().groups_expired, 1u);
  keeper.stop();
}

}  // namespace
}  // namespace flowgate::exporter
