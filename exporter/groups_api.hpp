#pragma once
// GET /api/v1/groups?offset=&limit=&match=: one page of the pushed groups for
// the web UI (flowgate's own endpoint; the Pushgateway has none), so a page
// of 10,000 groups costs one page's JSON, not the store's:
//   {"status":"success","data":{"total":T,"matched":M,"offset":O,"limit":L,"now":S,
//    "groups":[{"labels":[{"name":…,"value":…}],"delete_path":"job/…",
//      "last_push":S,"last_failure":S,"age":S,"deadline":S,
//      "state":"fresh"|"stale"|"failed"|"never",
//      "families":[{"name","type","help","series":N,"samples":"…","truncated":B}]}]}}
// Groups in grouping-key order. `state` follows flowgate_group_up
// (exporter/group_freshness.hpp): failed when the last push failed, never
// when no push succeeded yet, stale when older than its deadline, else fresh.
// `samples` are the family's series in the text format, cut at a line end
// after kMaxSampleBytes (then `truncated` is true).

#include <cstddef>
#include <string>
#include <string_view>

#include <boost/system/result.hpp>

#include "exporter/group_freshness.hpp"
#include "exposition/names.hpp"
#include "pushgw/snapshot.hpp"

namespace flowgate::exporter {

inline constexpr std::size_t kDefaultGroupsPerPage = 50;
inline constexpr std::size_t kMaxGroupsPerPage = 500;
inline constexpr std::size_t kMaxSampleBytes = 8192;

struct GroupsQuery {
  std::size_t offset = 0;
  std::size_t limit = kDefaultGroupsPerPage;
  std::string match;  // see group_matches
};

// The query of `target`; the error names the parameter and its rule.
boost::system::result<GroupsQuery, std::string> parse_groups_query(std::string_view target);

// Whether every whitespace-separated term of `match` finds something in the
// group, ignoring case: a term `name=value` a grouping label with that name
// whose value contains `value`; any other term a grouping label name or
// value, or a family name, that contains it. An empty `match` takes all.
bool group_matches(const pushgw::Group& group, std::string_view match);

struct GroupsView {
  double now_seconds = 0;
  FreshnessOptions freshness;
  exposition::NameValidation names = exposition::NameValidation::legacy;
};

// The JSON body described above.
std::string groups_json(const pushgw::Snapshot& snapshot, const GroupsQuery& query, const GroupsView& view);

}  // namespace flowgate::exporter
