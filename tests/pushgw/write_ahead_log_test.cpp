#include "pushgw/persistence/write_ahead_log.hpp"

#include <unistd.h>

#include <atomic>
#include <bit>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "pushgw/group.hpp"
#include "pushgw/otlp_ingest.hpp"
#include "pushgw/persistence/change_codec.hpp"
#include "pushgw/persistence/recovery.hpp"
#include "pushgw/snapshot.hpp"
#include "tests/pushgw/otlp_testing.hpp"
#include "tests/pushgw/store_testing.hpp"

namespace flowgate::pushgw::persistence {
namespace {

using pushgw::testing::key;
using pushgw::testing::post;
using pushgw::testing::put;
using pushgw::testing::scrape;

class WriteAheadLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = std::filesystem::temp_directory_path() /
              ("pushgw_wal_" + std::to_string(::getpid()) + "_" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(folder_);
    std::filesystem::create_directories(folder_);
    snapshot_file_ = folder_ / "store.db";
    log_folder_ = folder_ / "store.db.wal";
  }
  void TearDown() override { std::filesystem::remove_all(folder_); }

  std::unique_ptr<WriteAheadLog> open_log(std::uint64_t first_segment = 1, SyncPolicy sync = SyncPolicy::always) {
    LogOptions options;
    options.folder = log_folder_;
    options.sync = sync;
    options.sync_interval = std::chrono::milliseconds(20);
    auto log = WriteAheadLog::open(options, first_segment, {});
    EXPECT_TRUE(log) << (log ? "" : log.error().message);
    return log ? std::move(*log) : nullptr;
  }

  // Pushes of every kind the store writes to the WAL, ending with a recorded failure.
  static void fill(GroupStore& store) {
    ASSERT_TRUE(put(store, "job/a", "# TYPE c counter\nc{x=\"1\"} 1\nc{x=\"2\"} 2\n", 1.5));
    ASSERT_TRUE(put(store, "job/b/instance/i", "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\n"
                                               "h_sum 0.1\nh_count 2\n", 2.25));
    ASSERT_TRUE(post(store, "job/a", "# TYPE g gauge\ng 3\n", 3.125));
    ASSERT_TRUE(put(store, "job/gone", "gone_metric 1\n", 4));
    ASSERT_TRUE(store.remove(key("job/gone")));
    ASSERT_FALSE(put(store, "job/b/instance/i", "c 1\n", 5.0625));  // type conflict: failure time recorded
  }

  // fill() with a fresh log (segment 1) attached, closed again afterwards.
  void fill_through_wal(GroupStore& store) {
    auto log = open_log();
    store.attach_wal(log.get());
    fill(store);
    store.attach_wal(nullptr);
  }

  RecoveredStore recover() const {
    auto recovered = recover_store(snapshot_file_, log_folder_);
    EXPECT_TRUE(recovered) << (recovered ? "" : recovered.error().message);
    return recovered ? std::move(*recovered) : RecoveredStore{};
  }

  static void expect_same_groups(const Snapshot& restored, const Snapshot& original) {
    EXPECT_EQ(scrape(restored), scrape(original));
    EXPECT_EQ(scrape(restored, exposition::Format::protobuf), scrape(original, exposition::Format::protobuf));
    const auto& a = restored.groups();
    const auto& b = original.groups();
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i]->key, b[i]->key);
      EXPECT_EQ(std::bit_cast<std::uint64_t>(a[i]->push_time_seconds),
                std::bit_cast<std::uint64_t>(b[i]->push_time_seconds));
      EXPECT_EQ(std::bit_cast<std::uint64_t>(a[i]->push_failure_time_seconds),
                std::bit_cast<std::uint64_t>(b[i]->push_failure_time_seconds));
      EXPECT_EQ(a[i]->ttl_seconds, b[i]->ttl_seconds) << a[i]->id;
    }
  }

  std::string read(const std::filesystem::path& path) const {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
  }
  void write(const std::filesystem::path& path, const std::string& bytes) const {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  }

  std::filesystem::path folder_;
  std::filesystem::path snapshot_file_;
  std::filesystem::path log_folder_;
};

