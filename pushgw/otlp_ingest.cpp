#include "pushgw/otlp_ingest.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include <boost/unordered/unordered_flat_set.hpp>

#include "pushgw/group.hpp"
#include "pushgw/label_rules.hpp"
#include "pushgw/series_hash.hpp"
#include "pushgw/snapshot.hpp"

namespace flowgate::pushgw {

namespace {

using exposition::Family;
using exposition::Labels;
namespace otlp = exposition::otlp;

GroupingKey key_of(Labels grouping) {
  std::sort(grouping.begin(), grouping.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return GroupingKey{std::move(grouping)};
}

// The labels translate saw (and keyed the delta totals by): the stored ones
// without the grouping labels sanitize_labels set.
Labels body_labels(const GroupingKey& key, const Labels& stored) {
  Labels body;
  for (const auto& label : stored) {
    const bool grouping = std::any_of(key.labels.begin(), key.labels.end(),
                                      [&](const auto& g) { return g.name == label.name; });
    const bool added_instance = label.name == "instance" && label.value.empty();
    if (!grouping && !added_instance) body.push_back(label);
  }
  return body;
}

PushError type_change(const Family& exported, const StoredFamily& stored, const GroupingKey& key) {
  return PushError(PushErrorKind::inconsistent,
                   "metric " + quoted(exported.name) + " is a " + std::string(exposition::type_name(exported.type)) +
                       " in this export but a " + std::string(exposition::type_name(stored.type)) +
                       " in the stored group " + describe_series("", key.labels) +
                       " (rule otlp-type-change): delete the group, or wait until the old series expire "
                       "(--otlp.series-ttl)");
}

using SeriesHashes = boost::unordered_flat_set<std::uint64_t>;

// The stored family without the series whose series_hash is in `gone`.
Family without_series(const StoredFamily& stored, const SeriesHashes& gone) {
  Family family = stored.model();
  std::erase_if(family.metrics, [&](const auto& series) { return gone.contains(series_hash(family.name, series.labels)); });
  return family;
}

bool holds_any(const StoredFamily& family, const SeriesHashes& hashes) {
  return std::any_of(family.series_hashes.begin(), family.series_hashes.end(),
                     [&](std::uint64_t hash) { return hashes.contains(hash); });
}

// An exported family, its labels sanitized, with the stored series it does
// not carry (nor ended) added back; each exported series is seen `now`.
void upsert_family(Family& family, const StoredFamily* stored, const GroupingKey& key, const SeriesHashes& ended,
                   double now, GroupState& state) {
  std::vector<std::uint64_t> hashes;
  hashes.reserve(family.metrics.size());
  for (auto& series : family.metrics) {
    sanitize_labels(key, series.labels);
    hashes.push_back(series_hash(family.name, series.labels));
    state.last_seen.insert_or_assign(hashes.back(), now);
  }
  // The usual export (cumulative) carries every stored series again: then
  // there is nothing to keep and the stored family need not be re-read.
  std::sort(hashes.begin(), hashes.end());
  const bool covers_stored = stored != nullptr && std::includes(hashes.begin(), hashes.end(),
                                                                stored->series_hashes.begin(),
                                                                stored->series_hashes.end());
  if (stored != nullptr && !covers_stored) {
    SeriesHashes replaced = ended;
    replaced.insert(hashes.begin(), hashes.end());
    for (auto& kept : without_series(*stored, replaced).metrics) family.metrics.push_back(std::move(kept));
  }
}

// One translated group as the store put that upserts it into `old`.
boost::system::result<GroupStore::StatefulPut, PushError> plan_put(otlp::TranslatedGroup& translated, GroupingKey key,
                                                               const Group* old, double now) {
  GroupStore::StatefulPut put;
  auto state = old != nullptr && old->state != nullptr ? std::make_shared<GroupState>(*old->state)
                                                      : std::make_shared<GroupState>();
  for (auto& [delta_key, entry] : translated.delta_updates) state->deltas.insert_or_assign(delta_key, std::move(entry));

  SeriesHashes ended;
  std::set<std::string, std::less<>> ended_families;
  for (auto& [family, labels] : translated.ended) {
    state->deltas.erase(otlp::delta_key(translated.grouping, family, labels));
    sanitize_labels(key, labels);
    const auto hash = series_hash(family, labels);
    state->last_seen.erase(hash);
    ended.insert(hash);
    ended_families.insert(family);
  }
  std::set<std::string, std::less<>> exported_names;
  for (auto& family : translated.families) {
    const StoredFamily* stored = old != nullptr ? old->find(family.name) : nullptr;
    if (stored != nullptr && stored->type != family.type) return type_change(family, *stored, key);
    upsert_family(family, stored, key, ended, now, *state);
    // Its last series ended: the family leaves the group (an empty family put
    // would leave the stored one in place).
    if (family.metrics.empty()) put.dropped.push_back(family.name);
    exported_names.insert(family.name);
  }
  std::erase_if(translated.families, [](const Family& family) { return family.metrics.empty(); });
  // Ended series of families this export did not carry otherwise.
  for (const auto& name : ended_families) {
    const StoredFamily* stored = old != nullptr ? old->find(name) : nullptr;
    if (stored == nullptr || exported_names.contains(name)) continue;
    Family family = without_series(*stored, ended);
    if (family.metrics.empty()) {
      put.dropped.push_back(name);
    } else {
      translated.families.push_back(std::move(family));
    }
  }
  put.key = std::move(key);
  put.families = std::move(translated.families);
  put.state = std::move(state);
  put.now_seconds = now;
  return put;
}

std::string joined(const std::vector<std::string>& sentences) {
  std::string out;
  for (const auto& sentence : sentences) {
    if (!out.empty()) out += "; ";
    out += sentence;
  }
  return out;
}

}  // namespace

OtlpIngest::OtlpIngest(GroupStore& store, OtlpIngestOptions options) : store_(store), options_(std::move(options)) {}

boost::system::result<OtlpIngestResult, PushError> OtlpIngest::ingest(const otlp::ExportRequest& request,
                                                                      double now_seconds,
                                                                      const OtlpAuthorizer& authorize) {
  std::lock_guard lock(exports_);
  const auto snapshot = store_.snapshot();
  const otlp::DeltaLookup totals = [&snapshot](const Labels& grouping, const std::string& key) -> const otlp::DeltaSeries* {
    const Group* group = snapshot->find(key_of(grouping).id());
    if (group == nullptr || group->state == nullptr) return nullptr;
    const auto it = group->state->deltas.find(key);
    return it != group->state->deltas.end() ? &it->second : nullptr;
  };
  auto translation = otlp::translate_with_totals(request, options_.translate, totals);

  // Everything is checked before anything is stored.
  std::vector<GroupStore::StatefulPut> puts;
  for (auto& group : translation.groups) {
    GroupingKey key = key_of(group.grouping);
    if (authorize) {
      if (auto refused = authorize(key)) return *refused;
    }
    const Group* old = snapshot->find(key.id());
    auto put = plan_put(group, std::move(key), old, now_seconds);
    if (!put) return put.error();
    puts.push_back(std::move(*put));
  }
  OtlpIngestResult result;
  result.rejected_points = translation.rejected_points;
  result.rejection_message = joined(translation.rejections);
  for (auto& put : puts) {
    GroupingKey key = put.key;
    auto ticket = store_.put_stateful(std::move(put));
    if (!ticket) return ticket.error();
    result.ticket = std::max(result.ticket, *ticket);
    result.groups.push_back(std::move(key));
  }
  return result;
}

OtlpSweep OtlpIngest::sweep(double now_seconds) {
  OtlpSweep sweep;
  if (options_.series_ttl_seconds <= 0) return sweep;
  const double cutoff = now_seconds - options_.series_ttl_seconds;
  std::lock_guard lock(exports_);
  const auto snapshot = store_.snapshot();
  for (const auto& group : snapshot->groups()) {
    if (group->state == nullptr) continue;
    SeriesHashes stale;
    for (const auto& [series, seen] : group->state->last_seen) {
      if (seen < cutoff) stale.insert(series);
    }
    if (stale.empty()) continue;
    auto state = std::make_shared<GroupState>(*group->state);
    GroupStore::StatefulPut put;
    for (const auto series : stale) state->last_seen.erase(series);
    for (const auto& stored : group->families) {
      if (!holds_any(*stored, stale)) continue;
      Family family = stored->model();
      std::erase_if(family.metrics, [&](const auto& series) {
        if (!stale.contains(series_hash(family.name, series.labels))) return false;
        state->deltas.erase(otlp::delta_key(group->key.labels, family.name, body_labels(group->key, series.labels)));
        return true;
      });
      if (family.metrics.empty()) {
        put.dropped.push_back(family.name);
      } else {
        put.families.push_back(std::move(family));
      }
    }
    sweep.series_dropped += stale.size();
    sweep.swept.push_back(group->key);
    // Only the push-time gauges would be left: the group goes.
    const bool emptied = put.families.empty() && group->families.size() == put.dropped.size() + 2;
    put.key = group->key;
    put.state = std::move(state);
    put.now_seconds = now_seconds;
    put.touch = false;
    auto done = emptied ? store_.remove(group->key) : store_.put_stateful(std::move(put));
    if (!done) {
      sweep.error = done.error();
      break;
    }
  }
  return sweep;
}

}  // namespace flowgate::pushgw
