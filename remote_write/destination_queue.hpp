#pragma once
// One remote write destination's queue and its thread, which runs
// SCHED_IDLE (nice 19 where that is refused): only on CPU no other thread
// wants, and a push thread that wakes (its fsync done, a request read) takes
// the CPU from it at once. At nice 19 the woken thread waited for the
// queue's time slice to end: 8-15 % of the push rate on two cores, against
// 2-3 % (bench/RESULTS.md). Two inputs:
//  - the write-ahead log, read from the destination's saved position: every
//    accepted push is sent at its own time (SentGroups), and the position
//    moves on once its batch was delivered or dropped (saved at most once a
//    second, and at stop), so delivery is at least once across restarts and
//    crashes;
//  - rounds: everything /metrics serves at one time, every
//    --remote-write.interval, kept in memory (the newest win when more
//    than a few wait). A round goes out only once the log is sent up to
//    where it was when the round was taken, so a push's older sample never
//    follows a round's newer one of the same series (receivers refuse
//    samples out of order); a sample not newer than one already sent for
//    its series is dropped and counted (a push published a moment after a
//    round was taken, with a push time a moment before it).
// Each batch gets the external labels, write_relabel_configs and the
// sample age limit, and goes out through Delivery (retries, backoff, the
// 2.0 → 1.0 downgrade). A receiver that is down makes the log backlog grow:
// beyond `max_backlog_bytes` the oldest segments are skipped, counted and
// reported once per episode. Nothing here blocks a push or a scrape: the
// store only appends to the log, and figures() is a snapshot.
// Never logs: episodes are handed to `report` (the exporter logs them).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "remote_write/delivery.hpp"
#include "remote_write/destination.hpp"
#include "remote_write/log_reader.hpp"

namespace flowgate::remote_write {

struct QueueOptions {
  std::filesystem::path log_folder;     // the store's write-ahead log
  std::filesystem::path position_file;  // this destination's saved position
  std::uint64_t max_backlog_bytes = 512ULL << 20;
  std::size_t max_rounds = 4;  // rounds waiting while the receiver is slow; older ones are dropped
  std::chrono::milliseconds idle_wait{200};  // how long to sleep when nothing is new (notify() wakes it)
};

// Totals since start, named after Prometheus' prometheus_remote_storage_*.
struct QueueFigures {
  std::uint64_t samples_sent = 0, histograms_sent = 0, exemplars_sent = 0;
  std::uint64_t samples_failed = 0, histograms_failed = 0;    // dropped after the receiver refused them
  std::uint64_t samples_retried = 0, histograms_retried = 0;  // sent again after a failed attempt
  std::uint64_t samples_dropped = 0;  // relabelled away, older than sample_age_limit, or not newer than one sent
  std::uint64_t bytes_sent = 0;
  std::int64_t highest_sent_timestamp_ms = 0;
  std::uint64_t backlog_bytes = 0;          // log bytes not yet sent
  std::uint64_t backlog_dropped_bytes = 0;  // log bytes skipped: over max_backlog_bytes, removed or damaged
  std::uint64_t rounds_dropped = 0;
  std::uint64_t pending_samples = 0;  // in the batch being sent
  bool failing = false;               // the last attempt was not delivered
  bool downgraded = false;            // 2.0 configured, 1.0 spoken
};

enum class QueueEventKind : std::uint8_t {
  failing,      // the first failed attempt of an episode (reason: the judgement's)
  recovered,    // the first delivery after failing
  refused,      // a batch dropped because the receiver refused it (once per episode)
  downgraded,   // 2.0 → 1.0
  backlog_dropped,  // log bytes skipped (over the bound, or a gap)
  error,        // the log or the position file cannot be read or written
};

struct QueueEvent {
  QueueEventKind kind;
  std::string sentence;
};

class DestinationQueue {
 public:
  DestinationQueue(Destination destination, QueueOptions options, HttpSender sender, exposition::Labels external_labels,
                   std::function<void(const Destination&, const QueueEvent&)> report);
  ~DestinationQueue();  // stops
  DestinationQueue(const DestinationQueue&) = delete;
  DestinationQueue& operator=(const DestinationQueue&) = delete;

  // Reads the saved position (none: the end of the log, so a new
  // destination gets what is pushed from now on) and starts the thread.
  void start();
  // The send in progress ends (its batch is sent again after a restart).
  void stop();
  // Something new is in the log: read it now instead of after idle_wait.
  void notify();
  // A round: the whole /metrics body in the protobuf format, taken at
  // `timestamp_ms` (shared by every destination). Kept as those bytes, a
  // few per series, until it is sent; turned into series only then.
  void add_round(std::shared_ptr<const std::string> protobuf_body, std::int64_t timestamp_ms);

  // The segment this destination still needs: compaction keeps it and
  // every later one. 0 before start().
  std::uint64_t oldest_needed_segment() const { return oldest_needed_.load(); }
  QueueFigures figures() const;
  const Destination& destination() const { return destination_; }

 private:
  void run();
  bool send_log_records();
  bool send_due_round();
  void deliver(std::vector<TimeSeries>& series);
  void delivered(LogPosition done);
  void save_delivered();
  void enforce_backlog_bound();
  void note(QueueEventKind kind, std::string sentence);
  bool keep_retrying(const Attempt& failed, std::size_t samples, std::size_t histograms);
  void count_report(const DeliveryReport& report, std::size_t samples, std::size_t histograms, std::int64_t newest);
  bool within_age_limit(std::int64_t timestamp_ms, std::int64_t now_ms) const;
  void add_long_way(std::vector<TimeSeries>& series);
  void deliver_direct();
  bool stopping() const;

  const Destination destination_;
  const QueueOptions options_;
  const exposition::Labels external_labels_;
  const std::function<void(const Destination&, const QueueEvent&)> report_;
  Delivery delivery_;
  class Prepared;
  std::unique_ptr<Prepared> prepared_;  // relabeler, external labels, age limit
  std::optional<LogReader> reader_;
  std::unique_ptr<class SentGroups> sent_;
  std::unique_ptr<class NewestSent> newest_;  // the queue thread's own
  // The short way (direct_series.hpp) when the destination speaks 1.0 and
  // relabels nothing; else every series goes the long way (the model,
  // TimeSeries, deliver()).
  std::unique_ptr<class DirectWriter> direct_;
  // The queue thread's series of one read and of one batch, kept between
  // reads so their memory is reused; dropped when they grew past a bound.
  struct WorkVectors {
    static constexpr std::size_t kKeptCapacity = 1U << 16;
    std::vector<TimeSeries> series, batch;
    void trim() {
      if (series.capacity() > kKeptCapacity) series = {};
      if (batch.capacity() > kKeptCapacity) batch = {};
    }
  };
  WorkVectors work_;
  std::atomic<std::uint64_t> oldest_needed_{0};
  // The queue thread's own: the delivered position not yet in the position file.
  static constexpr std::chrono::seconds kSaveEvery{1};
  std::optional<LogPosition> unsaved_;
  std::chrono::steady_clock::time_point last_saved_{};
  // The queue thread's own: an episode of failed attempts or of refused batches.
  bool failing_ = false;
  bool refusing_ = false;

  mutable std::mutex mutex_;  // guards the members below
  std::condition_variable woken_;
  bool stop_requested_ = false;
  bool news_ = false;
  struct Round {
    std::shared_ptr<const std::string> body;
    std::int64_t timestamp_ms = 0;
    LogPosition log_end;  // the end of the log when the round was taken
  };
  std::deque<Round> rounds_;
  QueueFigures figures_;
  std::thread thread_;
};

}  // namespace flowgate::remote_write
