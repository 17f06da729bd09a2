#pragma once
// The write-ahead log: every change the store accepts, appended to numbered
// segment files in one folder before the change becomes visible, and synced
// to disk before its push is answered (SyncPolicy::always: one background
// thread runs fdatasync in a loop, so every push waiting while a sync runs
// shares the next one: group commit) or every interval (SyncPolicy::interval).
// Compaction (rotate, write a snapshot, remove_through) keeps it short.
// After a failed fdatasync the page cache state is unknown, so the log
// refuses every later change until a restart re-reads it from disk.
// record() is called under the store's writer lock; every member is
// thread-safe.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/system/result.hpp>

#include "pushgw/wal_writer.hpp"
#include "pushgw/persistence/posix_file.hpp"
#include "pushgw/persistence/snapshot_file.hpp"

namespace flowgate::pushgw::persistence {

// Every segment starts with these 8 bytes, then framed change records. The
// last byte is the format version: 2 since group ids escape 0xFE/0xFF.
inline constexpr std::string_view kSegmentMagic{"FGWAL\0\0\2", 8};
// Version 1: the same records, written when a change's grouping key matched
// the group whose plain "name\xFFvalue..." join was equal (so a key with a
// 0xFF byte in a value could name another group). Read, never written.
inline constexpr std::string_view kLegacySegmentMagic{"FGWAL\0\0\1", 8};

// "<folder>/00000000000000000042.log"
std::filesystem::path segment_path(const std::filesystem::path& folder, std::uint64_t number);
// 42 for "00000000000000000042.log"; nullopt for any other name.
std::optional<std::uint64_t> segment_number(std::string_view file_name);
// The segment numbers in `folder`, ascending (none when it does not exist);
// other files are left alone.
boost::system::result<std::vector<std::uint64_t>, PersistenceError> list_segments(
    const std::filesystem::path& folder);

enum class SyncPolicy { always, interval };

struct LogOptions {
  std::filesystem::path folder;
  SyncPolicy sync = SyncPolicy::always;
  std::chrono::milliseconds sync_interval{1000};
};

struct LogStats {
  std::uint64_t bytes = 0;           // in every live segment
  std::uint64_t records = 0;         // appended since open
  std::uint64_t syncs = 0;           // fdatasync calls on segments
  std::uint64_t write_failures = 0;  // appends refused because a write failed
  std::uint64_t active_segment = 0;
  std::uint64_t active_bytes = 0;  // in the active segment: written since the last rotate
};

class WriteAheadLog final : public WalWriter {
 public:
  // Starts segment `first_segment` in options.folder (created if missing).
  // `older_segments` are the live segments recovery replayed, by number and
  // size, for the stats and for remove_through.
  static boost::system::result<std::unique_ptr<WriteAheadLog>, PersistenceError> open(
      LogOptions options, std::uint64_t first_segment, std::map<std::uint64_t, std::uint64_t> older_segments);
  ~WriteAheadLog() override;  // syncs what is written, then stops the sync thread
  WriteAheadLog(const WriteAheadLog&) = delete;
  WriteAheadLog& operator=(const WriteAheadLog&) = delete;

  // Appends `change`. With SyncPolicy::always the ticket is to be waited for
  // with when_durable(); with interval it is 0. A failed write is cut off
  // the segment again, so nothing of the change remains.
  boost::system::result<CommitTicket, PushError> record(const Change& change) override;
  CommitTicket last_ticket() const override;

  // Calls done(true) once `ticket` is on disk, done(false) if the log failed
  // first: at once or from the sync thread, so `done` must only hand off.
  void when_durable(CommitTicket ticket, std::function<void(bool durable)> done);

  // Syncs the active segment and starts the next; returns the number of the
  // segment it closed. Call under the store's writer lock (checkpoint()), so
  // the snapshot taken there holds exactly the closed segments.
  boost::system::result<std::uint64_t, PersistenceError> rotate();

  // Deletes the segments numbered <= `segment` once a snapshot holds them.
  void remove_through(std::uint64_t segment);

  // Syncs everything written so far (shutdown, and SyncPolicy::interval's tick).
  boost::system::result<void, PersistenceError> sync();

  LogStats stats() const;

 private:
  struct Segment {
    std::uint64_t number = 0;
    File file;
    std::uint64_t size = 0;
  };
  struct Waiter {
    CommitTicket ticket;
    std::function<void(bool)> done;
  };

  explicit WriteAheadLog(LogOptions options);
  boost::system::result<std::shared_ptr<Segment>, PersistenceError> create_segment(std::uint64_t number);
  void run_syncs();
  // Under mutex_: the waiters whose ticket is durable (all of them once the
  // log failed), removed from waiters_, for the caller to call unlocked.
  std::vector<Waiter> take_ready_waiters();

  const LogOptions options_;
  mutable std::mutex mutex_;  // guards everything below
  std::condition_variable wake_syncer_;
  std::shared_ptr<Segment> active_;
  std::map<std::uint64_t, std::uint64_t> closed_segments_;  // number -> bytes
  CommitTicket written_ = 0;  // tickets are record counts
  CommitTicket durable_ = 0;
  std::optional<std::string> failure_;  // set after a failed sync: the log accepts nothing more
  std::vector<Waiter> waiters_;
  LogStats stats_;
  bool stopping_ = false;
  std::thread syncer_;
};

}  // namespace flowgate::pushgw::persistence
