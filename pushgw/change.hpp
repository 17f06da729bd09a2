#pragma once
// One accepted change of the group store, as the write-ahead log records it
// and recovery replays it: the families it put (already rendered, so a replay
// restores them bit for bit without parsing or checking), the whole group an
// OTLP export left, or the group it removed. apply_change is the whole of replay; it trusts its input.

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
  stateful_put = 'S',  // the group as a whole, families and GroupState (OTLP exports, sweeps)
};

struct Change {
  ChangeKind kind = ChangeKind::put;
  GroupingKey key;                    // put, remove, expire
  double push_time_seconds = 0;       // put: the group's times after the change
  double push_failure_time_seconds = 0;
  bool replaces_group = false;        // put: true drops every family not in `families` (PUT)
  std::vector<FamilyPtr> families;    // put: ascending by name; replace same-named ones. stateful_put: all of them
  GroupStatePtr state;                // stateful_put: the group's state after the change
  double ttl_seconds = 0;             // put, stateful_put: the group's Group::ttl_seconds after the change
};

// Groups by GroupingKey::id(), or by legacy_group_id() while recovery replays
// log records written before ids were escaped.
using GroupMap = std::map<std::string, GroupPtr, std::less<>>;
enum class GroupIds { escaped, legacy };

// The Pushgateway's join "name\xFFvalue\xFF..." without escaping: how
// flowgate matched a change to its group before log format version 2. Two
// keys share it only when a value holds a 0xFF byte (never in UTF-8).
std::string legacy_group_id(const GroupingKey& key);

// `ids` says how `groups` is keyed; the groups it stores have Group::id =
// key.id() either way.
void apply_change(GroupMap& groups, const Change& change, GroupIds ids = GroupIds::escaped);

}  // namespace flowgate::pushgw
