#pragma once
// Prometheus remote write requests, both protocol versions, encoded from
// plain series: 1.0 (prometheus.WriteRequest, labels spelled out in every
// series, metadata per family) and 2.0 (io.prometheus.write.v2.Request,
// labels, help and unit as references into one symbol table, metadata and
// start timestamps per series). The bytes are the protobuf message before
// snappy. Pure functions; safe from any thread.

#include <cstdint>
#include <string>
#include <memory>
#include <string_view>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "exposition/model.hpp"
#include "remote_write/protocol.hpp"

namespace flowgate::remote_write {

// The StaleNaN of Prometheus: a sample with this value ends its series.
inline constexpr std::uint64_t kStaleNaNBits = 0x7ff0000000000002ULL;
double stale_nan();

struct Sample {
  double value = 0;
  std::int64_t timestamp_ms = 0;
  std::int64_t start_timestamp_ms = 0;  // 2.0 only; 0: unknown
};

struct Histogram {
  exposition::NativeHistogram native;
  double count = 0;
  double sum = 0;
  bool float_counts = false;
  bool gauge = false;  // a gauge histogram (reset hint GAUGE)
  std::int64_t timestamp_ms = 0;
  std::int64_t start_timestamp_ms = 0;  // 2.0 only
};

struct Exemplar {
  exposition::Labels labels;
  double value = 0;
  std::int64_t timestamp_ms = 0;
};

// What 2.0 carries per series and 1.0 per family.
struct Metadata {
  exposition::MetricType type = exposition::MetricType::untyped;
  std::string help;
  std::string unit;
};

// A family's name (1.0 metadata names it) and metadata: one per family,
// shared by its series rather than copied into each.
struct FamilyMetadata {
  std::string name;
  Metadata metadata;
};

// One series: labels sorted by name with __name__ among them, none empty.
struct TimeSeries {
  exposition::Labels labels;
  boost::container::small_vector<Sample, 1> samples;  // in time order; one, nearly always
  std::vector<Histogram> histograms;
  std::vector<Exemplar> exemplars;
  std::shared_ptr<const FamilyMetadata> family;  // never null; the series' own __name__ for plain series
};

std::string encode(Protocol protocol, const std::vector<TimeSeries>& series);

// The pieces of a 1.0 WriteRequest, for writers that build one as they go
// (a WriteRequest is its fields one after the other): one TimeSeries
// (field 1) and one family's MetricMetadata (field 3).
void put_v1_series(const TimeSeries& series, std::string& out);
void put_v1_metadata(std::string_view family, const Metadata& metadata, std::string& out);

// The request headers each version sends (Content-Encoding is snappy for both).
std::string_view content_type(Protocol protocol);
std::string_view version_header(Protocol protocol);

}  // namespace flowgate::remote_write
