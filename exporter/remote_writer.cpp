#include "exporter/remote_writer.hpp"

#include <cstdio>

#include "collectors/metric_family_builder.hpp"
#include "exporter/config/remote_write_config.hpp"

namespace flowgate::exporter {
namespace {

using remote_write::DestinationQueue;
using remote_write::QueueEventKind;
using remote_write::QueueFigures;

std::string fnv_hex(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ULL;
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(hash));
  return std::string(out, 6);
}

std::int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// One family of the prometheus_remote_storage_* set: a sample per destination.
struct FigureFamily {
  const char* name;
  const char* help;
  prometheus::MetricType type;
  double (*value)(const QueueFigures&);
};

constexpr FigureFamily kFigureFamilies[] = {
    {"prometheus_remote_storage_samples_total", "Samples sent to the destination.", prometheus::MetricType::Counter,
     [](const QueueFigures& f) { return static_cast<double>(f.samples_sent); }},
    {"prometheus_remote_storage_histograms_total", "Native histograms sent to the destination.",
     prometheus::MetricType::Counter, [](const QueueFigures& f) { return static_cast<double>(f.histograms_sent); }},
    {"prometheus_remote_storage_exemplars_total", "Exemplars sent to the destination.",
     prometheus::MetricType::Counter, [](const QueueFigures& f) { return static_cast<double>(f.exemplars_sent); }},
    {"prometheus_remote_storage_samples_failed_total", "Samples the destination refused or that were given up.",
     prometheus::MetricType::Counter, [](const QueueFigures& f) { return static_cast<double>(f.samples_failed); }},
    {"prometheus_remote_storage_histograms_failed_total", "Native histograms refused or given up.",
     prometheus::MetricType::Counter, [](const QueueFigures& f) { return static_cast<double>(f.histograms_failed); }},
    {"prometheus_remote_storage_samples_retried_total", "Samples sent again after a failed attempt.",
     prometheus::MetricType::Counter, [](const QueueFigures& f) { return static_cast<double>(f.samples_retried); }},
    {"prometheus_remote_storage_histograms_retried_total", "Native histograms sent again after a failed attempt.",
     prometheus::MetricType::Counter,
     [](const QueueFigures& f) { return static_cast<double>(f.histograms_retried); }},
    {"prometheus_remote_storage_samples_dropped_total",
     "Samples not sent: relabelled away or older than queue_config.sample_age_limit.",
     prometheus::MetricType::Counter, [](const QueueFigures& f) { return static_cast<double>(f.samples_dropped); }},
    {"prometheus_remote_storage_bytes_total", "Request body bytes sent, retries included.",
     prometheus::MetricType::Counter, [](const QueueFigures& f) { return static_cast<double>(f.bytes_sent); }},
    {"prometheus_remote_storage_queue_highest_sent_timestamp_seconds",
     "Newest sample time the destination acknowledged, Unix seconds.", prometheus::MetricType::Gauge,
     [](const QueueFigures& f) { return static_cast<double>(f.highest_sent_timestamp_ms) / 1000; }},
    {"prometheus_remote_storage_samples_pending", "Samples in the batch being sent.", prometheus::MetricType::Gauge,
     [](const QueueFigures& f) { return static_cast<double>(f.pending_samples); }},
    {"flowgate_remote_write_backlog_bytes", "Write-ahead log bytes not yet sent to the destination.",
     prometheus::MetricType::Gauge, [](const QueueFigures& f) { return static_cast<double>(f.backlog_bytes); }},
    {"flowgate_remote_write_backlog_dropped_bytes_total",
     "Write-ahead log bytes skipped unsent: over --remote-write.max-backlog-bytes, removed or damaged.",
     prometheus::MetricType::Counter,
     [](const QueueFigures& f) { return static_cast<double>(f.backlog_dropped_bytes); }},
    {"flowgate_remote_write_rounds_dropped_total", "Rounds dropped because newer ones were waiting.",
     prometheus::MetricType::Counter, [](const QueueFigures& f) { return static_cast<double>(f.rounds_dropped); }},
    {"flowgate_remote_write_failing", "1 while the destination's last attempt failed.", prometheus::MetricType::Gauge,
     [](const QueueFigures& f) { return f.failing ? 1.0 : 0.0; }},
    {"flowgate_remote_write_downgraded", "1 when 2.0 is configured and the receiver got 1.0 instead.",
     prometheus::MetricType::Gauge, [](const QueueFigures& f) { return f.downgraded ? 1.0 : 0.0; }},
};

}  // namespace

std::string remote_name(const remote_write::Destination& destination) {
  return destination.name.empty() ? "url-" + fnv_hex(destination.url) : destination.name;
}

RemoteWriter::RemoteWriter(RemoteWriterOptions options, Logger& logger)
    : options_(std::move(options)), logger_(logger) {}

RemoteWriter::~RemoteWriter() { stop(); }

boost::system::result<std::unique_ptr<RemoteWriter>, exposition::MessageError> RemoteWriter::create(
    RemoteWriterOptions options, Logger& logger) {
  auto config = load_remote_write_config(options.config_file);
  if (!config) return config.error();
  std::unique_ptr<RemoteWriter> writer(new RemoteWriter(std::move(options), logger));
  auto queues = writer->build_queues(*config);
  if (!queues) return queues.error();
  writer->queues_ = std::move(*queues);
  return writer;
}

