#include "tests/support/realistic_exposition.hpp"

#include <array>
#include <cmath>
#include <limits>
#include <string_view>

#include "exposition/writer.hpp"
#include "tests/support/random.hpp"

namespace flowgate::test_support {
namespace {

using namespace exposition;

struct Shape {
  std::string_view name;
  std::string_view help;
  MetricType type;
};

constexpr std::array<Shape, 8> kShapes = {{
    {"prefect_flow_runs_total", "Flow runs by final state.", MetricType::counter},
    {"prefect_task_runs_total", "Task runs by final state.", MetricType::counter},
    {"prefect_flow_run_duration_seconds", "Wall-clock duration of flow runs.", MetricType::histogram},
    {"prefect_work_pool_queue_depth", "Scheduled runs waiting in a work pool.", MetricType::gauge},
    {"etl_rows_processed_total", "Rows processed by ETL tasks.", MetricType::counter},
    {"etl_last_success_timestamp_seconds", "Unix time of the last successful run.", MetricType::gauge},
    {"http_request_duration_seconds", "Latency of HTTP calls made by tasks.", MetricType::histogram},
    {"process_resident_memory_bytes", "Resident memory size in bytes.", MetricType::gauge},
}};

constexpr std::array<std::string_view, 5> kStates = {"Completed", "Failed", "Crashed", "Cancelled", "Running"};
constexpr std::array<double, 11> kBounds = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

std::string hex_id(Random& random, std::size_t digits) {
  constexpr std::string_view kHex = "0123456789abcdef";
  std::string id;
  for (std::size_t i = 0; i < digits; ++i) id += kHex[random.below(16)];
  return id;
}

Labels series_labels(Random& random, std::size_t index) {
  Labels labels;
  labels.push_back(Label{"deployment", "etl-" + std::to_string(index % 97) + "/nightly"});
  labels.push_back(Label{"flow_run", "flow-run-" + hex_id(random, 8) + "-" + std::to_string(index)});
  labels.push_back(Label{"instance", "10.0." + std::to_string(index % 250) + "." + std::to_string(index % 7) + ":9100"});
  labels.push_back(Label{"state", std::string(kStates[index % kStates.size()])});
  if (index % 3 == 0) labels.push_back(Label{"work_pool", "k8s-pool-" + std::to_string(index % 5)});
  return labels;
}

}  // namespace

Families realistic_families(std::size_t series, std::uint64_t seed) {
  Random random(seed);
  Families families;
  for (const Shape& shape : kShapes) families.push_back(Family{std::string(shape.name), std::string(shape.help), shape.type, "", {}});
  std::size_t lines = 0;
  for (std::size_t index = 0; lines < series; ++index) {
    Family& family = families[index % families.size()];
    Metric metric;
    metric.labels = series_labels(random, index);
    switch (family.type) {
      case MetricType::counter:
        metric.value = static_cast<double>(random.below(50'000'000));
        ++lines;
        break;
      case MetricType::gauge:
        metric.value = random.chance(50) ? static_cast<double>(random.below(4096)) : 1.7e9 + random.unit() * 1e6;
        ++lines;
        break;
      default: {
        double count = 0;
        for (const double bound : kBounds) {
          count += static_cast<double>(random.below(40));
          metric.buckets.push_back(Bucket{bound, count, std::nullopt});
        }
        count += static_cast<double>(random.below(5));
        metric.buckets.push_back(Bucket{std::numeric_limits<double>::infinity(), count, std::nullopt});
        metric.sample_count = count;
        metric.sample_sum = std::round(count * random.unit() * 3e5) / 1e3;
        lines += metric.buckets.size() + 2;
        break;
      }
    }
    family.metrics.push_back(std::move(metric));
  }
  return families;
}

std::string realistic_text_exposition(std::size_t series, std::uint64_t seed) {
  return write(Format::text, realistic_families(series, seed));
}

}  // namespace flowgate::test_support