TEST(ChangeCodec, RoundTripsEveryKind) {
  GroupStore store({});
  ASSERT_TRUE(put(store, "job/a/instance/b", "# HELP m help\n# TYPE m gauge\nm{y=\"z\"} 1\n", 7));
  const auto* group = store.snapshot()->find(key("job/a/instance/b").id());
  ASSERT_NE(group, nullptr);
  Change put_change{ChangeKind::put, group->key, 7, 3, true, group->families, nullptr};
  Change put_with_ttl{ChangeKind::put, group->key, 7, 3, false, group->families, nullptr, 600};
  auto state = std::make_shared<GroupState>();
  state->deltas["k"] = {1, 2, 3.5, 4, 5.5, {0.5, 1}, {1, 2, 3}, -2, 6, {-1, {7, 8}}, {2, {9}}};
  state->last_seen[0x1234] = 7.25;
  Change stateful_change{ChangeKind::stateful_put, group->key, 7, 3, false, group->families, state, 45.5};
  for (const auto& change : {put_change, put_with_ttl, stateful_change, Change{ChangeKind::remove, group->key, 0, 0, false, {}, nullptr},
                             Change{ChangeKind::expire, group->key, 0, 0, false, {}, nullptr},
                             Change{ChangeKind::wipe, {}, 0, 0, false, {}, nullptr}}) {
    std::string payload;
    encode_change(change, payload);
    const auto decoded = decode_change(payload);
    ASSERT_TRUE(decoded) << static_cast<char>(change.kind);
    EXPECT_EQ(decoded->kind, change.kind);
    EXPECT_EQ(decoded->key, change.key);
    EXPECT_EQ(decoded->replaces_group, change.replaces_group);
    EXPECT_EQ(decoded->push_failure_time_seconds, change.push_failure_time_seconds);
    EXPECT_EQ(decoded->ttl_seconds, change.ttl_seconds);
    ASSERT_EQ(decoded->families.size(), change.families.size());
    for (std::size_t i = 0; i < change.families.size(); ++i) {
      EXPECT_EQ(decoded->families[i]->text_block, change.families[i]->text_block);
      EXPECT_EQ(decoded->families[i]->series_hashes, change.families[i]->series_hashes);
    }
    ASSERT_EQ(decoded->state != nullptr, change.kind == ChangeKind::stateful_put);
    if (decoded->state) {
      EXPECT_EQ(*decoded->state, *state);
    }
  }
}

TEST(ChangeCodec, RefusesTrailingBytesAndUnknownKinds) {
  std::string payload;
  encode_change(Change{ChangeKind::wipe, {}, 0, 0, false, {}, nullptr}, payload);
  EXPECT_FALSE(decode_change(payload + "x"));
  EXPECT_FALSE(decode_change("Q"));
  // A put's optional last field must be a whole, positive time to live.
  GroupStore store({});
  ASSERT_TRUE(put(store, "job/a", "m 1\n", 7));
  const auto* group = store.snapshot()->find(key("job/a").id());
  ASSERT_NE(group, nullptr);
  std::string put_payload;
  encode_change(Change{ChangeKind::put, group->key, 7, 0, false, group->families, nullptr}, put_payload);
  ASSERT_TRUE(decode_change(put_payload));
  EXPECT_FALSE(decode_change(put_payload + "T"));
  EXPECT_FALSE(decode_change(put_payload + "X12345678"));
  std::string negative;
  encode_change(Change{ChangeKind::put, group->key, 7, 0, false, group->families, nullptr, -5}, negative);
  EXPECT_FALSE(decode_change(negative));
  EXPECT_FALSE(decode_change(""));
}

TEST(SegmentNames, AreTwentyDigitsAndParseBack) {
  EXPECT_EQ(segment_path("/x", 42).filename().string(), "00000000000000000042.log");
  EXPECT_EQ(segment_number("00000000000000000042.log"), 42u);
  EXPECT_FALSE(segment_number("42.log"));
  EXPECT_FALSE(segment_number("0000000000000000004x.log"));
  EXPECT_FALSE(segment_number("00000000000000000042.log.tmp"));
}