boost::system::result<RemoteWriter::Queues, exposition::MessageError> RemoteWriter::build_queues(
    const remote_write::RemoteWriteConfig& config) const {
  std::error_code ec;
  std::filesystem::create_directories(options_.positions_folder, ec);
  if (ec) return exposition::MessageError(options_.positions_folder.string() + ": " + ec.message());
  Queues queues;
  for (const auto& destination : config.destinations) {
    auto sender = remote_write::HttpSender::create(destination, options_.user_agent);
    if (!sender) return exposition::MessageError(options_.config_file + ": remote_write " +
                                                 remote_name(destination) + ": " + sender.error().message);
    remote_write::QueueOptions queue;
    queue.log_folder = options_.log_folder;
    queue.position_file = options_.positions_folder / (remote_name(destination) + ".position");
    queue.max_backlog_bytes = options_.max_backlog_bytes;
    queues.push_back(std::make_shared<DestinationQueue>(
        destination, queue, std::move(*sender), config.external_labels,
        [this](const remote_write::Destination& d, const remote_write::QueueEvent& e) { log_event(d, e); }));
  }
  return queues;
}

void RemoteWriter::log_event(const remote_write::Destination& destination,
                             const remote_write::QueueEvent& event) const {
  static constexpr std::pair<QueueEventKind, std::string_view> kMessages[] = {
      {QueueEventKind::failing, "remote write failing"},
      {QueueEventKind::recovered, "remote write delivering again"},
      {QueueEventKind::refused, "remote write batch refused by the receiver"},
      {QueueEventKind::downgraded, "remote write falls back to 1.0"},
      {QueueEventKind::backlog_dropped, "remote write dropped pushes unsent"},
      {QueueEventKind::error, "remote write queue error"},
  };
  std::string_view message = "remote write";
  for (auto [kind, text] : kMessages) {
    if (kind == event.kind) message = text;
  }
  const bool bad = event.kind != QueueEventKind::recovered && event.kind != QueueEventKind::downgraded;
  logger_.log(bad ? LogLevel::warn : LogLevel::info, FLOWGATE_CALLER, message,
              {{"remote_name", remote_name(destination)}, {"url", destination.url}, {"reason", event.sentence}});
}

void RemoteWriter::set_round_source(std::function<StreamedBody()> render_protobuf) {
  render_ = std::move(render_protobuf);
}

void RemoteWriter::start() {
  std::lock_guard lock(mutex_);
  for (auto& queue : queues_) queue->start();
  started_ = true;
}

void RemoteWriter::stop() {
  Queues stopping;
  {
    std::lock_guard lock(mutex_);
    stopping = queues_;
    started_ = false;
  }
  for (auto& queue : stopping) queue->stop();
}

std::uint64_t RemoteWriter::oldest_needed_segment() const {
  std::lock_guard lock(mutex_);
  std::uint64_t oldest = UINT64_MAX;
  for (const auto& queue : queues_) {
    if (auto needed = queue->oldest_needed_segment(); needed > 0) oldest = std::min(oldest, needed);
  }
  return oldest;
}

std::size_t RemoteWriter::destination_count() const {
  std::lock_guard lock(mutex_);
  return queues_.size();
}

boost::system::result<void, exposition::MessageError> RemoteWriter::reload() {
  auto config = load_remote_write_config(options_.config_file);
  if (!config) return config.error();
  auto fresh = build_queues(*config);
  if (!fresh) return fresh.error();
  Queues old;
  bool started = false;
  {
    std::lock_guard lock(mutex_);
    old = std::move(queues_);
    started = started_;
  }
  for (auto& queue : old) queue->stop();  // positions are saved: the new queues go on from there
  std::lock_guard lock(mutex_);
  queues_ = std::move(*fresh);
  if (started) {
    for (auto& queue : queues_) queue->start();
  }
  return {};
}

bool RemoteWriter::refresh() {
  const auto started = std::chrono::steady_clock::now();
  if (render_) {
    const StreamedBody body = render_();
    auto bytes = std::make_shared<std::string>();
    bytes->reserve(body.size);
    for (auto piece : body.pieces) bytes->append(piece);
    const std::int64_t now_ms = unix_now_ms();
    std::lock_guard lock(mutex_);
    for (auto& queue : queues_) queue->add_round(bytes, now_ms);
  }
  std::lock_guard lock(mutex_);
  last_duration_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  last_success_ = true;
  return true;
}

double RemoteWriter::last_duration_seconds() const {
  std::lock_guard lock(mutex_);
  return last_duration_;
}

bool RemoteWriter::last_success() const {
  std::lock_guard lock(mutex_);
  return last_success_;
}

std::vector<prometheus::MetricFamily> RemoteWriter::Collect() const {
  Queues queues;
  {
    std::lock_guard lock(mutex_);
    queues = queues_;
  }
  std::vector<prometheus::MetricFamily> families;
  for (const auto& figure : kFigureFamilies) {
    auto family = collectors::make_family(figure.name, figure.help, figure.type);
    for (const auto& queue : queues) {
      collectors::add_sample(family, figure.value(queue->figures()),
                             {{"remote_name", remote_name(queue->destination())}, {"url", queue->destination().url}});
    }
    families.push_back(std::move(family));
  }
  return families;
}

}  // namespace flowgate::exporter
