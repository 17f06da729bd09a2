// The write-ahead log read as a destination's queue (LogReader, the saved
// position) and the series each logged change makes (SentGroups), on a real
// log written by a real store.

#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "pushgw/persistence/write_ahead_log.hpp"
#include "remote_write/change_series.hpp"
#include "remote_write/log_reader.hpp"
#include "tests/pushgw/store_testing.hpp"

namespace flowgate::remote_write {
namespace {

using pushgw::testing::key;
using pushgw::testing::post;
using pushgw::testing::put;
namespace persistence = pushgw::persistence;

class LogQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = std::filesystem::temp_directory_path() /
              ("rw_log_" + std::to_string(::getpid()) + "_" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(folder_);
    persistence::LogOptions options;
    options.folder = folder_;
    options.sync = persistence::SyncPolicy::interval;
    auto log = persistence::WriteAheadLog::open(options, 1, {});
    ASSERT_TRUE(log);
    log_ = std::move(*log);
    store_.attach_wal(log_.get());
  }
  void TearDown() override {
    store_.attach_wal(nullptr);
    log_.reset();
    std::filesystem::remove_all(folder_);
  }

  std::vector<LogRecord> read_all(LogReader& reader, std::vector<LogGap>* gaps = nullptr) {
    std::vector<LogRecord> all;
    for (;;) {
      auto read = reader.read(1 << 20);
      EXPECT_TRUE(read) << (read ? "" : read.error().message);
      if (!read || (read->records.empty() && read->gaps.empty())) return all;
      for (auto& record : read->records) all.push_back(std::move(record));
      if (gaps) gaps->insert(gaps->end(), read->gaps.begin(), read->gaps.end());
    }
  }

