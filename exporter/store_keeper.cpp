#include "exporter/store_keeper.hpp"

#include <algorithm>
#include <cerrno>
#include <stdexcept>

#include "exporter/flags.hpp"
#include "exporter/unix_now.hpp"
#include "pushgw/group.hpp"
#include "pushgw/persistence/snapshot_file.hpp"
#include "pushgw/snapshot.hpp"

namespace flowgate::exporter {

namespace {

using pushgw::persistence::RecoveryReport;
using pushgw::persistence::WriteAheadLog;

// A log bigger than this and than the last snapshot is compacted early, so a
// burst of pushes cannot fill the disk or make the next start slow.
constexpr std::uint64_t kEarlyCompactionBytes = std::uint64_t{64} << 20;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// 0 when the file is missing (a new store) or unreadable.
std::uint64_t size_of(const std::filesystem::path& file) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  return ec ? 0 : size;
}

}  // namespace

std::filesystem::path log_folder_of(const std::filesystem::path& snapshot_file) {
  auto folder = snapshot_file;
  folder += ".wal";
  return folder;
}

StoreKeeper::StoreKeeper(StoreKeeperOptions options, pushgw::GroupStore& store, Logger& logger)
    : options_(std::move(options)), store_(store), logger_(logger) {
  if (options_.snapshot_file.empty()) return;
  const auto started = std::chrono::steady_clock::now();
  std::error_code ec;
  if (options_.snapshot_file.has_parent_path()) std::filesystem::create_directories(options_.snapshot_file.parent_path(), ec);
  // Two processes on one store would delete each other's log segments.
  auto lock_path = options_.snapshot_file;
  lock_path += ".lock";
  auto locked = pushgw::persistence::lock_file(lock_path);
  if (!locked) {
    throw std::runtime_error(locked.error().errno_value == EWOULDBLOCK
                                 ? "another flowgate is using " + options_.snapshot_file.string() + " (" +
                                       lock_path.string() + " is locked)"
                                 : locked.error().message);
  }
  lock_ = std::move(*locked);
  const auto log_folder = log_folder_of(options_.snapshot_file);
  auto recovered = pushgw::persistence::recover_store(options_.snapshot_file, log_folder);
  if (!recovered) {
    throw std::runtime_error("could not load persisted metrics: " + recovered.error().message +
                             " (move the file away to start empty)");
  }
  const auto& report = recovered->report;
  if (report.outcome == RecoveryReport::Outcome::tail_cut) {
    logger_.log(LogLevel::warn, FLOWGATE_CALLER, "write-ahead log tail cut",
                {{"file", report.cut_file.string()},
                 {"offset", report.cut_offset},
                 {"reason", report.cut_reason},
                 {"dropped_bytes", report.dropped_bytes}});
  }
  if (report.invalid_groups_dropped > 0) {
    logger_.log(LogLevel::warn, FLOWGATE_CALLER, "groups with a grouping key that is not UTF-8 dropped",
                {{"groups", report.invalid_groups_dropped}});
  }
  const auto group_count = recovered->groups.size();
  store_.restore(std::move(recovered->groups));

  pushgw::persistence::LogOptions log_options;
  log_options.folder = log_folder;
  log_options.sync = options_.sync;
  log_options.sync_interval = options_.sync_interval;
  auto opened = WriteAheadLog::open(log_options, recovered->next_segment, recovered->live_segments);
  if (!opened) throw std::runtime_error("cannot open the write-ahead log: " + opened.error().message);
  log_ = std::move(*opened);
  store_.attach_wal(log_.get());

  // Else a restarted store of any size compacts after kEarlyCompactionBytes of log.
  figures_.snapshot_bytes = snapshot_bytes_ = size_of(options_.snapshot_file);
  figures_.persistent = true;
  figures_.recovery = report;
  figures_.recovery_seconds = seconds_since(started);
  logger_.log(LogLevel::info, FLOWGATE_CALLER, "metrics restored",
              {{"file", options_.snapshot_file.string()},
               {"groups", group_count},
               {"snapshot_groups", report.snapshot_groups},
               {"log_records", report.records_replayed},
               {"outcome", pushgw::persistence::name(report.outcome)},
               {"duration_seconds", figures_.recovery_seconds}});
}

StoreKeeper::~StoreKeeper() { stop(); }

void StoreKeeper::start() {
  if (!log_ && !expires()) return;
  if (started_) return;
  started_ = true;
  expire();  // groups that went stale while flowgate was down go at once
  if (options_.trim) options_.trim();
  thread_ = std::thread([this] { run(); });
}

void StoreKeeper::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
    stop_requested_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (log_) {
    if (started_) compact();  // a start that failed later leaves the files as it found them
    store_.attach_wal(nullptr);
    if (auto synced = log_->sync(); !synced) {
      logger_.log(LogLevel::error, FLOWGATE_CALLER, "cannot sync the write-ahead log", {{"err", synced.error().message}});
    }
    log_.reset();
  }
  lock_ = pushgw::persistence::File();  // the files are closed: another flowgate may have them now
}

