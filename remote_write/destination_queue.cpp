#include "remote_write/destination_queue.hpp"

#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>

#include <boost/unordered/unordered_flat_map.hpp>

#include "exposition/protobuf_parser.hpp"
#include "pushgw/persistence/write_ahead_log.hpp"
#include "pushgw/series_hash.hpp"
#include "remote_write/change_series.hpp"
#include "remote_write/direct_series.hpp"
#include "remote_write/relabel.hpp"
#include "remote_write/series.hpp"

namespace flowgate::remote_write {
namespace {

// The records of one read are decoded at once and live until their batch
// is sent: 4 MiB of them (tens of MiB decoded) made the thread's heap grow
// a page at a time and shrink again on every read (mprotect, page faults).
constexpr std::uint64_t kReadBytes = 256ULL << 10;
// Where SCHED_IDLE is refused (a seccomp profile, say): the nicest there is.
constexpr int kFallbackNice = 19;

std::int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Log bytes at and after `position`, and the position at the end of the log.
struct LogExtent {
  std::uint64_t behind = 0;
  LogPosition end;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> segments;  // number, bytes
};

LogExtent log_extent(const std::filesystem::path& folder, LogPosition position) {
  LogExtent extent;
  auto numbers = pushgw::persistence::list_segments(folder);
  if (!numbers) return extent;
  for (auto number : *numbers) {
    std::error_code ec;
    const auto bytes = std::filesystem::file_size(pushgw::persistence::segment_path(folder, number), ec);
    if (ec) continue;
    extent.segments.emplace_back(number, bytes);
    extent.end = {number, bytes};
    if (number > position.segment) extent.behind += bytes;
    if (number == position.segment && bytes > position.offset) extent.behind += bytes - position.offset;
  }
  return extent;
}

// std::erase_if for containers the standard library does not overload it for.
template <class Container, class Predicate>
std::size_t erase_where(Container& items, Predicate predicate) {
  const auto kept_end = std::remove_if(items.begin(), items.end(), predicate);
  const auto erased = static_cast<std::size_t>(items.end() - kept_end);
  items.erase(kept_end, items.end());
  return erased;
}

std::uint64_t data_points(const std::vector<TimeSeries>& series) {
  std::uint64_t count = 0;
  for (const auto& one : series) count += one.samples.size() + one.histograms.size();
  return count;
}

}  // namespace

// What every series goes through before it is sent to this destination.
class DestinationQueue::Prepared {
 public:
  Prepared(const Destination& destination, exposition::Labels external_labels)
      : relabeler_(destination.write_relabel),
        external_(std::move(external_labels)),
        age_limit_(destination.queue.sample_age_limit),
        send_exemplars_(destination.send_exemplars),
        send_native_histograms_(destination.send_native_histograms) {}

  // External labels added where a series lacks them, relabelled, samples
  // past the age limit removed, exemplars and native histograms kept only
  // when the destination asks for them (send_exemplars,
  // send_native_histograms, as Prometheus); returns the data points dropped.
  std::uint64_t apply(std::vector<TimeSeries>& series) const {
    const std::uint64_t before = data_points(series);
    for (auto& one : series) {
      if (!send_exemplars_) one.exemplars.clear();
      if (!send_native_histograms_) one.histograms.clear();
      bool added = false;
      for (const auto& label : external_) {
        const bool has = std::any_of(one.labels.begin(), one.labels.end(),
                                     [&](const auto& own) { return own.name == label.name; });
        if (!has) one.labels.push_back(label);
        added = added || !has;
      }
      if (added) {
        std::sort(one.labels.begin(), one.labels.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
      }
    }
    relabeler_.apply(series);
    std::erase_if(series, [](const TimeSeries& one) { return one.samples.empty() && one.histograms.empty(); });
    if (age_limit_.count() > 0) {
      const std::int64_t oldest = unix_now_ms() - age_limit_.count();
      for (auto& one : series) {
        erase_where(one.samples, [&](const Sample& sample) { return sample.timestamp_ms < oldest; });
        std::erase_if(one.histograms, [&](const Histogram& histogram) { return histogram.timestamp_ms < oldest; });
      }
      std::erase_if(series, [](const TimeSeries& one) { return one.samples.empty() && one.histograms.empty(); });
    }
    return before - data_points(series);
  }

 private:
  Relabeler relabeler_;
  exposition::Labels external_;
  std::chrono::milliseconds age_limit_;
  bool send_exemplars_;
  bool send_native_histograms_;
};

DestinationQueue::DestinationQueue(Destination destination, QueueOptions options, HttpSender sender,
                                   exposition::Labels external_labels,
                                   std::function<void(const Destination&, const QueueEvent&)> report)
    : destination_(std::move(destination)),
      options_(std::move(options)),
      external_labels_(std::move(external_labels)),
      report_(std::move(report)),
      delivery_(std::move(sender), destination_.queue, destination_.protocol),
      prepared_(std::make_unique<Prepared>(destination_, external_labels_)),
      sent_(std::make_unique<SentGroups>()),
      newest_(std::make_unique<NewestSent>()) {
  // The short way needs a body no relabelling changes and no 2.0 symbols.
  if (destination_.write_relabel.empty() && destination_.protocol == Protocol::v1) {
    direct_ = std::make_unique<DirectWriter>(external_labels_, destination_.queue.max_samples_per_send, *newest_);
  }
}

DestinationQueue::~DestinationQueue() { stop(); }

void DestinationQueue::start() {
  auto saved = load_position(options_.position_file);
  LogPosition position;
  if (!saved) {
    note(QueueEventKind::error, saved.error().message + "; starting at the end of the log");
  }
  if (saved && *saved) {
    position = **saved;
  } else {
    position = log_extent(options_.log_folder, {}).end;  // a new destination: what is pushed from now on
  }
  reader_.emplace(options_.log_folder, position);
  oldest_needed_ = std::max<std::uint64_t>(position.segment, 1);
  thread_ = std::thread([this] { run(); });
}

void DestinationQueue::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_requested_ = true;
  }
  woken_.notify_all();
  delivery_.stop();
  if (thread_.joinable()) thread_.join();
}

