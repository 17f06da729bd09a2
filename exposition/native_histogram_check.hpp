#pragma once
// What makes a native histogram one Prometheus stores (its
// model/histogram Validate rules), plus the bounds that keep the work a
// histogram causes proportional to its bytes: any reader may then walk its
// buckets span by span without overflow. Pure function; safe from any thread.

#include <cstdint>
#include <optional>
#include <string>

#include "exposition/model.hpp"

namespace flowgate::exposition {

// Exponential schemas Prometheus accepts: bucket boundaries are powers of
// 2^(2^-schema).
inline constexpr std::int32_t kMinNativeSchema = -4;
inline constexpr std::int32_t kMaxNativeSchema = 8;

struct NativeHistogramViolation {
  std::string rule;      // kebab-case, e.g. "native-span-length"
  std::string sentence;  // names the side, bucket or span, and the limit
};

// nullopt when `metric` has no native part, when Prometheus would read it as
// a classic histogram (no spans, zero threshold and zero count not above 0:
// the native fields are then ignored), or when the native part holds:
//   - schema within [kMinNativeSchema, kMaxNativeSchema] (native-schema);
//   - zero threshold finite and >= 0 (native-zero-threshold);
//   - per side, spans after the first have offsets >= 0 (native-span-offset);
//   - every bucket index a float64 observation can reach at the schema,
//     ±Inf included: |index| about 1075·2^schema, so a side never has more
//     than 2100·2^schema + 4 buckets, 537,604 at schema 8 (native-bucket-index);
//   - per side, the span lengths add up to the number of deltas (integer
//     histograms) or counts (float histograms) (native-span-length);
//   - no bucket count negative once deltas are added up, float counts and the
//     float zero count finite and >= 0 (native-bucket-count);
//   - integer histograms: the zero count plus every bucket equals the count
//     (at most the count when the sum is NaN), checked while every figure is
//     below 2^53, where the model's doubles hold them exactly (native-count).
std::optional<NativeHistogramViolation> check_native_histogram(const Metric& metric);

}  // namespace flowgate::exposition
