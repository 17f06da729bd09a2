#pragma once
// One accepted change of the group store, as the write-ahead log records it
// and recovery replays it: the families it put (already rendered, so a replay
// restores them bit for bit without parsing or checking), or the group it
// removed. apply_change is the whole of replay; it trusts its input.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "pushgw/group.hpp"
#include "pushgw/grouping_key.hpp"

namespace flowgate::pushgw {

enum class ChangeKind : std::uint8_t {
  put = 'P',     // PUT, POST or a recorded push failure: times set, `families` put
  remove = 'D',  // DELETE
  wipe = 'W',    // PUT /api/v1/admin/wipe
  expire = 'X',  // removed by --push.group-ttl (replays like remove)
};

struct Change {
  ChangeKind kind = ChangeKind::put;
  GroupingKey key;                    // put, remove, expire
  double push_time_seconds = 0;       // put: the group's times after the change
  double push_failure_time_seconds = 0;
  bool replaces_group = false;        // put: true drops every family not in `families` (PUT)
  std::vector<FamilyPtr> families;    // put: ascending by name; replace same-named ones
};

// Groups by GroupingKey::id().
using GroupMap = std::map<std::string, GroupPtr, std::less<>>;

void apply_change(GroupMap& groups, const Change& change);

}  // namespace flowgate::pushgw