TEST_F(WriteAheadLogTest, ReplaysEveryChangeInTheWalBitForBit) {
  GroupStore store({});
  fill_through_wal(store);
  const auto recovered = recover();
  EXPECT_EQ(recovered.report.outcome, RecoveryReport::Outcome::clean);
  EXPECT_EQ(recovered.report.records_replayed, 6u);
  EXPECT_EQ(recovered.next_segment, 2u);
  GroupStore restored({});
  restored.restore(recovered.groups);
  expect_same_groups(*restored.snapshot(), *store.snapshot());
  // The index is rebuilt: the conflict that failed before still fails.
  EXPECT_FALSE(put(restored, "job/z", "# TYPE c gauge\nc 1\n"));
}

// The keeper's early compaction looks at what a compaction would fold into
// the snapshot: the active segment, not the closed segments kept for remote
// write destinations (else an absent receiver would make every tick compact).
TEST_F(WriteAheadLogTest, ActiveBytesCountOnlyWhatWasWrittenSinceTheLastRotate) {
  GroupStore store({});
  auto log = open_log();
  store.attach_wal(log.get());
  ASSERT_TRUE(put(store, "job/a", "m 1\n", 1));
  const auto before = log->stats();
  EXPECT_EQ(before.active_bytes, before.bytes);
  ASSERT_TRUE(log->rotate());
  const auto after = log->stats();
  EXPECT_EQ(after.active_bytes, kSegmentMagic.size());
  EXPECT_EQ(after.bytes, before.bytes + kSegmentMagic.size());  // the closed segment is still there
  store.attach_wal(nullptr);
}

TEST_F(WriteAheadLogTest, AWipeReplaysToAnEmptyStore) {
  GroupStore store({});
  {
    auto log = open_log();
    store.attach_wal(log.get());
    fill(store);
    ASSERT_TRUE(store.wipe());
    store.attach_wal(nullptr);
  }
  const auto recovered = recover();
  EXPECT_TRUE(recovered.groups.empty());
  EXPECT_EQ(recovered.report.records_replayed, 7u);
}

// A restart must not reset a counter fed by deltas: the running totals are
// logged with the group, kept by compaction, and read back by recovery.
TEST_F(WriteAheadLogTest, OtlpDeltaTotalsSurviveCompactionAndReplay) {
  using exposition::otlp::Temporality;
  using pushgw::testing::counter;
  using pushgw::testing::export_of;
  const std::string series = "steps_total{instance=\"pod-1\",job=\"etl\",step=\"a\"}";
  GroupStore store({});
  {
    OtlpIngest ingest(store, {});
    auto log = open_log();
    store.attach_wal(log.get());
    ASSERT_TRUE(ingest.ingest(export_of({counter("steps", 3, Temporality::delta, {"a"}, 10, 20)}), 100));
    const auto snapshot = store.checkpoint([&] { ASSERT_TRUE(log->rotate()); });
    ASSERT_TRUE(write_snapshot_file(*snapshot, snapshot_file_, 1));
    log->remove_through(1);
    ASSERT_TRUE(ingest.ingest(export_of({counter("steps", 4, Temporality::delta, {"a"}, 20, 30)}), 110));
    store.attach_wal(nullptr);
  }
  const auto recovered = recover();
  EXPECT_EQ(recovered.report.snapshot_groups, 1u);
  EXPECT_EQ(recovered.report.records_replayed, 1u);
  GroupStore restored({});
  restored.restore(recovered.groups);
  expect_same_groups(*restored.snapshot(), *store.snapshot());
  OtlpIngest after_restart(restored, {});
  ASSERT_TRUE(after_restart.ingest(export_of({counter("steps", 4, Temporality::delta, {"a"}, 20, 30)}), 120));  // a resend
  ASSERT_TRUE(after_restart.ingest(export_of({counter("steps", 1, Temporality::delta, {"a"}, 30, 40)}), 130));
  EXPECT_NE(scrape(*restored.snapshot()).find(series + " 8\n"), std::string::npos) << scrape(*restored.snapshot());
}

