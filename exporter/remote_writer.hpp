#pragma once
// --remote-write.config-file at run time: one DestinationQueue per
// `remote_write:` destination (remote_write/destination_queue.hpp), each
// reading the store's write-ahead log from its own saved position
// (<persistence.file>.remote_write/<name>.position), plus the rounds: every
// --remote-write.interval the whole /metrics body, as a Prometheus scraping
// flowgate with honor_labels would store it, stamped with one time.
// It is a collector so that the scheduler runs the rounds on its thread and
// a scrape shows the prometheus_remote_storage_* families; it logs each
// destination's episodes (failing, recovered, refused, dropped) once.
// SIGHUP: reload() re-reads the file; queues restart from their saved
// positions, so nothing the log holds is lost (rounds waiting in memory are).
// Thread-safe.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/system/result.hpp>

#include "collectors/collector.hpp"
#include "exporter/exchange.hpp"
#include "exporter/log.hpp"
#include "exposition/message_error.hpp"
#include "remote_write/destination_queue.hpp"

namespace flowgate::exporter {

struct RemoteWriterOptions {
  std::string config_file;
  std::filesystem::path log_folder;        // the store's write-ahead log
  std::filesystem::path positions_folder;  // where each destination's position is kept
  std::chrono::milliseconds interval{15'000};
  std::uint64_t max_backlog_bytes = 512ULL << 20;
  std::string user_agent = "flowgate";
};

class RemoteWriter final : public collectors::Collector {
 public:
  // Reads the config file; an unusable file or destination (URL, TLS files)
  // is an error naming it. No thread runs before start().
  static boost::system::result<std::unique_ptr<RemoteWriter>, exposition::MessageError> create(
      RemoteWriterOptions options, Logger& logger);
  ~RemoteWriter() override;

  // Where a round's body comes from: the scrape, in protobuf.
  void set_round_source(std::function<StreamedBody()> render_protobuf);
  void start();
  void stop();
  // The oldest log segment a destination still needs (compaction keeps it);
  // UINT64_MAX when none needs any.
  std::uint64_t oldest_needed_segment() const;
  boost::system::result<void, exposition::MessageError> reload();
  std::size_t destination_count() const;

  std::string_view name() const override { return "remote_write"; }
  std::chrono::milliseconds interval() const override { return options_.interval; }
  bool refresh() override;  // one round
  double last_duration_seconds() const override;
  bool last_success() const override;
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  using Queues = std::vector<std::shared_ptr<remote_write::DestinationQueue>>;
  RemoteWriter(RemoteWriterOptions options, Logger& logger);
  boost::system::result<Queues, exposition::MessageError> build_queues(
      const remote_write::RemoteWriteConfig& config) const;
  void log_event(const remote_write::Destination& destination, const remote_write::QueueEvent& event) const;

  const RemoteWriterOptions options_;
  Logger& logger_;
  std::function<StreamedBody()> render_;
  mutable std::mutex mutex_;  // guards the members below
  Queues queues_;
  bool started_ = false;
  double last_duration_ = 0;
  bool last_success_ = true;
};

// "thanos" for a named destination, else "url-<6 hex>" from its URL: the
// remote_name label and the position file's name.
std::string remote_name(const remote_write::Destination& destination);

}  // namespace flowgate::exporter