  std::filesystem::path folder_;
  pushgw::GroupStore store_{{}};
  std::unique_ptr<persistence::WriteAheadLog> log_;
};

// name{labels} -> value, "stale" for a staleness marker.
std::map<std::string, std::string> samples(const std::vector<TimeSeries>& series) {
  std::map<std::string, std::string> out;
  for (const auto& one : series) {
    std::string name;
    for (const auto& label : one.labels) {
      name += (name.empty() ? "" : ",") + label.name + "=" + label.value;
    }
    for (const auto& sample : one.samples) {
      std::uint64_t bits = 0;
      std::memcpy(&bits, &sample.value, sizeof bits);
      out[name + "@" + std::to_string(sample.timestamp_ms)] =
          bits == kStaleNaNBits ? "stale" : std::to_string(sample.value);
    }
  }
  return out;
}

// samples() of the series each record makes, in order, through `sent`.
std::vector<std::map<std::string, std::string>> samples_per_change(const std::vector<LogRecord>& records,
                                                                   SentGroups& sent, std::int64_t now_ms) {
  std::vector<std::map<std::string, std::string>> per_change;
  for (const auto& record : records) {
    std::vector<TimeSeries> series;
    sent.apply(record.change, now_ms, series);
    per_change.push_back(samples(series));
  }
  return per_change;
}

TEST_F(LogQueueTest, ReadsEveryChangeInOrderAndWaitsForMore) {
  ASSERT_TRUE(put(store_, "job/a", "m 1\n", 10));
  ASSERT_TRUE(post(store_, "job/a", "n 2\n", 11));
  LogReader reader(folder_, {});
  auto first = read_all(reader);
  ASSERT_EQ(first.size(), 2U);
  EXPECT_EQ(first[0].change.push_time_seconds, 10);
  EXPECT_TRUE(first[0].change.replaces_group);
  EXPECT_FALSE(first[1].change.replaces_group);
  EXPECT_EQ(first[1].after, reader.position());
  EXPECT_TRUE(read_all(reader).empty());  // at the end: nothing until more is written
  ASSERT_TRUE(store_.remove(key("job/a")));
  auto second = read_all(reader);
  ASSERT_EQ(second.size(), 1U);
  EXPECT_EQ(second[0].change.kind, pushgw::ChangeKind::remove);
}

// A read takes at most its budget in one go: a record it ends inside is read
// by the next read, and a record larger than the whole budget is read whole.
TEST_F(LogQueueTest, ReadsRecordsLargerThanTheBudgetAndResumesInsideOne) {
  std::string big_body;
  for (int i = 0; i < 400; ++i) big_body += "big_" + std::to_string(i) + " " + std::to_string(i) + "\n";
  ASSERT_TRUE(put(store_, "job/a", "m 1\n", 10));
  ASSERT_TRUE(put(store_, "job/big", big_body, 11));
  ASSERT_TRUE(put(store_, "job/c", "m 3\n", 12));
  ASSERT_TRUE(put(store_, "job/d", "m 4\n", 13));
  LogReader whole(folder_, {});
  const auto all = read_all(whole);
  ASSERT_EQ(all.size(), 4U);
  ASSERT_GT(all[1].bytes, 16U * all[0].bytes);  // the big record dwarfs the small budget below

  LogReader reader(folder_, {});
  std::vector<double> push_times;
  std::vector<std::size_t> per_read;
  for (int reads = 0; reads < 20; ++reads) {
    auto read = reader.read(all[0].bytes + all[0].bytes / 2);  // one and a half small records
    ASSERT_TRUE(read) << read.error().message;
    ASSERT_TRUE(read->gaps.empty());
    if (read->records.empty()) break;
    per_read.push_back(read->records.size());
    for (const auto& record : read->records) push_times.push_back(record.change.push_time_seconds);
  }
  EXPECT_EQ(push_times, (std::vector<double>{10, 11, 12, 13}));
  // each read ends inside the record after its first: that one waits for the
  // next read; the big one comes whole, alone
  EXPECT_EQ(per_read, (std::vector<std::size_t>{1, 1, 1, 1}));
  EXPECT_EQ(reader.position(), whole.position());
}

TEST_F(LogQueueTest, FollowsRotationAndResumesFromASavedPosition) {
  ASSERT_TRUE(put(store_, "job/a", "m 1\n", 10));
  LogReader reader(folder_, {});
  ASSERT_EQ(read_all(reader).size(), 1U);
  const auto saved_file = folder_.parent_path() / (folder_.filename().string() + ".position");
  ASSERT_TRUE(save_position(saved_file, reader.position()));
  ASSERT_TRUE(log_->rotate());
  ASSERT_TRUE(put(store_, "job/b", "m 2\n", 12));
  auto loaded = load_position(saved_file);
  ASSERT_TRUE(loaded && *loaded);
  LogReader resumed(folder_, **loaded);
  auto after = read_all(resumed);
  ASSERT_EQ(after.size(), 1U);  // only what came after the saved position
  EXPECT_EQ(after[0].change.key, key("job/b"));
  EXPECT_EQ(resumed.position().segment, 2U);
  std::filesystem::remove(saved_file);
}

TEST_F(LogQueueTest, ReportsRemovedSegmentsAsAGap) {
  ASSERT_TRUE(put(store_, "job/a", "m 1\n", 10));
  ASSERT_TRUE(log_->rotate());
  ASSERT_TRUE(put(store_, "job/b", "m 2\n", 11));
  LogReader reader(folder_, {1, 0});
  log_->remove_through(1);
  std::vector<LogGap> gaps;
  auto records = read_all(reader, &gaps);
  ASSERT_EQ(records.size(), 1U);
  EXPECT_EQ(records[0].change.key, key("job/b"));
  ASSERT_EQ(gaps.size(), 1U);
  EXPECT_EQ(gaps[0].why, "segment 1 was removed");
}

TEST_F(LogQueueTest, SkipsADamagedClosedSegmentAndSaysWhere) {
  ASSERT_TRUE(put(store_, "job/a", "m 1\n", 10));
  ASSERT_TRUE(put(store_, "job/a", "m 2\n", 11));
  ASSERT_TRUE(log_->rotate());
  ASSERT_TRUE(put(store_, "job/b", "m 3\n", 12));
  {
    std::fstream segment(persistence::segment_path(folder_, 1), std::ios::in | std::ios::out | std::ios::binary);
    segment.seekp(-3, std::ios::end);
    segment.put('\x7f');  // inside the second record's payload
  }
  LogReader reader(folder_, {});
  std::vector<LogGap> gaps;
  auto records = read_all(reader, &gaps);
  ASSERT_EQ(records.size(), 2U);  // the first record of segment 1, then segment 2's
  EXPECT_EQ(records[1].change.key, key("job/b"));
  ASSERT_EQ(gaps.size(), 1U);
  EXPECT_NE(gaps[0].why.find("CRC mismatch"), std::string::npos) << gaps[0].why;
}

TEST_F(LogQueueTest, APushSendsItsSeriesAtItsTimeAndEndedSeriesGetStalenessMarkers) {
  ASSERT_TRUE(put(store_, "job/a", "# TYPE m gauge\nm{x=\"1\"} 1\nm{x=\"2\"} 2\n# TYPE k gauge\nk 5\n", 10));
  ASSERT_TRUE(put(store_, "job/a", "# TYPE m gauge\nm{x=\"1\"} 3\n", 20));        // PUT: m{x=2} and k end
  ASSERT_TRUE(post(store_, "job/a", "# TYPE k gauge\nk 6\n", 30));                 // POST: nothing ends
  ASSERT_TRUE(store_.remove(key("job/a")));
  LogReader reader(folder_, {});
  auto records = read_all(reader);
  ASSERT_EQ(records.size(), 4U);
  SentGroups sent;
  const auto per_change = samples_per_change(records, sent, 40'000);
  EXPECT_EQ(per_change[0].at("__name__=m,job=a,x=2@10000"), "2.000000");
  EXPECT_EQ(per_change[0].at("__name__=push_time_seconds,job=a@10000"), "10.000000");
  EXPECT_EQ(per_change[1].at("__name__=m,job=a,x=1@20000"), "3.000000");
  EXPECT_EQ(per_change[1].at("__name__=m,job=a,x=2@20000"), "stale");
  EXPECT_EQ(per_change[1].at("__name__=k,job=a@20000"), "stale");
  EXPECT_EQ(per_change[2].at("__name__=k,job=a@30000"), "6.000000");
  for (const auto& [name, value] : per_change[2]) EXPECT_NE(value, "stale") << name;
  EXPECT_EQ(per_change[3].at("__name__=m,job=a,x=1@40000"), "stale");
  EXPECT_EQ(per_change[3].at("__name__=k,job=a@40000"), "stale");
  EXPECT_EQ(per_change[3].at("__name__=push_time_seconds,job=a@40000"), "stale");  // empty instance="" is no label
  EXPECT_EQ(sent.group_count(), 0U);
}

TEST_F(LogQueueTest, APostEndsTheSeriesOfAFamilyItReplacesAndKeepsTheOthersAndAWipeEndsEveryGroup) {
  ASSERT_TRUE(put(store_, "job/a", "# TYPE m gauge\nm{x=\"1\"} 1\nm{x=\"2\"} 2\n# TYPE z gauge\nz 5\n", 10));
  ASSERT_TRUE(put(store_, "job/b", "# TYPE n gauge\nn 7\n", 10));
  ASSERT_TRUE(post(store_, "job/a", "# TYPE a gauge\na 1\n# TYPE m gauge\nm{x=\"1\"} 3\n", 20));  // m{x=2} ends
  ASSERT_TRUE(post(store_, "job/a", "# TYPE m gauge\nm{x=\"1\"} 4\n", 30));  // a and z stay
  ASSERT_TRUE(store_.wipe());
  LogReader reader(folder_, {});
  auto records = read_all(reader);
  ASSERT_EQ(records.size(), 5U);
  SentGroups sent;
  const auto per_change = samples_per_change(records, sent, 40'000);
  EXPECT_EQ(per_change[2].at("__name__=m,job=a,x=1@20000"), "3.000000");
  EXPECT_EQ(per_change[2].at("__name__=m,job=a,x=2@20000"), "stale");
  EXPECT_EQ(per_change[2].count("__name__=z,job=a@20000"), 0U);  // not pushed again, not ended
  EXPECT_EQ(per_change[3].at("__name__=m,job=a,x=1@30000"), "4.000000");
  for (const auto& [name, value] : per_change[3]) EXPECT_NE(value, "stale") << name;
  EXPECT_EQ(per_change[4].at("__name__=a,job=a@40000"), "stale");
  EXPECT_EQ(per_change[4].at("__name__=m,job=a,x=1@40000"), "stale");
  EXPECT_EQ(per_change[4].at("__name__=z,job=a@40000"), "stale");
  EXPECT_EQ(per_change[4].at("__name__=n,job=b@40000"), "stale");
  EXPECT_EQ(per_change[4].count("__name__=m,job=a,x=2@40000"), 0U);  // ended already
  EXPECT_EQ(sent.group_count(), 0U);
}

}  // namespace
}  // namespace flowgate::remote_write
