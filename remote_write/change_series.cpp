#include "remote_write/change_series.hpp"

#include <algorithm>
#include <cmath>

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
  for (const auto& [name, family] : found->second) append_stale_series(family->model(), {}, at_ms, out);
  groups_.erase(found);
}

void SentGroups::put(const pushgw::Change& change, std::vector<TimeSeries>& out, const FamilySink& sink) {
  const std::int64_t at_ms = milliseconds(change.push_time_seconds);
  Families& sent = groups_[change.key.id()];
  const bool whole_group = change.replaces_group || change.kind == pushgw::ChangeKind::stateful_put;
  Families next = whole_group ? Families{} : sent;
  for (const auto& family : change.families) next[family->name] = family;
  for (const auto& [name, old] : sent) {
    auto kept = next.find(name);
    if (kept != next.end() && kept->second == old) continue;  // the same family object: nothing ended
    if (kept != next.end() && std::includes(kept->second->series_hashes.begin(), kept->second->series_hashes.end(),
                                            old->series_hashes.begin(), old->series_hashes.end())) {
      continue;  // every old series is pushed again (the common case): no need to read the old family
    }
    append_stale_series(ended_series(*old, kept == next.end() ? nullptr : kept->second.get()), {}, at_ms, out);
  }
  for (const auto& family : change.families) {
    if (!sink || !sink(*family, at_ms)) append_series(family->model(), {}, at_ms, out);
  }
  sent = std::move(next);
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
      for (const auto& id : ids) end_group(id, now_ms, out);
      break;
    }
  }
}

}  // namespace flowgate::remote_write