void DestinationQueue::notify() {
  {
    std::lock_guard lock(mutex_);
    news_ = true;
  }
  woken_.notify_all();
}

void DestinationQueue::add_round(std::shared_ptr<const std::string> protobuf_body, std::int64_t timestamp_ms) {
  const LogPosition log_end = log_extent(options_.log_folder, {}).end;
  {
    std::lock_guard lock(mutex_);
    rounds_.push_back(Round{std::move(protobuf_body), timestamp_ms, log_end});
    news_ = true;
    while (rounds_.size() > options_.max_rounds) {
      rounds_.pop_front();
      ++figures_.rounds_dropped;
    }
  }
  woken_.notify_all();
}

QueueFigures DestinationQueue::figures() const {
  std::lock_guard lock(mutex_);
  return figures_;
}

bool DestinationQueue::stopping() const {
  std::lock_guard lock(mutex_);
  return stop_requested_;
}

void DestinationQueue::note(QueueEventKind kind, std::string sentence) {
  if (report_) report_(destination_, QueueEvent{kind, std::move(sentence)});
}

void DestinationQueue::run() {
  // Pushes and scrapes first: on a busy machine the queue gets the CPU they
  // leave, and a backlog it falls behind by waits in the log. Linux sets the
  // policy of the calling thread only (pid 0), and threads it starts inherit it.
  const sched_param none{};
  if (::sched_setscheduler(0, SCHED_IDLE, &none) != 0) {
    ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), kFallbackNice);
  }
  ::pthread_setname_np(::pthread_self(), "remote-write");  // what top -H and /proc/<pid>/task show
  while (!stopping()) {
    bool worked = send_log_records();
    if (!stopping() && send_due_round()) worked = true;
    const auto extent = log_extent(options_.log_folder, reader_->position());
    std::unique_lock lock(mutex_);
    figures_.backlog_bytes = extent.behind;
    if (!worked) {
      woken_.wait_for(lock, options_.idle_wait, [this] { return stop_requested_ || news_; });
    }
    news_ = false;
  }
  save_delivered();  // stopping: what was delivered is not sent again after the restart
}

// Over the bound: the oldest whole segments are skipped until it holds.
void DestinationQueue::enforce_backlog_bound() {
  auto extent = log_extent(options_.log_folder, reader_->position());
  if (extent.behind <= options_.max_backlog_bytes) return;
  std::uint64_t skipped = 0;
  LogPosition to = reader_->position();
  for (const auto& [number, bytes] : extent.segments) {
    if (number < to.segment) continue;
    if (extent.behind - skipped <= options_.max_backlog_bytes || number == extent.end.segment) break;
    skipped += number == to.segment ? bytes - std::min(bytes, to.offset) : bytes;
    to = {number + 1, 0};
  }
  if (skipped == 0) return;
  reader_->skip_to(to);
  // What was skipped is given up: compaction may remove it now, not only
  // once the receiver takes a batch again (a dead one never does), and a
  // restart does not read it again.
  oldest_needed_ = to.segment;
  unsaved_ = to;
  save_delivered();
  {
    std::lock_guard lock(mutex_);
    figures_.backlog_dropped_bytes += skipped;
  }
  note(QueueEventKind::backlog_dropped,
       std::to_string(skipped) + " bytes of pushes dropped unsent: the backlog outgrew --remote-write.max-backlog-bytes (" +
           std::to_string(options_.max_backlog_bytes) + ")");
}

