#pragma once
// Aggregating pushes (docs/aggregation.md): a pushed family's samples are
// added to what the group holds instead of replacing it, so many short tasks
// pushing "pages_fetched 37" leave the total. Per type:
//
//   counter          added; a negative increment is refused
//   histogram        classic: bucket by bucket, _sum and _count added (the
//                    bucket bounds must be the stored ones); native: reduced
//                    to the coarser schema, then bucket by bucket (the zero
//                    threshold must be the stored one)
//   summary          _sum and _count added; quantiles are refused (they
//                    cannot be merged)
//   gauge, untyped   by the family's GaugeRule: last (replace, the default),
//                    sum, max or min
//   gauge histogram, info, stateset   replaced, as a plain push does
//
// A series of the stored family that the push does not carry is kept. A
// family whose type differs from the stored one is refused. Pure functions,
// safe from any thread.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/system/result.hpp>

#include "exposition/model.hpp"
#include "pushgw/push_error.hpp"

namespace flowgate::pushgw {

enum class GaugeRule { last, sum, max, min };

struct AggregationRules {
  GaugeRule gauges = GaugeRule::last;                              // every gauge family not named below
  std::map<std::string, GaugeRule, std::less<>> families;          // per family name
  GaugeRule rule_for(std::string_view family) const;
};

// The rules from the X-Flowgate-Gauge-Aggregation header: "sum", or
// "family=max,other=sum" (a bare rule sets the default for every gauge).
// Errors name the item and the accepted words.
boost::system::result<AggregationRules, std::string> parse_aggregation_rules(std::string_view header);

// `pushed` (labels sanitized, as stored) added to `stored` (nullopt: the
// group has no family of that name yet). Errors are `inconsistent` and name
// the family, the series and the rule.
boost::system::result<exposition::Family, PushError> aggregate_family(std::optional<exposition::Family> stored,
                                                                     exposition::Family pushed,
                                                                     const AggregationRules& rules);

struct StoredFamily;  // pushgw/group.hpp
struct Group;         // pushgw/group.hpp

// A hint, which changes nothing: starts loading the stored blocks of
// `group` that aggregate_stored will read for `pushed`, so that the cache
// misses of a group not touched for a while overlap with the work done
// before the adding up (sanitizing the push).
void prefetch_stored(const Group& group, const exposition::Families& pushed);

// The labels aggregate_stored moved out of pushed series into the totals
// (rather than copying them): for each such series, its index in the push
// and the index of the stored series with the same labels.
struct LentLabels {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> series;  // (pushed, stored)
};

// aggregate_family onto the family as the group stores it (null: none):
// the same totals, without re-parsing the stored block into the model where
// the family is a counter, gauge or untyped of plain values (no exemplar or
// created time), which is what most aggregating pushes add onto. There the
// labels of pushed series that pair with stored ones are moved into the
// totals and recorded in `lent`; anything else in `pushed` is left as it was.
boost::system::result<exposition::Family, PushError> aggregate_stored(const StoredFamily* stored,
                                                                     exposition::Family& pushed,
                                                                     const AggregationRules& rules, LentLabels& lent);

// Gives `pushed` back the labels aggregate_stored(stored, pushed, ...) lent
// out, read from `stored` (the same family it was given, still held).
void take_back(const StoredFamily& stored, exposition::Family& pushed, const LentLabels& lent);

}  // namespace flowgate::pushgw
