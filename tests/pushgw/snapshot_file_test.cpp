#include "pushgw/persistence/snapshot_file.hpp"

#include <unistd.h>

#include <bit>
#include <filesystem>
#include <cstdio>
#include <iterator>
#include <string>

#include <gtest/gtest.h>

#include "pushgw/group.hpp"
#include "tests/pushgw/store_testing.hpp"

namespace flowgate::pushgw {
namespace {

using testing::put;
using testing::scrape;

class SnapshotFile : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = std::filesystem::temp_directory_path() /
              ("pushgw_snapshot_" + std::to_string(::getpid()) + "_" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(folder_);
    path_ = folder_ / "store.snapshot";
  }
  void TearDown() override { std::filesystem::remove_all(folder_); }

  std::string read() const {
    std::string bytes(std::filesystem::file_size(path_), '\0');
    std::FILE* in = std::fopen(path_.c_str(), "rb");
    EXPECT_NE(in, nullptr);
    if (in == nullptr) return {};
    EXPECT_EQ(std::fread(bytes.data(), 1, bytes.size(), in), bytes.size());
    std::fclose(in);
    return bytes;
  }
  void write(const std::string& bytes) const {
    std::FILE* out = std::fopen(path_.c_str(), "wb");
    ASSERT_NE(out, nullptr);
    EXPECT_EQ(std::fwrite(bytes.data(), 1, bytes.size(), out), bytes.size());
    std::fclose(out);
  }
  void fill(GroupStore& store) const {
    ASSERT_TRUE(put(store, "job/a", "# HELP c A counter.\n# TYPE c counter\nc 1.1\n", 1795419794.248853529));
    ASSERT_TRUE(put(store, "job/b/path@base64/L3Zhci90bXA", "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 0.1\nh_count 1\n", 2.5));
    ASSERT_FALSE(put(store, "job/c", "x 1 1\n", 3.125));
  }

  std::filesystem::path folder_;
  std::filesystem::path path_;
};

TEST_F(SnapshotFile, RoundTripsEveryGroupExactly) {
  GroupStore store({});
  fill(store);
  ASSERT_TRUE(write_snapshot_file(*store.snapshot(), path_, 41));
  auto loaded = read_snapshot_file(path_);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->log_segment, 41u);

  GroupStore restored({});
  restored.restore(std::move(loaded->groups));
  EXPECT_EQ(scrape(restored), scrape(store));
  EXPECT_EQ(scrape(*restored.snapshot(), exposition::Format::protobuf),
            scrape(*store.snapshot(), exposition::Format::protobuf));
  const auto original = store.snapshot()->groups();
  const auto copy = restored.snapshot()->groups();
  ASSERT_EQ(copy.size(), original.size());
  for (std::size_t i = 0; i < copy.size(); ++i) {
    EXPECT_EQ(copy[i]->key, original[i]->key);
    EXPECT_EQ(std::bit_cast<std::uint64_t>(copy[i]->push_time_seconds),
              std::bit_cast<std::uint64_t>(original[i]->push_time_seconds));
    EXPECT_EQ(std::bit_cast<std::uint64_t>(copy[i]->push_failure_time_seconds),
              std::bit_cast<std::uint64_t>(original[i]->push_failure_time_seconds));
  }
  // The index came back too: a conflicting push is still refused.
  EXPECT_FALSE(put(restored, "job/z", "# TYPE c gauge\nc 1\n"));
}

TEST_F(SnapshotFile, LeavesNoTemporaryFileBehind) {
  GroupStore store({});
  fill(store);
  ASSERT_TRUE(write_snapshot_file(*store.snapshot(), path_));
  ASSERT_TRUE(write_snapshot_file(*store.snapshot(), path_));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(folder_), {}), 1);
}

TEST_F(SnapshotFile, AMissingFileIsAnEmptyStore) {
  auto loaded = read_snapshot_file(path_);
  ASSERT_TRUE(loaded);
  EXPECT_TRUE(loaded->groups.empty());
  EXPECT_EQ(loaded->log_segment, 0u);
}

TEST_F(SnapshotFile, DetectsATruncatedFile) {
  GroupStore store({});
  fill(store);
  ASSERT_TRUE(write_snapshot_file(*store.snapshot(), path_));
  const std::string bytes = read();
  for (std::size_t cut : {bytes.size() - 1, bytes.size() - 13, bytes.size() / 2, std::size_t{10}}) {
    write(bytes.substr(0, cut));
    EXPECT_FALSE(read_snapshot_file(path_)) << "cut at " << cut;
  }
}

TEST_F(SnapshotFile, DetectsAFlippedBit) {
  GroupStore store({});
  fill(store);
  ASSERT_TRUE(write_snapshot_file(*store.snapshot(), path_));
  const std::string bytes = read();
  for (std::size_t at = 0; at < bytes.size(); at += 7) {
    std::string damaged = bytes;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x10);
    write(damaged);
    const auto loaded = read_snapshot_file(path_);
    EXPECT_FALSE(loaded) << "flip at " << at;
  }
}

TEST_F(SnapshotFile, RefusesAnotherFormatVersion) {
  GroupStore store({});
  ASSERT_TRUE(write_snapshot_file(*store.snapshot(), path_));
  std::string bytes = read();
  bytes[8] = static_cast<char>(kSnapshotFormatVersion + 1);
  write(bytes);
  const auto loaded = read_snapshot_file(path_);
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().message.find("format version"), std::string::npos);
}

TEST_F(SnapshotFile, ReportsAnUnwritableFolder) {
  GroupStore store({});
  const auto saved = write_snapshot_file(*store.snapshot(), folder_ / "missing" / "store.snapshot");
  ASSERT_FALSE(saved);
  EXPECT_NE(saved.error().message.find("cannot open"), std::string::npos);
  EXPECT_NE(saved.error().message.find("No such file or directory"), std::string::npos);
}

}  // namespace
}  // namespace flowgate::pushgw
