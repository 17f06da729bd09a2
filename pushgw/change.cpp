#include "pushgw/change.hpp"

namespace flowgate::pushgw {

std::string legacy_group_id(const GroupingKey& key) {
  std::string out;
  for (const auto& label : key.labels) {
    if (!out.empty()) out += '\xFF';
    out += label.name;
    out += '\xFF';
    out += label.value;
  }
  return out;
}

void apply_change(GroupMap& groups, const Change& change, GroupIds ids) {
  const auto map_key = [ids](const GroupingKey& key) {
    return ids == GroupIds::legacy ? legacy_group_id(key) : key.id();
  };
  switch (change.kind) {
    case ChangeKind::wipe:
      groups.clear();
      return;
    case ChangeKind::remove:
    case ChangeKind::expire:
      groups.erase(map_key(change.key));
      return;
    case ChangeKind::put:
    case ChangeKind::stateful_put:
      break;
  }
  auto id = map_key(change.key);
  auto group = std::make_shared<Group>();
  group->key = change.key;
  group->push_time_seconds = change.push_time_seconds;
  group->push_failure_time_seconds = change.push_failure_time_seconds;
  group->ttl_seconds = change.ttl_seconds;
  const auto old = groups.find(id);
  if (change.kind == ChangeKind::stateful_put) {
    group->families = change.families;
    group->state = change.state;
  } else if (old == groups.end() || change.replaces_group) {
    group->families = change.families;
  } else {
    group->state = old->second->state;
    // Both lists ascend by name: merge them, the change's family winning a tie.
    const auto& kept = old->second->families;
    group->families.reserve(kept.size() + change.families.size());
    auto k = kept.begin();
    for (const auto& put : change.families) {
      for (; k != kept.end() && (*k)->name < put->name; ++k) group->families.push_back(*k);
      if (k != kept.end() && (*k)->name == put->name) ++k;
      group->families.push_back(put);
    }
    group->families.insert(group->families.end(), k, kept.end());
  }
  group->id = change.key.id();
  groups.insert_or_assign(std::move(id), std::move(group));
}

}  // namespace flowgate::pushgw
