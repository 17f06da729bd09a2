#pragma once
// The bounds on what one push may bring and what the store may hold, so that
// no client can make a push cost more than its size or fill the store for
// everyone else. 0 means no limit. The exporter sets them from the
// --push.max-* flags (docs/flags.md); these defaults are the flags' defaults,
// far above what a normal deployment pushes. Limits gate new pushes only:
// a store recovered from disk may hold more, and DELETE is never limited.

#include <cstddef>
#include <string>
#include <string_view>

#include <boost/system/result.hpp>

#include "exposition/model.hpp"
#include "exposition/names.hpp"
#include "pushgw/push_error.hpp"

namespace flowgate::pushgw {

// Checked on each request, before anything proportional to more than its size.
struct PushLimits {
  // Labels of one series as the body carries them; the grouping labels, added
  // later, are bounded by max_grouping_labels (too_many_labels).
  std::size_t max_labels_per_series = 64;
  std::size_t max_grouping_labels = 32;               // `job` included (too_many_grouping_labels)
  std::size_t max_label_name_bytes = 256;             // body and URL (label_name_too_long)
  // Body and URL label values, and metric names, which Prometheus counts as
  // the value of __name__ (label_value_too_long).
  std::size_t max_label_value_bytes = std::size_t{8} << 10;
  std::size_t max_series_per_push = 100'000;          // a histogram or summary is one series (too_many_series)
  std::size_t max_body_bytes = std::size_t{64} << 20;  // after gzip inflation (body_too_large)
  // Which metric and label names a push may use, in the body and the URL:
  // utf8 with --push.enable-utf8-names.
  exposition::NameValidation names = exposition::NameValidation::legacy;
  // The grouping key may carry kGroupTtlLabel (reserved, so refused
  // otherwise): push routes read a declared group lifetime from it and take
  // it out of the key.
  bool group_ttl_label = false;
};

// The grouping label that declares a group's time to live, for clients that
// cannot set the X-Flowgate-Group-TTL header. Reserved (`__`), so no
// grouping key the Pushgateway accepts can mean anything else by it.
inline constexpr std::string_view kGroupTtlLabel = "__group_ttl";

// Checked by GroupStore under its writer lock, against the store as it is.
struct StoreQuotas {
  std::size_t max_series_per_group = 100'000;         // after the change, push-time gauges included (group_too_large)
  std::size_t max_groups = 100'000;                   // refuses new groups only (too_many_groups)
  std::size_t max_store_bytes = std::size_t{4} << 30;  // Snapshot::block_bytes, refuses growth only (store_full)
};

// The length limits of `limits` over a parsed body: label names and values,
// metric names. O(labels); errors name the limit, its flag and the family.
// Series per push and labels per series are bounded earlier, by the parsers
// (exposition::ParseBounds), so that an over-limit body is never built whole.
boost::system::result<void, PushError> check_push_limits(const exposition::Families& families,
                                                         const PushLimits& limits);

// True when `value` is past `limit`; a limit of 0 is none.
inline bool exceeds_limit(std::size_t value, std::size_t limit) { return limit != 0 && value > limit; }

// "more than the limit of 64 (--push.max-labels-per-series)": the tail every
// limit message ends with.
std::string over_limit(std::size_t limit, std::string_view flag);

}  // namespace flowgate::pushgw
