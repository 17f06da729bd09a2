#pragma once
// Keeps the group store on disk and trims it: at construction it recovers
// the store from the snapshot file and the write-ahead log (and attaches a
// fresh log to it); once started, one background thread compacts the log
// into the snapshot every --persistence.interval (or sooner when the log
// outgrows the snapshot) and expires groups older than --push.group-ttl.
// It logs what it does; its figures feed the self-metrics. Thread-safe.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "exporter/log.hpp"
#include "pushgw/group_store.hpp"
#include "pushgw/persistence/posix_file.hpp"
#include "pushgw/persistence/recovery.hpp"
#include "pushgw/persistence/write_ahead_log.hpp"

namespace flowgate::exporter {

struct StoreKeeperOptions {
  std::filesystem::path snapshot_file;  // empty: memory only (no log, no compaction)
  pushgw::persistence::SyncPolicy sync = pushgw::persistence::SyncPolicy::always;
  std::chrono::milliseconds sync_interval{1000};
  std::chrono::milliseconds compaction_interval{std::chrono::minutes(5)};
  std::chrono::milliseconds group_ttl{0};  // 0: no expiry, but of groups that declare a TTL
  bool declared_ttls = false;  // pushes may declare their group's TTL (--push.max-group-ttl > 0)
  // More trimming run by the keeper's thread at start and every tick (at
  // most a second apart): the OTLP series sweep. May be empty.
  std::function<void()> trim;
  // The oldest log segment someone still reads (remote write destinations):
  // compaction removes only the segments before it. May be empty.
  std::function<std::uint64_t()> oldest_needed_segment;
};

// "<snapshot file>.wal": where the write-ahead log of a snapshot file lives.
std::filesystem::path log_folder_of(const std::filesystem::path& snapshot_file);

struct StoreKeeperFigures {
  bool persistent = false;
  pushgw::persistence::LogStats log;
  double last_compaction_time = 0;  // Unix seconds; 0: none yet
  double last_compaction_seconds = 0;
  std::uint64_t compactions = 0;
  std::uint64_t compaction_failures = 0;
  std::uint64_t groups_expired = 0;
  // Size of the snapshot file the log is weighed against for an early
  // compaction: the recovered one at first, then the last one written.
  std::uint64_t snapshot_bytes = 0;
  pushgw::persistence::RecoveryReport recovery;
  double recovery_seconds = 0;
};

class StoreKeeper {
 public:
  // Recovers `store`. Throws std::runtime_error when the snapshot is damaged
  // or the folder unusable (start-up problem: refuse rather than lose data).
  StoreKeeper(StoreKeeperOptions options, pushgw::GroupStore& store, Logger& logger);
  ~StoreKeeper();
  StoreKeeper(const StoreKeeper&) = delete;
  StoreKeeper& operator=(const StoreKeeper&) = delete;

  void start();
  // Stops the thread, compacts a last time (so the next start reads one
  // file) and syncs the log. Call after the server stopped taking changes.
  void stop();

  // For the server: done(true) once `ticket` is on disk (at once without a log).
  void when_durable(pushgw::CommitTicket ticket, std::function<void(bool)> done);

  StoreKeeperFigures figures() const;

 private:
  void run();
  void compact();
  bool expires() const;  // a server TTL, or groups may declare their own
  void expire();
  std::chrono::milliseconds tick() const;

  const StoreKeeperOptions options_;
  pushgw::GroupStore& store_;
  Logger& logger_;
  pushgw::persistence::File lock_;  // flock on "<file>.lock": one flowgate per store
  std::unique_ptr<pushgw::persistence::WriteAheadLog> log_;
  std::uint64_t snapshot_bytes_ = 0;  // size of the snapshot file on disk (recovered or written), to size the next compaction
  bool compaction_failed_ = false;     // the last compaction failed: wait a full interval before the next
  std::string last_expiry_error_;      // logged once per change, not every tick

  mutable std::mutex mutex_;  // guards figures_ and stop_requested_
  StoreKeeperFigures figures_;
  std::condition_variable wake_;
  bool stop_requested_ = false;
  bool started_ = false;
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace flowgate::exporter
