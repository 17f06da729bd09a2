#pragma once
// An OpenTelemetry AnyValue as decoded from either encoding, and its
// rendering as a label value the way OpenTelemetry's Value.AsString does it
// (so the labels match what the Collector and Prometheus 3 produce).

#include <cstdint>
#include <string>
#include <vector>

namespace flowgate::exposition::otlp {

struct AnyValue {
  struct Entry;
  enum class Kind : std::uint8_t { empty, string, boolean, integer, floating, bytes, array, map };
  Kind kind = Kind::empty;
  std::string text;  // string; bytes (raw)
  bool boolean = false;
  std::int64_t integer = 0;
  double floating = 0;
  std::vector<AnyValue> items;                            // array
  std::vector<Entry> entries;  // map, in the order sent
};

struct AnyValue::Entry {
  std::string key;
  AnyValue value;
};

// Nesting deeper than this is refused by the decoders: it is no attribute a
// person wrote, and each level costs stack.
inline constexpr int kMaxAnyValueDepth = 16;

// Strings as they are; booleans "true"/"false"; integers in decimal; doubles
// as ES6 numbers ("NaN", "Infinity", 1e+21, 1e-7, else fixed); bytes in
// standard base64; arrays and maps as JSON (map keys sorted, no HTML escaping).
std::string render(const AnyValue& value);

}  // namespace flowgate::exposition::otlp
