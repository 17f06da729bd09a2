#include "pushgw/change.hpp"

namespace flowgate::pushgw {

void apply_change(GroupMap& groups, const Change& change) {
  switch (change.kind) {
    case ChangeKind::wipe:
      groups.clear();
      return;
    case ChangeKind::remove:
    case ChangeKind::expire:
      groups.erase(change.key.id());
      return;
    case ChangeKind::put:
      break;
  }
  auto id = change.key.id();
  auto group = std::make_shared<Group>();
  group->key = change.key;
  group->push_time_seconds = change.push_time_seconds;
  group->push_failure_time_seconds = change.push_failure_time_seconds;
  const auto old = groups.find(id);
  if (old == groups.end() || change.replaces_group) {
    group->families = change.families;
  } else {
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
  group->id = id;
  groups.insert_or_assign(std::move(id), std::move(group));
}

}  // namespace flowgate::pushgw