// A declared time to live is logged with the group (plain, aggregating and
// failed pushes keep it), kept by the snapshot, and so still ends the group
// after a restart.
TEST_F(WriteAheadLogTest, DeclaredTimesToLiveSurviveCompactionAndReplay) {
  GroupStore store({});
  {
    auto log = open_log();
    store.attach_wal(log.get());
    ASSERT_TRUE(store.push(PushMode::replace_group, key("job/snap"), testing::text("s 1\n"), 10, 90.0));
    const auto snapshot = store.checkpoint([&] { ASSERT_TRUE(log->rotate()); });
    ASSERT_TRUE(write_snapshot_file(*snapshot, snapshot_file_, 1));
    log->remove_through(1);
    ASSERT_TRUE(store.push(PushMode::replace_group, key("job/log"), testing::text("l 1\n"), 20, 30.0));
    ASSERT_TRUE(post(store, "job/log", "l 2\n", 21));
    ASSERT_FALSE(put(store, "job/log", "l 3 5\n", 22));
    ASSERT_TRUE(store.aggregate(key("job/sum"), testing::text("# TYPE n counter\nn 1\n"), {}, 23, {"k", 60}, 45.0));
    ASSERT_TRUE(put(store, "job/none", "x 1\n", 24));
    store.attach_wal(nullptr);
  }
  const auto recovered = recover();
  EXPECT_EQ(recovered.report.snapshot_groups, 1u);
  GroupStore restored({});
  restored.restore(recovered.groups);
  expect_same_groups(*restored.snapshot(), *store.snapshot());
  const auto ttl_of = [&](const char* path) { return restored.snapshot()->find(key(path).id())->ttl_seconds; };
  EXPECT_EQ(ttl_of("job/snap"), 90);
  EXPECT_EQ(ttl_of("job/log"), 30);
  EXPECT_EQ(ttl_of("job/sum"), 45);
  EXPECT_EQ(ttl_of("job/none"), 0);
  const auto expiry = restored.expire(70, 0);  // job/log (pushed at 21, 30 s) and job/sum (23, 45 s)
  ASSERT_EQ(expiry.expired.size(), 2u);
}

TEST_F(WriteAheadLogTest, GroupStateInTheSnapshotAloneIsRecovered) {
  using exposition::otlp::Temporality;
  using pushgw::testing::counter;
  using pushgw::testing::export_of;
  GroupStore store({});
  OtlpIngest ingest(store, {});
  ASSERT_TRUE(ingest.ingest(export_of({counter("steps", 3, Temporality::delta, {"a", "b"}, 10, 20)}), 100));
  ASSERT_TRUE(write_snapshot_file(*store.snapshot(), snapshot_file_, 0));
  const auto recovered = recover();
  EXPECT_EQ(recovered.report.snapshot_groups, 1u);
  EXPECT_EQ(recovered.report.records_replayed, 0u);
  ASSERT_EQ(recovered.groups.size(), 1u);
  const Group* original = store.snapshot()->groups().at(0).get();
  ASSERT_NE(recovered.groups[0]->state, nullptr);
  EXPECT_EQ(*recovered.groups[0]->state, *original->state);
  EXPECT_EQ(recovered.groups[0]->state->deltas.size(), 2u);
  EXPECT_EQ(recovered.groups[0]->state->last_seen.size(), 2u);
}

// Aggregated totals and the idempotency keys applied are in the log: after a
// crash the totals are back, and a retry of an applied push still adds nothing.
TEST_F(WriteAheadLogTest, AggregatedTotalsAndIdempotencyKeysSurviveReplay) {
  GroupStore store({});
  {
    auto log = open_log();
    store.attach_wal(log.get());
    for (const char* try_key : {"a", "b", "a"}) {
      ASSERT_TRUE(store.aggregate(key("job/etl"), testing::text("# TYPE pages counter\npages 3\n"), {}, 100,
                                  {try_key, 3600}));
    }
    store.attach_wal(nullptr);
  }
  GroupStore restored({});
  restored.restore(recover().groups);
  expect_same_groups(*restored.snapshot(), *store.snapshot());
  ASSERT_TRUE(restored.aggregate(key("job/etl"), testing::text("# TYPE pages counter\npages 3\n"), {}, 200,
                                 {"b", 3600}));
  EXPECT_NE(scrape(*restored.snapshot()).find("pages{instance=\"\",job=\"etl\"} 6\n"), std::string::npos)
      << scrape(*restored.snapshot());
}

