#pragma once
// The Pushgateway's consistency check, done against the family index instead
// of a full gather: a push is accepted when, after it, every family name has
// one type (across groups and flowgate's own metrics), no series is stored
// twice, and no `_count`/`_sum`/`_bucket` name collides with a summary or
// histogram. The per-series rules live in build_candidate. Runs under the
// writer lock in O(pushed series); HELP differences are tolerated.

#include <span>

#include <boost/system/result.hpp>

#include "pushgw/family_index.hpp"
#include "pushgw/group.hpp"
#include "pushgw/push_error.hpp"
#include "pushgw/snapshot.hpp"
#include "pushgw/store_options.hpp"

namespace flowgate::pushgw {

// `old_group` is the stored group of the pushed key, or null; `pushed` the
// candidate's families (ascending by name). Errors are `inconsistent` and name
// the family, the series where there is one, and the rule.
boost::system::result<void, PushError> check_consistency(const FamilyIndex& index, const Group* old_group,
                                                         std::span<const FamilyPtr> pushed, PushMode mode,
                                                         const StoreOptions& options);

// The same rules over a whole snapshot, group by group in key order: what a
// scrape must report when pushes were stored unchecked
// (--push.disable-consistency-check), as the Pushgateway's full gather does.
// O(stored series).
boost::system::result<void, PushError> check_whole_store(const Snapshot& snapshot, const StoreOptions& options);

}  // namespace flowgate::pushgw