void StoreKeeper::when_durable(pushgw::CommitTicket ticket, std::function<void(bool)> done) {
  if (!log_ || ticket == 0) {
    done(true);
    return;
  }
  log_->when_durable(ticket, std::move(done));
}

StoreKeeperFigures StoreKeeper::figures() const {
  std::lock_guard lock(mutex_);
  StoreKeeperFigures figures = figures_;
  if (log_) figures.log = log_->stats();
  return figures;
}

std::chrono::milliseconds StoreKeeper::tick() const {
  using std::chrono::milliseconds;
  milliseconds tick{1000};  // how often the log size is looked at
  if (options_.group_ttl.count() > 0) {
    tick = std::min(tick, std::clamp(options_.group_ttl / 10, milliseconds{100}, milliseconds{10'000}));
  }
  return tick;
}

void StoreKeeper::run() {
  auto next_compaction = std::chrono::steady_clock::now() + options_.compaction_interval;
  std::unique_lock lock(mutex_);
  while (!stop_requested_) {
    wake_.wait_for(lock, tick(), [this] { return stop_requested_; });
    if (stop_requested_) break;
    lock.unlock();
    if (expires()) expire();
    if (options_.trim) options_.trim();
    if (log_) {
      // What a compaction would fold into the snapshot: the segments kept
      // for remote write destinations do not count, or a receiver that is
      // away would make every tick compact.
      const auto log_bytes = log_->stats().active_bytes;
      const bool due = std::chrono::steady_clock::now() >= next_compaction;
      // After a failure (e.g. a full disk) only the interval retries, not every tick.
      const bool outgrown = !compaction_failed_ && log_bytes > std::max(kEarlyCompactionBytes, snapshot_bytes_);
      if (due || outgrown) {
        compact();
        next_compaction = std::chrono::steady_clock::now() + options_.compaction_interval;
      }
    }
    lock.lock();
  }
}

void StoreKeeper::compact() {
  const auto started = std::chrono::steady_clock::now();
  std::optional<pushgw::PersistenceError> rotate_error;
  std::uint64_t closed_segment = 0;
  const auto snapshot = store_.checkpoint([&] {
    auto rotated = log_->rotate();
    if (rotated) {
      closed_segment = *rotated;
    } else {
      rotate_error = rotated.error();
    }
  });
  auto saved = rotate_error ? boost::system::result<void, pushgw::PersistenceError>(*rotate_error)
                            : pushgw::write_snapshot_file(*snapshot, options_.snapshot_file, closed_segment);
  const double seconds = seconds_since(started);
  if (!saved) {
    logger_.log(LogLevel::error, FLOWGATE_CALLER, "error persisting metrics", {{"err", saved.error().message}});
    compaction_failed_ = true;
    std::lock_guard lock(mutex_);
    ++figures_.compaction_failures;
    return;
  }
  compaction_failed_ = false;
  std::uint64_t removable = closed_segment;
  if (options_.oldest_needed_segment) {
    const std::uint64_t needed = options_.oldest_needed_segment();
    removable = std::min(removable, needed == 0 ? 0 : needed - 1);
  }
  if (removable > 0) log_->remove_through(removable);
  snapshot_bytes_ = size_of(options_.snapshot_file);
  {
    std::lock_guard lock(mutex_);
    figures_.snapshot_bytes = snapshot_bytes_;
    ++figures_.compactions;
    figures_.last_compaction_time = unix_now();
    figures_.last_compaction_seconds = seconds;
  }
  logger_.log(LogLevel::debug, FLOWGATE_CALLER, "metrics persisted",
              {{"file", options_.snapshot_file.string()},
               {"groups", snapshot->group_count()},
               {"duration_seconds", seconds}});
}

bool StoreKeeper::expires() const { return options_.group_ttl.count() > 0 || options_.declared_ttls; }

void StoreKeeper::expire() {
  if (!expires()) return;
  auto expiry = store_.expire(unix_now(), std::chrono::duration<double>(options_.group_ttl).count());
  for (const auto& group : expiry.expired) {
    const auto ttl = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::duration<double>(group.ttl_seconds));
    logger_.log(LogLevel::info, FLOWGATE_CALLER, "group expired",
                {{"grouping_key", pushgw::describe_series("", group.key.labels)},
                 {"last_push", group.last_push_seconds},
                 {"ttl", go_duration_text(ttl)}});
  }
  const std::string error = expiry.error ? expiry.error->message : "";
  if (!error.empty() && error != last_expiry_error_) {
    logger_.log(LogLevel::error, FLOWGATE_CALLER, "cannot expire groups", {{"err", error}});
  }
  last_expiry_error_ = error;
  if (!expiry.expired.empty()) {
    std::lock_guard lock(mutex_);
    figures_.groups_expired += expiry.expired.size();
  }
}

}  // namespace flowgate::exporter