TEST_F(WriteAheadLogTest, CompactionKeepsOnlyTheSegmentsAfterTheSnapshot) {
  GroupStore store({});
  {
    auto log = open_log();
    store.attach_wal(log.get());
    fill(store);
    std::uint64_t closed = 0;
    const auto snapshot = store.checkpoint([&] {
      auto rotated = log->rotate();
      ASSERT_TRUE(rotated);
      closed = *rotated;
    });
    EXPECT_EQ(closed, 1u);
    ASSERT_TRUE(write_snapshot_file(*snapshot, snapshot_file_, closed));
    log->remove_through(closed);
    EXPECT_FALSE(std::filesystem::exists(segment_path(log_folder_, 1)));
    ASSERT_TRUE(post(store, "job/a", "# TYPE g gauge\ng 4\n", 9.5));
    store.attach_wal(nullptr);
  }
  const auto recovered = recover();
  EXPECT_EQ(recovered.report.snapshot_groups, 2u);
  EXPECT_EQ(recovered.report.records_replayed, 1u);
  EXPECT_EQ(recovered.next_segment, 3u);
  GroupStore restored({});
  restored.restore(recovered.groups);
  expect_same_groups(*restored.snapshot(), *store.snapshot());
}

TEST_F(WriteAheadLogTest, ASegmentTheSnapshotAlreadyHoldsIsDeletedNotReplayed) {
  GroupStore store({});
  {
    auto log = open_log();
    store.attach_wal(log.get());
    fill(store);
    const auto snapshot = store.checkpoint([&] { ASSERT_TRUE(log->rotate()); });
    // A crash between writing the snapshot and deleting segment 1.
    ASSERT_TRUE(write_snapshot_file(*snapshot, snapshot_file_, 1));
    store.attach_wal(nullptr);
  }
  const auto recovered = recover();
  EXPECT_EQ(recovered.report.records_replayed, 0u);
  EXPECT_FALSE(std::filesystem::exists(segment_path(log_folder_, 1)));
  GroupStore restored({});
  restored.restore(recovered.groups);
  expect_same_groups(*restored.snapshot(), *store.snapshot());
}

TEST_F(WriteAheadLogTest, ATornTailIsCutAndEverythingBeforeItKept) {
  GroupStore store({});
  fill_through_wal(store);
  const auto segment = segment_path(log_folder_, 1);
  // The last record (the recorded failure) is the one a crash tears.
  const std::string whole = read(segment);
  for (std::size_t cut : {std::size_t{1}, std::size_t{4}, std::size_t{9}, std::size_t{40}}) {
    write(segment, whole.substr(0, whole.size() - cut));
    const auto recovered = recover();
    EXPECT_EQ(recovered.report.outcome, RecoveryReport::Outcome::tail_cut) << "cut " << cut;
    EXPECT_EQ(recovered.report.records_replayed, 5u) << "cut " << cut;
    EXPECT_EQ(recovered.report.cut_file, segment);
    EXPECT_EQ(recovered.report.dropped_bytes, whole.size() - cut - recovered.report.cut_offset);
    EXPECT_EQ(std::filesystem::file_size(segment), recovered.report.cut_offset) << "the file is cut";
    GroupStore restored({});
    restored.restore(recovered.groups);
    // Everything but the recorded failure: job/b has no failure time.
    const auto* b = restored.snapshot()->find(key("job/b/instance/i").id());
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->push_failure_time_seconds, 0);
    EXPECT_EQ(restored.snapshot()->find(key("job/gone").id()), nullptr);
    EXPECT_NE(scrape(restored).find("g{instance=\"\",job=\"a\"} 3"), std::string::npos);
  }
}

