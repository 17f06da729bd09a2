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
};

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
      collector_duration_(add_family(prometheus::BuildGauge(), *registry_, "flowgate_scrape_collector_duration_seconds", "flowgate: Duration of a collector's last refresh.")) {
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
