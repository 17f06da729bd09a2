#include "exporter/self_metrics.hpp"

#include <algorithm>
#include <cctype>

#include "exporter/build_info.hpp"

namespace flowgate::exporter {
namespace {

const prometheus::Histogram::BucketBoundaries& duration_buckets() {
  static const prometheus::Histogram::BucketBoundaries buckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                                0.05,   0.1,   0.25,   0.5,   1,    2.5,
                                                                5,      10};
  return buckets;
}

const prometheus::Histogram::BucketBoundaries& size_buckets() {
  static const prometheus::Histogram::BucketBoundaries buckets{256,     1024,     4096,      16384,    65536,
                                                                262144,  1048576,  4194304,   16777216, 67108864};
  return buckets;
}

template <typename Builder>
auto& add_family(Builder builder, prometheus::Registry& registry, const char* name, const char* help) {
  return builder.Name(name).Help(help).Register(registry);
}

struct OwnFamily {
  std::string_view name;
  exposition::MetricType type;
};

constexpr OwnFamily kOwnFamilies[] = {
    {"flowgate_build_info", exposition::MetricType::gauge},
    {"flowgate_http_requests_total", exposition::MetricType::counter},
    {"flowgate_http_request_duration_seconds", exposition::MetricType::histogram},
    {"flowgate_http_push_size_bytes", exposition::MetricType::histogram},
    {"flowgate_store_groups", exposition::MetricType::gauge},
    {"flowgate_store_series", exposition::MetricType::gauge},
    {"flowgate_store_bytes", exposition::MetricType::gauge},
    {"flowgate_push_rejections_total", exposition::MetricType::counter},
    {"flowgate_scrape_collector_success", exposition::MetricType::gauge},
    {"flowgate_scrape_collector_duration_seconds", exposition::MetricType::gauge},
    {"flowgate_store_groups_expired_total", exposition::MetricType::counter},
    {"flowgate_persistence_log_bytes", exposition::MetricType::gauge},
    {"flowgate_persistence_log_records_total", exposition::MetricType::counter},
    {"flowgate_persistence_fsyncs_total", exposition::MetricType::counter},
    {"flowgate_persistence_write_failures_total", exposition::MetricType::counter},
    {"flowgate_persistence_compactions_total", exposition::MetricType::counter},
    {"flowgate_persistence_last_compaction_timestamp_seconds", exposition::MetricType::gauge},
    {"flowgate_persistence_last_compaction_duration_seconds", exposition::MetricType::gauge},
    {"flowgate_persistence_recovery_info", exposition::MetricType::gauge},
    {"flowgate_persistence_recovery_records", exposition::MetricType::gauge},
    {"flowgate_persistence_recovery_dropped_bytes", exposition::MetricType::gauge},
    {"flowgate_persistence_recovery_duration_seconds", exposition::MetricType::gauge},
    // exporter/group_freshness.hpp, not in the registry: computed per scrape.
    {"flowgate_group_up", exposition::MetricType::gauge},
    {"flowgate_group_last_push_age_seconds", exposition::MetricType::gauge},
};

// prometheus-cpp counters only go up by increments; the figures are totals.
void advance_to(prometheus::Counter& counter, double total) {
  if (total > counter.Value()) counter.Increment(total - counter.Value());
}

}  // namespace

