#include "remote_write/change_series.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>

#include "pushgw/series_hash.hpp"
#include "remote_write/series.hpp"

namespace flowgate::remote_write {
namespace {

std::int64_t milliseconds(double seconds) { return static_cast<std::int64_t>(std::llround(seconds * 1000)); }

// The series of `old` that `now` does not carry (by series hash), as the
// same family with only those.
exposition::Family ended_series(const pushgw::StoredFamily& old, const pushgw::StoredFamily* now) {
  exposition::Family family = old.model();
  if (now == nullptr) return family;
  exposition::Family ended = family;
  ended.metrics.clear();
  for (const auto& metric : family.metrics) {
    const auto hash = pushgw::series_hash(family.name, metric.labels);
    if (!std::binary_search(now->series_hashes.begin(), now->series_hashes.end(), hash)) {
      ended.metrics.push_back(metric);
    }
  }
  return ended;
}

}  // namespace

void SentGroups::end_group(const std::string& id, std::int64_t at_ms, std::vector<TimeSeries>& out) {
  auto found = groups_.find(id);
  if (found == groups_.end()) return;
  for (const auto& family : found->second) append_stale_series(family->model(), {}, at_ms, out);
  groups_.erase(found);
}

void SentGroups::put(const pushgw::Change& change, std::vector<TimeSeries>& out, const FamilySink& sink) {
  const auto by_name = [](const pushgw::FamilyPtr& a, const pushgw::FamilyPtr& b) { return a->name < b->name; };
  const std::int64_t at_ms = milliseconds(change.push_time_seconds);
  Families& sent = groups_[change.key.id()];
  const bool whole_group = change.replaces_group || change.kind == pushgw::ChangeKind::stateful_put;
  const Families* pushed = &change.families;  // ascending by name, as Change promises; sorted here if not
  Families sorted;
  if (!std::is_sorted(pushed->begin(), pushed->end(), by_name)) {
    sorted = change.families;
    std::sort(sorted.begin(), sorted.end(), by_name);
    pushed = &sorted;
  }
  next_.clear();
  if (whole_group) {
    next_.assign(pushed->begin(), pushed->end());
  } else {  // the change's family wins a name both have (set_union takes the first range's)
    std::set_union(pushed->begin(), pushed->end(), sent.begin(), sent.end(), std::back_inserter(next_), by_name);
  }
  auto now = next_.begin();  // both ascending by name: one walk finds each old family's successor
  for (const auto& old : sent) {
    while (now != next_.end() && (*now)->name < old->name) ++now;
    const bool kept = now != next_.end() && (*now)->name == old->name;
    if (kept && *now == old) continue;  // the same family object: nothing ended
    if (kept && std::includes((*now)->series_hashes.begin(), (*now)->series_hashes.end(),
                              old->series_hashes.begin(), old->series_hashes.end())) {
      continue;  // every old series is pushed again (the common case): no need to read the old family
    }
    append_stale_series(ended_series(*old, kept ? now->get() : nullptr), {}, at_ms, out);
  }
  for (const auto& family : change.families) {
    if (!sink || !sink(*family, at_ms)) append_series(family->model(), {}, at_ms, out);
  }
  sent.swap(next_);
  next_.clear();  // the families the group no longer holds are released here
}

void SentGroups::apply(const pushgw::Change& change, std::int64_t now_ms, std::vector<TimeSeries>& out,
                       const FamilySink& sink) {
  switch (change.kind) {
    case pushgw::ChangeKind::put:
    case pushgw::ChangeKind::stateful_put: put(change, out, sink); break;
    case pushgw::ChangeKind::remove:
    case pushgw::ChangeKind::expire: end_group(change.key.id(), now_ms, out); break;
    case pushgw::ChangeKind::wipe: {
      std::vector<std::string> ids;
      for (const auto& [id, families] : groups_) ids.push_back(id);
      std::sort(ids.begin(), ids.end());  // markers in the same order from run to run
      for (const auto& id : ids) end_group(id, now_ms, out);
      break;
    }
  }
}

}  // namespace flowgate::remote_write
