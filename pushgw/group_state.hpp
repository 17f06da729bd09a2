#pragma once
// What a group keeps besides its families, stored and logged with the group
// (ChangeKind::stateful_put, the snapshot's 'S' records) so a restart keeps
// it. For aggregating pushes: the idempotency keys applied. For OTLP: the running totals of series that arrive as deltas (a restart
// must not reset a counter), and when each series was last exported (series
// that stop being exported are dropped after --otlp.series-ttl). A group
// pushed only through the Pushgateway API has none.
// Immutable once built, shared between snapshots.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <boost/unordered/unordered_flat_map.hpp>

#include "exposition/model.hpp"
#include "exposition/otlp_translate.hpp"

namespace flowgate::pushgw {

struct GroupState {
  exposition::otlp::DeltaState deltas;                 // by exposition::otlp::delta_key
  // By series_hash (of the stored, sanitized labels): Unix seconds of the
  // last export carrying the series.
  boost::unordered_flat_map<std::uint64_t, double> last_seen;
  // Aggregating pushes: idempotency key → Unix seconds it was applied; a
  // push repeating a key within --push.idempotency-window adds nothing.
  std::map<std::string, double, std::less<>> idempotency_keys;

  friend bool operator==(const GroupState&, const GroupState&) = default;
};
using GroupStatePtr = std::shared_ptr<const GroupState>;

}  // namespace flowgate::pushgw
