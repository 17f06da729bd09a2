#include "pushgw/persistence/write_ahead_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "pushgw/persistence/change_codec.hpp"
#include "pushgw/persistence/record_codec.hpp"

namespace flowgate::pushgw::persistence {

namespace {

constexpr std::size_t kSegmentDigits = 20;
constexpr std::string_view kSegmentSuffix = ".log";

}  // namespace

std::filesystem::path segment_path(const std::filesystem::path& folder, std::uint64_t number) {
  char name[kSegmentDigits + kSegmentSuffix.size() + 1];
  std::snprintf(name, sizeof name, "%020llu.log", static_cast<unsigned long long>(number));
  return folder / name;
}

std::optional<std::uint64_t> segment_number(std::string_view file_name) {
  if (file_name.size() != kSegmentDigits + kSegmentSuffix.size() || !file_name.ends_with(kSegmentSuffix)) {
    return std::nullopt;
  }
  std::uint64_t number = 0;
  for (char digit : file_name.substr(0, kSegmentDigits)) {
    if (digit < '0' || digit > '9') return std::nullopt;
    if (number > (UINT64_MAX - 9) / 10) return std::nullopt;
    number = number * 10 + static_cast<std::uint64_t>(digit - '0');
  }
  return number;
}

boost::system::result<std::vector<std::uint64_t>, PersistenceError> list_segments(
    const std::filesystem::path& folder) {
  std::vector<std::uint64_t> numbers;
  std::error_code ec;
  if (!std::filesystem::exists(folder, ec)) return numbers;
  for (std::filesystem::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    if (auto number = segment_number(it->path().filename().string())) numbers.push_back(*number);
  }
  if (ec) return PersistenceError(folder.string() + ": cannot list the log folder: " + ec.message());
  std::sort(numbers.begin(), numbers.end());
  return numbers;
}

WriteAheadLog::WriteAheadLog(LogOptions options) : options_(std::move(options)) {}

boost::system::result<std::unique_ptr<WriteAheadLog>, PersistenceError> WriteAheadLog::open(
    LogOptions options, std::uint64_t first_segment, std::map<std::uint64_t, std::uint64_t> older_segments) {
  std::error_code ec;
  const bool created = std::filesystem::create_directories(options.folder, ec);
  if (ec) return PersistenceError(options.folder.string() + ": cannot create the log folder: " + ec.message());
  if (created) {
    // The new folder's own entry must be durable too, or a power cut could
    // take the whole log with it.
    if (auto synced = sync_folder(options.folder.parent_path()); !synced) {
      return PersistenceError(synced.error().message);
    }
  }
  std::unique_ptr<WriteAheadLog> log(new WriteAheadLog(std::move(options)));
  auto segment = log->create_segment(first_segment);
  if (!segment) return segment.error();
  log->active_ = std::move(*segment);
  log->closed_segments_ = std::move(older_segments);
  log->stats_.active_segment = first_segment;
  log->stats_.bytes = log->active_->size;
  for (const auto& [number, bytes] : log->closed_segments_) log->stats_.bytes += bytes;
  log->syncer_ = std::thread([raw = log.get()] { raw->run_syncs(); });
  return log;
}

WriteAheadLog::~WriteAheadLog() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_syncer_.notify_all();
  if (syncer_.joinable()) syncer_.join();
}

boost::system::result<std::shared_ptr<WriteAheadLog::Segment>, PersistenceError> WriteAheadLog::create_segment(
    std::uint64_t number) {
  auto segment = std::make_shared<Segment>();
  segment->number = number;
  const auto path = segment_path(options_.folder, number);
  auto file = File::open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND);
  if (!file) return PersistenceError(file.error().message);
  segment->file = std::move(*file);
  if (auto written = segment->file.write_all(kSegmentMagic); !written) return PersistenceError(written.error().message);
  if (auto synced = segment->file.datasync(); !synced) return PersistenceError(synced.error().message);
  // The new name must be durable before any record in it is acknowledged.
  if (auto synced = sync_folder(options_.folder); !synced) return PersistenceError(synced.error().message);
  segment->size = kSegmentMagic.size();
  return segment;
}

boost::system::result<CommitTicket, PushError> WriteAheadLog::record(const Change& change) {
  std::string framed(kFrameHeaderBytes, '\0');
  encode_change(change, framed);
  seal_frame(framed);

  std::unique_lock lock(mutex_);
  if (failure_) {
    return PushError(PushErrorKind::storage_unavailable,
                     "the write-ahead log failed earlier (" + *failure_ + "); restart flowgate");
  }
  Segment& segment = *active_;
  if (auto written = segment.file.write_all(framed); !written) {
    ++stats_.write_failures;
    // Cut the partial record off again: a later record behind it would be
    // unreachable at recovery, which stops at the first bad frame.
    if (auto cut = segment.file.truncate(segment.size); !cut) failure_ = cut.error().message;
    return PushError(PushErrorKind::storage_failure,
                     "persisting the change failed: " + written.error().message + "; nothing was changed");
  }
  segment.size += framed.size();
  stats_.bytes += framed.size();
  ++stats_.records;
  const CommitTicket ticket = ++written_;
  if (options_.sync != SyncPolicy::always) return CommitTicket{0};
  lock.unlock();
  wake_syncer_.notify_one();
  return ticket;
}