bool DestinationQueue::send_log_records() {
  enforce_backlog_bound();
  auto read = reader_->read(kReadBytes);
  if (!read) {
    note(QueueEventKind::error, read.error().message);
    return false;
  }
  for (const auto& gap : read->gaps) {
    note(QueueEventKind::backlog_dropped, "pushes dropped unsent: " + gap.why);
  }
  if (read->records.empty()) return !read->gaps.empty();
  std::vector<TimeSeries>& series = work_.series;
  const std::int64_t now_ms = unix_now_ms();
  if (direct_) {
    const auto short_way = [&](const pushgw::StoredFamily& family, std::int64_t at_ms) {
      if (!within_age_limit(at_ms, now_ms)) return false;
      const FamilyView view{family.name, family.type, family.help, family.unit};
      // A family keeps its protobuf block only when its text cannot carry it exactly (pushgw/group.hpp).
      return family.protobuf_block.empty() ? direct_->append_text_family(view, family.text_block, at_ms)
                                           : direct_->append_family(view, family.protobuf_block, at_ms);
    };
    for (const auto& record : read->records) {
      sent_->apply(record.change, now_ms, series, short_way);
      add_long_way(series);  // staleness markers, and families the short way does not take
    }
    deliver_direct();
  } else {
    std::size_t expected = 0;  // a series per stored series, a few more for histograms and markers
    for (const auto& record : read->records) {
      for (const auto& family : record.change.families) expected += 2 * family->series_hashes.size();
    }
    series.reserve(expected);
    for (const auto& record : read->records) sent_->apply(record.change, now_ms, series);
    deliver(series);
  }
  if (stopping()) return true;  // not sent whole: the position stays, a restart sends it again
  delivered(read->records.back().after);
  return true;
}

// The position moves on at once in memory (the compaction floor) and on disk
// at most once a second: a rename per batch, hundreds a second, made the
// store's fsync per push wait behind the file system's journal. A crash
// sends the last second again; delivery is at least once anyway.
void DestinationQueue::delivered(LogPosition done) {
  oldest_needed_ = done.segment;
  unsaved_ = done;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_saved_ >= kSaveEvery) save_delivered();
}

void DestinationQueue::save_delivered() {
  if (!unsaved_) return;
  if (auto saved = save_position(options_.position_file, *unsaved_); !saved) {
    note(QueueEventKind::error, saved.error().message);
  }
  unsaved_.reset();
  last_saved_ = std::chrono::steady_clock::now();
}

bool DestinationQueue::send_due_round() {
  Round round;
  {
    std::lock_guard lock(mutex_);
    if (rounds_.empty() || reader_->position() < rounds_.front().log_end) return false;
    round = std::move(rounds_.front());
    rounds_.pop_front();
  }
  std::vector<TimeSeries>& series = work_.series;
  const auto long_way = [&](std::string_view body) {
    auto families = exposition::parse_protobuf(body);
    if (!families) {  // our own scrape body: a bug if it does not parse
      note(QueueEventKind::error, "a round does not parse: " + families.error().describe());
      return;
    }
    for (const auto& family : *families) append_series(family, {}, round.timestamp_ms, series);
  };
  if (direct_ && within_age_limit(round.timestamp_ms, unix_now_ms())) {
    const bool read = direct_->append_body(*round.body, round.timestamp_ms, [&](std::string_view one_family) {
      long_way(one_family);
      add_long_way(series);
    });
    if (!read) note(QueueEventKind::error, "a round does not parse as length-delimited MetricFamily messages");
    deliver_direct();
    return true;
  }
  long_way(*round.body);
  if (direct_) {
    add_long_way(series);
    deliver_direct();
  } else {
    deliver(series);
  }
  return true;
}

bool DestinationQueue::within_age_limit(std::int64_t timestamp_ms, std::int64_t now_ms) const {
  const auto limit = destination_.queue.sample_age_limit.count();
  return limit <= 0 || timestamp_ms >= now_ms - limit;
}

// Series made the long way join the short way's batches: the destination's
// labels and limits applied, then the samples not newer than one sent dropped.
void DestinationQueue::add_long_way(std::vector<TimeSeries>& series) {
  if (series.empty()) return;
  std::uint64_t dropped = prepared_->apply(series);
  dropped += newest_->filter(series);
  for (const auto& one : series) direct_->append_series(one);
  series.clear();
  std::lock_guard lock(mutex_);
  figures_.samples_dropped += dropped;
}