TEST_F(WriteAheadLogTest, AFlippedBitInTheLastRecordIsCaughtByItsCrc) {
  GroupStore store({});
  fill_through_wal(store);
  const auto segment = segment_path(log_folder_, 1);
  std::string bytes = read(segment);
  bytes[bytes.size() - 3] = static_cast<char>(bytes[bytes.size() - 3] ^ 0x04);
  write(segment, bytes);
  const auto recovered = recover();
  EXPECT_EQ(recovered.report.outcome, RecoveryReport::Outcome::tail_cut);
  EXPECT_EQ(recovered.report.cut_reason, "CRC mismatch");
  EXPECT_EQ(recovered.report.records_replayed, 5u);
  EXPECT_EQ(recovered.report.dropped_bytes, bytes.size() - recovered.report.cut_offset);
}

TEST_F(WriteAheadLogTest, DamageBeforeALaterSegmentStopsTheStartAndTouchesNothing) {
  GroupStore store({});
  {
    auto log = open_log();
    store.attach_wal(log.get());
    fill(store);
    ASSERT_TRUE(log->rotate());
    ASSERT_TRUE(put(store, "job/later", "x 1\n", 10));
    store.attach_wal(nullptr);
  }
  // A crash cannot tear segment 1 (it was synced before 2 began): this is the disk's damage.
  const auto first = segment_path(log_folder_, 1);
  std::string bytes = read(first);
  bytes[kSegmentMagic.size() + 9] = static_cast<char>(bytes[kSegmentMagic.size() + 9] ^ 0x01);
  write(first, bytes);
  const auto recovered = recover_store(snapshot_file_, log_folder_);
  ASSERT_FALSE(recovered);
  EXPECT_NE(recovered.error().message.find("later segments"), std::string::npos) << recovered.error().message;
  EXPECT_EQ(read(first), bytes);
  EXPECT_TRUE(std::filesystem::exists(segment_path(log_folder_, 2)));
}

TEST_F(WriteAheadLogTest, DamageBeforeAnEmptyLaterSegmentIsATornTail) {
  GroupStore store({});
  {
    auto log = open_log();
    store.attach_wal(log.get());
    fill(store);
    ASSERT_TRUE(log->rotate());  // segment 2: a header, no record yet
    store.attach_wal(nullptr);
  }
  const auto first = segment_path(log_folder_, 1);
  const std::string bytes = read(first);
  write(first, bytes.substr(0, bytes.size() - 3));
  const auto recovered = recover();
  EXPECT_EQ(recovered.report.outcome, RecoveryReport::Outcome::tail_cut);
  EXPECT_EQ(recovered.report.records_replayed, 5u);
  EXPECT_FALSE(std::filesystem::exists(segment_path(log_folder_, 2)));
  EXPECT_EQ(recovered.next_segment, 3u) << "never reuse a number a dropped segment had";
}

TEST_F(WriteAheadLogTest, ADeleteOfAGroupAlreadyGoneWaitsForTheChangeItSaw) {
  GroupStore store({});
  auto log = open_log();
  store.attach_wal(log.get());
  ASSERT_TRUE(put(store, "job/a", "m 1\n"));
  const auto removed = store.remove(key("job/a"));
  ASSERT_TRUE(removed);
  const auto again = store.remove(key("job/a"));
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *removed) << "answered only once the first DELETE is on disk";
  store.attach_wal(nullptr);
}

TEST_F(WriteAheadLogTest, ASegmentWhoseHeaderNeverGotWrittenIsRemovedWithoutAlarm) {
  std::filesystem::create_directories(log_folder_);
  write(segment_path(log_folder_, 3), "FGW");
  const auto recovered = recover();
  EXPECT_EQ(recovered.report.outcome, RecoveryReport::Outcome::empty) << "nothing was ever in it";
  EXPECT_FALSE(std::filesystem::exists(segment_path(log_folder_, 3)));
  EXPECT_EQ(recovered.next_segment, 4u);
}

TEST_F(WriteAheadLogTest, ASegmentWithAForeignHeaderStopsTheStart) {
  GroupStore store({});
  fill_through_wal(store);
  const auto segment = segment_path(log_folder_, 1);
  std::string bytes = read(segment);
  bytes[2] = static_cast<char>(bytes[2] ^ 0x01);
  write(segment, bytes);
  const auto recovered = recover_store(snapshot_file_, log_folder_);
  ASSERT_FALSE(recovered);
  EXPECT_NE(recovered.error().message.find("bad header"), std::string::npos);
  EXPECT_EQ(read(segment), bytes) << "nothing on disk is touched";
}