CommitTicket WriteAheadLog::last_ticket() const {
  if (options_.sync != SyncPolicy::always) return 0;
  std::lock_guard lock(mutex_);
  return written_;
}

void WriteAheadLog::when_durable(CommitTicket ticket, std::function<void(bool)> done) {
  std::unique_lock lock(mutex_);
  if (failure_ || ticket <= durable_) {
    const bool durable = !failure_ || ticket <= durable_;
    lock.unlock();
    done(durable);
    return;
  }
  waiters_.push_back({ticket, std::move(done)});
}

std::vector<WriteAheadLog::Waiter> WriteAheadLog::take_ready_waiters() {
  std::vector<Waiter> ready;
  auto first_waiting = std::partition(waiters_.begin(), waiters_.end(),
                                      [&](const Waiter& waiter) { return waiter.ticket <= durable_ || failure_; });
  std::move(waiters_.begin(), first_waiting, std::back_inserter(ready));
  waiters_.erase(waiters_.begin(), first_waiting);
  return ready;
}

void WriteAheadLog::run_syncs() {
  std::unique_lock lock(mutex_);
  while (true) {
    if (options_.sync == SyncPolicy::always) {
      wake_syncer_.wait(lock, [this] { return stopping_ || (written_ > durable_ && !failure_); });
    } else {
      wake_syncer_.wait_for(lock, options_.sync_interval, [this] { return stopping_; });
    }
    if (written_ > durable_ && !failure_) {
      const CommitTicket target = written_;
      const auto segment = active_;
      lock.unlock();
      auto synced = segment->file.datasync();
      lock.lock();
      ++stats_.syncs;
      if (!synced) {
        failure_ = synced.error().message;
      } else {
        durable_ = std::max(durable_, target);
      }
      auto ready = take_ready_waiters();
      if (!ready.empty()) {
        lock.unlock();
        for (auto& waiter : ready) waiter.done(waiter.ticket <= durable_ && synced.has_value());
        lock.lock();
      }
    }
    if (stopping_ && (written_ == durable_ || failure_)) break;
  }
  auto rest = take_ready_waiters();
  lock.unlock();
  for (auto& waiter : rest) waiter.done(false);
}

boost::system::result<std::uint64_t, PersistenceError> WriteAheadLog::rotate() {
  std::unique_lock lock(mutex_);
  if (failure_) return PersistenceError("the write-ahead log failed earlier (" + *failure_ + ")");
  const auto closing = active_;
  if (auto synced = closing->file.datasync(); !synced) {
    failure_ = synced.error().message;
    return PersistenceError(synced.error().message);
  }
  ++stats_.syncs;
  durable_ = written_;
  auto next = create_segment(closing->number + 1);
  if (!next) return next.error();  // keep appending to the closing segment
  closed_segments_[closing->number] = closing->size;
  active_ = std::move(*next);
  stats_.active_segment = active_->number;
  stats_.bytes += active_->size;
  auto ready = take_ready_waiters();
  lock.unlock();
  for (auto& waiter : ready) waiter.done(true);
  return closing->number;
}

void WriteAheadLog::remove_through(std::uint64_t segment) {
  std::vector<std::filesystem::path> doomed;
  {
    std::lock_guard lock(mutex_);
    for (auto it = closed_segments_.begin(); it != closed_segments_.end() && it->first <= segment;) {
      doomed.push_back(segment_path(options_.folder, it->first));
      stats_.bytes -= std::min(stats_.bytes, it->second);
      it = closed_segments_.erase(it);
    }
  }
  // A segment left behind by a crash here is older than the snapshot, and
  // recovery deletes it.
  for (const auto& path : doomed) ::unlink(path.c_str());
}

boost::system::result<void, PersistenceError> WriteAheadLog::sync() {
  std::unique_lock lock(mutex_);
  if (failure_) return PersistenceError("the write-ahead log failed earlier (" + *failure_ + ")");
  if (written_ == durable_) return {};
  const CommitTicket target = written_;
  auto synced = active_->file.datasync();
  ++stats_.syncs;
  if (!synced) {
    failure_ = synced.error().message;
    return PersistenceError(synced.error().message);
  }
  durable_ = std::max(durable_, target);
  auto ready = take_ready_waiters();
  lock.unlock();
  for (auto& waiter : ready) waiter.done(true);
  return {};
}

LogStats WriteAheadLog::stats() const {
  std::lock_guard lock(mutex_);
  LogStats stats = stats_;
  stats.active_bytes = active_ ? active_->size : 0;
  return stats;
}

}  // namespace flowgate::pushgw::persistence