void DestinationQueue::deliver_direct() {
  auto batches = direct_->take_batches();
  {
    std::lock_guard lock(mutex_);
    figures_.samples_dropped += direct_->take_dropped();
  }
  for (const auto& batch : batches) {
    if (stopping()) return;
    {
      std::lock_guard lock(mutex_);
      figures_.pending_samples = batch.samples + batch.histograms;
    }
    const auto go_on = [&](const Attempt& failed) { return keep_retrying(failed, batch.samples, batch.histograms); };
    count_report(delivery_.send_v1(batch, 0, go_on), batch.samples, batch.histograms, batch.newest_ms);
  }
}

// Sends `series` in batches and empties it. Both vectors keep their
// capacity for the next call (up to a bound): a fresh multi-megabyte vector
// per read was a new mapping, page faults and a consolidating free each time.
void DestinationQueue::deliver(std::vector<TimeSeries>& series) {
  std::uint64_t dropped = prepared_->apply(series);
  dropped += newest_->filter(series);
  {
    std::lock_guard lock(mutex_);
    figures_.samples_dropped += dropped;
  }
  const std::size_t limit = std::max<std::size_t>(destination_.queue.max_samples_per_send, 1);
  std::size_t start = 0;
  std::vector<TimeSeries>& batch = work_.batch;
  while (start < series.size() && !stopping()) {
    batch.clear();
    std::size_t samples = 0, histograms = 0;
    while (start < series.size() && (batch.empty() || samples + histograms < limit)) {
      samples += series[start].samples.size();
      histograms += series[start].histograms.size();
      batch.push_back(std::move(series[start++]));
    }
    {
      std::lock_guard lock(mutex_);
      figures_.pending_samples = samples + histograms;
    }
    const auto go_on = [&](const Attempt& failed) { return keep_retrying(failed, samples, histograms); };
    std::int64_t newest = 0;
    for (const auto& one : batch) {
      for (const auto& sample : one.samples) newest = std::max(newest, sample.timestamp_ms);
      for (const auto& histogram : one.histograms) newest = std::max(newest, histogram.timestamp_ms);
    }
    count_report(delivery_.send(batch, 0, go_on), samples, histograms, newest);
  }
  series.clear();
  batch.clear();
  work_.trim();
}

// After a failed attempt, before its wait: the episode starts (logged
// once), and the batch is given up when the backlog outgrew its bound.
bool DestinationQueue::keep_retrying(const Attempt& failed, std::size_t samples, std::size_t histograms) {
  {
    std::lock_guard lock(mutex_);
    figures_.failing = true;
    figures_.samples_retried += samples;
    figures_.histograms_retried += histograms;
  }
  if (!failing_) {
    failing_ = true;
    note(QueueEventKind::failing, failed.judgement.reason + "; retrying");
  }
  const auto behind = log_extent(options_.log_folder, reader_->position()).behind;
  {
    std::lock_guard lock(mutex_);
    figures_.backlog_bytes = behind;
  }
  return !stopping() && behind <= options_.max_backlog_bytes;
}

void DestinationQueue::count_report(const DeliveryReport& report, std::size_t samples, std::size_t histograms,
                                    std::int64_t newest) {
  {
    std::lock_guard lock(mutex_);
    figures_.pending_samples = 0;
    for (const auto& attempt : report.attempts) figures_.bytes_sent += attempt.reply.bytes_sent;
    figures_.failing = report.outcome == Verdict::retry;
    if (report.outcome == Verdict::delivered) {
      figures_.samples_sent += samples;
      figures_.histograms_sent += histograms;
      figures_.exemplars_sent += report.exemplars;
      figures_.highest_sent_timestamp_ms = std::max(figures_.highest_sent_timestamp_ms, newest);
    } else {
      figures_.samples_failed += samples;
      figures_.histograms_failed += histograms;
    }
    figures_.downgraded = delivery_.protocol() != destination_.protocol;
  }
  for (const auto& attempt : report.attempts) {
    if (attempt.judgement.verdict == Verdict::downgrade) note(QueueEventKind::downgraded, attempt.judgement.reason);
  }
  if (report.outcome == Verdict::delivered) {
    if (failing_ || refusing_) note(QueueEventKind::recovered, "delivering again");
    failing_ = refusing_ = false;
  } else if (report.outcome == Verdict::drop) {
    failing_ = false;
    if (!refusing_) note(QueueEventKind::refused, report.attempts.back().judgement.reason + "; the batch is dropped");
    refusing_ = true;
  }
}

}  // namespace flowgate::remote_write
