#pragma once
// What a group fed by OTLP keeps besides its families, stored and logged with
// the group so a restart keeps it: the running totals of series that arrive
// as deltas (a restart must not reset a counter), and when each series was
// last exported (series that stop being exported are dropped after
// --otlp.series-ttl). A group pushed through the Pushgateway API has none.
// Immutable once built, shared between snapshots.

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "exposition/model.hpp"
#include "exposition/otlp_translate.hpp"

namespace flowgate::pushgw {

struct OtlpState {
  exposition::otlp::DeltaState deltas;                 // by exposition::otlp::delta_key
  std::map<std::string, double, std::less<>> last_seen;  // by otlp_series_key: Unix seconds of the last export carrying it

  friend bool operator==(const OtlpState&, const OtlpState&) = default;
};
using OtlpStatePtr = std::shared_ptr<const OtlpState>;

// "family\xFFname\xFFvalue\xFF…": one series of the group, labels as stored
// (sorted, grouping labels included).
std::string otlp_series_key(std::string_view family, const exposition::Labels& labels);

}  // namespace flowgate::pushgw