TEST_F(WriteAheadLogTest, RecoveryRemovesSnapshotFilesACrashLeftUnfinished) {
  write(folder_ / "store.db.in_progress.4242", "half a snapshot");
  write(folder_ / "other.db.in_progress.4242", "not ours");
  (void)recover();
  EXPECT_FALSE(std::filesystem::exists(folder_ / "store.db.in_progress.4242"));
  EXPECT_TRUE(std::filesystem::exists(folder_ / "other.db.in_progress.4242"));
}

TEST_F(WriteAheadLogTest, NothingOnDiskIsAnEmptyRecovery) {
  const auto recovered = recover();
  EXPECT_EQ(recovered.report.outcome, RecoveryReport::Outcome::empty);
  EXPECT_EQ(recovered.next_segment, 1u);
}

TEST_F(WriteAheadLogTest, TicketsBecomeDurableAndConcurrentPushesShareSyncs) {
  GroupStore store({});
  auto log = open_log();
  store.attach_wal(log.get());
  constexpr int kThreads = 8;
  constexpr int kPushes = 50;
  std::atomic<int> durable{0};
  std::vector<std::thread> pushers;
  for (int t = 0; t < kThreads; ++t) {
    pushers.emplace_back([&, t] {
      for (int i = 0; i < kPushes; ++i) {
        auto ticket = put(store, "job/t" + std::to_string(t), "m " + std::to_string(i) + "\n", i);
        ASSERT_TRUE(ticket);
        ASSERT_NE(*ticket, 0u);
        std::promise<bool> done;
        log->when_durable(*ticket, [&done](bool ok) { done.set_value(ok); });
        if (done.get_future().get()) durable.fetch_add(1);
      }
    });
  }
  for (auto& pusher : pushers) pusher.join();
  EXPECT_EQ(durable.load(), kThreads * kPushes);
  const auto stats = log->stats();
  EXPECT_EQ(stats.records, static_cast<std::uint64_t>(kThreads * kPushes));
  EXPECT_GE(stats.syncs, 1u);
  EXPECT_LE(stats.syncs, stats.records);
  store.attach_wal(nullptr);
}