std::string lower_method(std::string_view method) {
  std::string out(method);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

SelfMetrics::SelfMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      requests_(add_family(prometheus::BuildCounter(), *registry_, "flowgate_http_requests_total", "Total HTTP requests answered by flowgate, scrapes included.")),
      request_duration_(add_family(prometheus::BuildHistogram(), *registry_, "flowgate_http_request_duration_seconds", "Time from a request read to its response written.")),
      push_size_(add_family(prometheus::BuildHistogram(), *registry_, "flowgate_http_push_size_bytes", "Body bytes of PUT/POST pushes as received.")),
      rejections_(add_family(prometheus::BuildCounter(), *registry_, "flowgate_push_rejections_total", "Pushes refused, by reason.")),
      store_groups_(add_family(prometheus::BuildGauge(), *registry_, "flowgate_store_groups", "Groups stored.")),
      store_series_(add_family(prometheus::BuildGauge(), *registry_, "flowgate_store_series", "Series stored (pushed samples, not counting the push time gauges).")),
      store_bytes_(add_family(prometheus::BuildGauge(), *registry_, "flowgate_store_bytes", "Bytes held by stored groups.")),
      collector_success_(add_family(prometheus::BuildGauge(), *registry_, "flowgate_scrape_collector_success", "flowgate: Whether a collector's last refresh succeeded.")),
      collector_duration_(add_family(prometheus::BuildGauge(), *registry_, "flowgate_scrape_collector_duration_seconds", "flowgate: Duration of a collector's last refresh.")),
      groups_expired_(add_family(prometheus::BuildCounter(), *registry_, "flowgate_store_groups_expired_total", "Groups removed because their last successful push was older than --push.group-ttl.")) {
  groups_expired_.Add({});
  const auto& info = build_info();
  add_family(prometheus::BuildGauge(), *registry_, "flowgate_build_info", "A metric with a constant '1' value labeled by version, revision, branch and compiler from which "
            "flowgate was built.")
      .Add({{"version", std::string(info.version)},
            {"revision", std::string(info.revision)},
            {"branch", std::string(info.branch)},
            {"compiler", std::string(info.compiler)}})
      .Set(1);
  store_groups_.Add({});
  store_series_.Add({});
  store_bytes_.Add({});
}

void SelfMetrics::record_request(std::string_view handler, std::string_view method, int code, double seconds) {
  std::string method_label = lower_method(method);
  requests_.Add({{"handler", std::string(handler)}, {"method", method_label}, {"code", std::to_string(code)}})
      .Increment();
  request_duration_.Add({{"handler", std::string(handler)}, {"method", method_label}}, duration_buckets())
      .Observe(seconds);
}

void SelfMetrics::record_push_size(std::string_view method, std::size_t body_bytes) {
  push_size_.Add({{"method", lower_method(method)}}, size_buckets()).Observe(static_cast<double>(body_bytes));
}

void SelfMetrics::record_push_rejection(std::string_view reason) {
  rejections_.Add({{"reason", std::string(reason)}}).Increment();
}

void SelfMetrics::set_store_size(double groups, double series, double bytes) {
  store_groups_.Add({}).Set(groups);
  store_series_.Add({}).Set(series);
  store_bytes_.Add({}).Set(bytes);
}

struct SelfMetrics::PersistenceFamilies {
  explicit PersistenceFamilies(prometheus::Registry& registry)
      : log_bytes(add_family(prometheus::BuildGauge(), registry, "flowgate_persistence_log_bytes", "Bytes in the write-ahead log's live segments.").Add({})),
        log_records(add_family(prometheus::BuildCounter(), registry, "flowgate_persistence_log_records_total", "Changes appended to the write-ahead log since start.").Add({})),
        fsyncs(add_family(prometheus::BuildCounter(), registry, "flowgate_persistence_fsyncs_total", "fdatasync calls on the write-ahead log (concurrent pushes share one).").Add({})),
        write_failures(add_family(prometheus::BuildCounter(), registry, "flowgate_persistence_write_failures_total", "Changes refused because writing them to the log failed (e.g. a full disk).").Add({})),
        compactions(add_family(prometheus::BuildCounter(), registry, "flowgate_persistence_compactions_total", "Compactions of the log into the snapshot file, by result.")),
        compactions_success(compactions.Add({{"result", "success"}})),
        compactions_failure(compactions.Add({{"result", "failure"}})),
        last_compaction_time(add_family(prometheus::BuildGauge(), registry, "flowgate_persistence_last_compaction_timestamp_seconds", "Unix time of the last successful compaction (0: none since start).").Add({})),
        last_compaction_duration(add_family(prometheus::BuildGauge(), registry, "flowgate_persistence_last_compaction_duration_seconds", "Duration of the last successful compaction.").Add({})),
        recovery_info(add_family(prometheus::BuildGauge(), registry, "flowgate_persistence_recovery_info", "Outcome of the recovery at the last start: empty, clean or tail_cut (a damaged log tail was cut off).")),
        recovery_records(add_family(prometheus::BuildGauge(), registry, "flowgate_persistence_recovery_records", "Log records replayed at the last start.").Add({})),
        recovery_dropped_bytes(add_family(prometheus::BuildGauge(), registry, "flowgate_persistence_recovery_dropped_bytes", "Bytes of damaged log tail cut off at the last start.").Add({})),
        recovery_duration(add_family(prometheus::BuildGauge(), registry, "flowgate_persistence_recovery_duration_seconds", "Time the last start took to load the snapshot and replay the log.").Add({})) {}

  prometheus::Gauge& log_bytes;
  prometheus::Counter& log_records;
  prometheus::Counter& fsyncs;
  prometheus::Counter& write_failures;
  prometheus::Family<prometheus::Counter>& compactions;
  prometheus::Counter& compactions_success;
  prometheus::Counter& compactions_failure;
  prometheus::Gauge& last_compaction_time;
  prometheus::Gauge& last_compaction_duration;
  prometheus::Family<prometheus::Gauge>& recovery_info;
  prometheus::Gauge& recovery_records;
  prometheus::Gauge& recovery_dropped_bytes;
  prometheus::Gauge& recovery_duration;
};

void SelfMetrics::set_persistence(const StoreKeeperFigures& figures) {
  std::lock_guard lock(persistence_mutex_);
  advance_to(groups_expired_.Add({}), static_cast<double>(figures.groups_expired));
  if (!figures.persistent) return;
  if (!persistence_) {
    persistence_ = std::make_unique<PersistenceFamilies>(*registry_);
    persistence_->recovery_info.Add({{"outcome", std::string(pushgw::persistence::name(figures.recovery.outcome))}})
        .Set(1);
  }
  auto& p = *persistence_;
  p.log_bytes.Set(static_cast<double>(figures.log.bytes));
  advance_to(p.log_records, static_cast<double>(figures.log.records));
  advance_to(p.fsyncs, static_cast<double>(figures.log.syncs));
  advance_to(p.write_failures, static_cast<double>(figures.log.write_failures));
  advance_to(p.compactions_success, static_cast<double>(figures.compactions));
  advance_to(p.compactions_failure, static_cast<double>(figures.compaction_failures));
  p.last_compaction_time.Set(figures.last_compaction_time);
  p.last_compaction_duration.Set(figures.last_compaction_seconds);
  p.recovery_records.Set(static_cast<double>(figures.recovery.records_replayed));
  p.recovery_dropped_bytes.Set(static_cast<double>(figures.recovery.dropped_bytes));
  p.recovery_duration.Set(figures.recovery_seconds);
}

SelfMetrics::~SelfMetrics() = default;

void SelfMetrics::set_collector_result(std::string_view collector, bool success, double seconds) {
  collector_success_.Add({{"collector", std::string(collector)}}).Set(success ? 1 : 0);
  collector_duration_.Add({{"collector", std::string(collector)}}).Set(seconds);
}

std::optional<exposition::MetricType> SelfMetrics::family_type(std::string_view name) {
  for (const auto& family : kOwnFamilies) {
    if (family.name == name) return family.type;
  }
  return std::nullopt;
}

}  // namespace flowgate::exporter