TEST_F(WriteAheadLogTest, TheIntervalPolicyAnswersAtOnceAndSyncsInTheBackground) {
  GroupStore store({});
  auto log = open_log(1, SyncPolicy::interval);
  store.attach_wal(log.get());
  auto ticket = put(store, "job/a", "m 1\n");
  ASSERT_TRUE(ticket);
  EXPECT_EQ(*ticket, 0u);
  for (int i = 0; i < 500 && log->stats().syncs == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_GE(log->stats().syncs, 1u);
  store.attach_wal(nullptr);
}

// A WAL that refuses: the store must stay exactly as it was.
class RefusingWal final : public WalWriter {
 public:
  boost::system::result<CommitTicket, PushError> record(const Change&) override {
    ++attempts;
    return PushError(PushErrorKind::storage_failure, "disk full");
  }
  CommitTicket last_ticket() const override { return 0; }
  int attempts = 0;
};

TEST(GroupStoreWal, ARefusedChangeLeavesTheStoreAsItWas) {
  GroupStore store({});
  ASSERT_TRUE(put(store, "job/a", "# TYPE c counter\nc 1\n", 1));
  const auto before = store.snapshot();
  RefusingWal wal;
  store.attach_wal(&wal);
  const auto pushed = put(store, "job/a", "# TYPE d gauge\nd 2\n", 2);
  ASSERT_FALSE(pushed);
  EXPECT_EQ(pushed.error().kind, PushErrorKind::storage_failure);
  EXPECT_FALSE(store.remove(key("job/a")));
  EXPECT_FALSE(store.wipe());
  EXPECT_FALSE(put(store, "job/b", "# TYPE c gauge\nc 1\n", 3));  // inconsistent: its failure is not recorded either
  EXPECT_TRUE(store.expire(1e12, 1).error);
  EXPECT_EQ(wal.attempts, 5);  // put, remove, wipe, the failure record, the one expiry
  EXPECT_EQ(store.snapshot(), before) << "not a single new snapshot was published";
  store.attach_wal(nullptr);
  // The index is untouched too: d is still free, c still a counter.
  EXPECT_TRUE(put(store, "job/b", "# TYPE d counter\nd 1\n", 4));
  EXPECT_FALSE(put(store, "job/b", "# TYPE c gauge\nc 1\n", 5));
}

TEST(GroupStoreExpiry, RemovesGroupsWhoseLastSuccessfulPushIsOlderThanTheCutoff) {
  GroupStore store({});
  ASSERT_TRUE(put(store, "job/old", "m 1\n", 100));
  ASSERT_TRUE(put(store, "job/fresh", "f 1\n", 200));
  ASSERT_FALSE(put(store, "job/old", "m 1 5\n", 300));  // a failed push does not keep a group alive
  const auto expiry = store.expire(250, 100);  // cutoff 150
  ASSERT_EQ(expiry.expired.size(), 1u);
  EXPECT_EQ(expiry.expired[0].key, key("job/old"));
  EXPECT_EQ(expiry.expired[0].last_push_seconds, 100);
  EXPECT_FALSE(expiry.error);
  EXPECT_EQ(store.snapshot()->find(key("job/old").id()), nullptr);
  EXPECT_NE(store.snapshot()->find(key("job/fresh").id()), nullptr);
  // Gone from the index as well: the name is free for another type.
  EXPECT_TRUE(put(store, "job/x", "# TYPE m counter\nm 1\n", 400));
}

TEST(GroupStoreExpiry, ADeclaredTimeToLiveOverridesTheDefaultEitherWay) {
  GroupStore store({});
  ASSERT_TRUE(store.push(PushMode::replace_group, key("job/short"), testing::text("s 1\n"), 100, 10.0));
  ASSERT_TRUE(store.push(PushMode::replace_group, key("job/long"), testing::text("l 1\n"), 100, 1000.0));
  ASSERT_TRUE(put(store, "job/plain", "p 1\n", 100));
  EXPECT_TRUE(store.expire(110, 0).expired.empty()) << "10 s old is not older than 10 s";
  // Without a default only the declared lifetimes count.
  auto expiry = store.expire(111, 0);
  ASSERT_EQ(expiry.expired.size(), 1u);
  EXPECT_EQ(expiry.expired[0].key, key("job/short"));
  EXPECT_EQ(expiry.expired[0].ttl_seconds, 10);
  // A default of 50 s ends the plain group, not the one that declared 1000 s.
  expiry = store.expire(200, 50);
  ASSERT_EQ(expiry.expired.size(), 1u);
  EXPECT_EQ(expiry.expired[0].key, key("job/plain"));
  EXPECT_EQ(expiry.expired[0].ttl_seconds, 50);
  EXPECT_NE(store.snapshot()->find(key("job/long").id()), nullptr);
}

TEST(GroupStoreExpiry, APushThatDeclaresNoTimeToLiveKeepsTheGroupsAndAnotherReplacesIt) {
  GroupStore store({});
  ASSERT_TRUE(store.push(PushMode::replace_group, key("job/a"), testing::text("a 1\n"), 100, 10.0));
  ASSERT_TRUE(put(store, "job/a", "a 2\n", 105));  // PUT without a declaration
  EXPECT_EQ(store.snapshot()->find(key("job/a").id())->ttl_seconds, 10);
  ASSERT_FALSE(put(store, "job/a", "a 3 5\n", 106));  // a refused push keeps it too
  EXPECT_EQ(store.snapshot()->find(key("job/a").id())->ttl_seconds, 10);
  ASSERT_TRUE(store.aggregate(key("job/a"), testing::text("# TYPE b counter\nb 1\n"), {}, 107, {}, 60.0));
  EXPECT_EQ(store.snapshot()->find(key("job/a").id())->ttl_seconds, 60);
  EXPECT_TRUE(store.expire(160, 0).expired.empty());
  EXPECT_EQ(store.expire(168, 0).expired.size(), 1u);
}

}  // namespace
}  // namespace flowgate::pushgw::persistence
