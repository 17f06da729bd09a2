#include "pushgw/group_store.hpp"

#include <algorithm>
#include <mutex>

#include "pushgw/aggregation.hpp"
#include "pushgw/consistency_check.hpp"
#include "pushgw/family_index.hpp"
#include "pushgw/group.hpp"
#include "pushgw/snapshot.hpp"

namespace flowgate::pushgw {

namespace {

bool is_push_time_gauge(std::string_view name) { return name == kPushTimeName || name == kPushFailureTimeName; }

// What a group's lifetime counts from: its last successful push, or for a
// group that never had one, its first failed push.
double last_push_seconds(const Group& group) {
  return group.push_time_seconds > 0 ? group.push_time_seconds : group.push_failure_time_seconds;
}

void sort_by_name(std::vector<FamilyPtr>& families) {
  std::sort(families.begin(), families.end(), [](const FamilyPtr& a, const FamilyPtr& b) { return a->name < b->name; });
}

bool contains(const std::vector<FamilyPtr>& sorted, std::string_view name) {
  const auto it = std::lower_bound(sorted.begin(), sorted.end(), name,
                                   [](const FamilyPtr& family, std::string_view n) { return family->name < n; });
  return it != sorted.end() && (*it)->name == name;
}

// The published snapshot pointer, published as README.md (Development) says
// all shared state is: under a mutex held only for the pointer copy, never by
// a writer while it checks or builds a push. pushgw's own copy of
// collectors::Published, which it may not include; exchange() hands back the
// old snapshot for the writer to release after its lock.
class PublishedSnapshot {
 public:
  std::shared_ptr<const Snapshot> load() const {
    std::lock_guard lock(mutex_);
    return pointer_;
  }
  std::shared_ptr<const Snapshot> exchange(std::shared_ptr<const Snapshot> next) {
    std::lock_guard lock(mutex_);
    pointer_.swap(next);
    return next;
  }

 private:
  mutable std::mutex mutex_;  // guards pointer_ (the pointer, not the snapshot, which is immutable)
  std::shared_ptr<const Snapshot> pointer_ = std::make_shared<const Snapshot>();
};

// Whether replacing `old` (null: none) by `next` keeps `current` within `quotas`.
boost::system::result<void, PushError> check_quotas(const StoreQuotas& quotas, const Snapshot& current,
                                                    const Group* old, const Group& next) {
  if (const auto series = next.series_count(); exceeds_limit(series, quotas.max_series_per_group)) {
    return PushError(PushErrorKind::group_too_large,
                     "the group " + describe_series("", next.key.labels) + " would hold " + std::to_string(series) +
                         " series, " + over_limit(quotas.max_series_per_group, "push.max-series-per-group"));
  }
  if (old == nullptr && quotas.max_groups != 0 && current.group_count() >= quotas.max_groups) {
    return PushError(PushErrorKind::too_many_groups,
                     "the store holds " + std::to_string(current.group_count()) +
                         " groups, the limit (--push.max-groups); a new group needs an old one deleted or expired "
                         "(--push.group-ttl)");
  }
  const std::size_t before = current.block_bytes();
  const std::size_t after = before - (old != nullptr ? old->block_bytes() : 0) + next.block_bytes();
  if (after > before && exceeds_limit(after, quotas.max_store_bytes)) {
    return PushError(PushErrorKind::store_full, "the store would hold " + std::to_string(after) + " bytes, " +
                                                    over_limit(quotas.max_store_bytes, "push.max-store-bytes"));
  }
  return {};
}

// push_failure_time_seconds after a successful push: the stored group's
// family, else `prerendered` (rendered before the lock), else one rendered now.
FamilyPtr kept_failure_time(const Group* old, FamilyPtr prerendered, const GroupingKey& key, double now_seconds) {
  if (old != nullptr) {
    for (const auto& family : old->families) {
      if (family->name == kPushFailureTimeName) return family;
    }
  }
  if (prerendered != nullptr) return prerendered;
  return push_time_family(kPushFailureTimeName, key, 0, now_seconds);
}

// The group a push leaves (built before anything is touched), and the old
// families it drops (for the index). PUT spares only
// push_failure_time_seconds; POST also every family it does not push.
struct PushedGroup {
  std::shared_ptr<Group> group;
  std::vector<const StoredFamily*> leaving;
};

PushedGroup group_after_push(PushMode mode, Candidate& candidate, const Group* old, const FamilyPtr& failure_time) {
  PushedGroup next;
  auto& group = next.group = std::make_shared<Group>();
  group->push_time_seconds = candidate.now_seconds;
  group->push_failure_time_seconds = old != nullptr ? old->push_failure_time_seconds : 0;
  group->ttl_seconds = candidate.ttl_seconds.value_or(old != nullptr ? old->ttl_seconds : 0);
  if (old != nullptr && mode == PushMode::replace_families) group->state = old->state;
  group->families = candidate.families;
  if (old != nullptr) {
    for (const auto& family : old->families) {
      const bool leaves =
          mode == PushMode::replace_group || is_push_time_gauge(family->name) || contains(candidate.families, family->name);
      if (leaves) {
        next.leaving.push_back(family.get());
      } else {
        group->families.push_back(family);
      }
    }
  }
  group->families.push_back(candidate.push_time);
  group->families.push_back(failure_time);
  sort_by_name(group->families);
  group->key = std::move(candidate.key);
  group->id = std::move(candidate.id);
  return next;
}

FamilyPtr family_named(const Group& group, std::string_view name) {
  for (const auto& family : group.families) {
    if (family->name == name) return family;
  }
  return nullptr;
}

// The group an OTLP put leaves (its index share is rebuilt whole). The push-time
// gauges are always rebuilt: push_time_seconds is the export's (touch) or
// the old one (a sweep).
PushedGroup group_after_stateful_put(Candidate& candidate, const Group* old, const GroupStore::StatefulPut& put) {
  PushedGroup next;
  auto& group = next.group = std::make_shared<Group>();
  group->push_time_seconds = put.touch || old == nullptr ? candidate.now_seconds : old->push_time_seconds;
  group->push_failure_time_seconds = old != nullptr ? old->push_failure_time_seconds : 0;
  group->ttl_seconds = old != nullptr ? old->ttl_seconds : 0;
  group->state = put.state;
  group->families = candidate.families;
  FamilyPtr push_time = put.touch || old == nullptr ? candidate.push_time : family_named(*old, kPushTimeName);
  if (old != nullptr) {
    for (const auto& family : old->families) {
      const bool leaves = is_push_time_gauge(family->name) || contains(candidate.families, family->name) ||
                          std::find(put.dropped.begin(), put.dropped.end(), family->name) != put.dropped.end();
      if (!leaves) group->families.push_back(family);
    }
  }
  group->families.push_back(push_time != nullptr ? push_time : candidate.push_time);
  group->families.push_back(kept_failure_time(old, nullptr, candidate.key, candidate.now_seconds));
  sort_by_name(group->families);
  group->key = std::move(candidate.key);
  group->id = std::move(candidate.id);
  return next;
}

// What an aggregating push leaves: each pushed family added onto the stored
// one of `old` (null: a new group), checked and rendered like a push of the
// totals. `lent[i]`: the labels the totals took from pushed[i] (take_back).
boost::system::result<Candidate, PushError> totals_candidate(const GroupingKey& key, exposition::Families& pushed,
                                                             const Group* old, const AggregationRules& rules,
                                                             double now_seconds, const StoreOptions& options,
                                                             std::vector<LentLabels>& lent) {
  exposition::Families totals;
  totals.reserve(pushed.size());
  lent.resize(pushed.size());
  for (std::size_t i = 0; i < pushed.size(); ++i) {
    const StoredFamily* stored = old != nullptr ? old->find(pushed[i].name) : nullptr;
    auto total = aggregate_stored(stored, pushed[i], rules, lent[i]);
    if (!total) return total.error();
    totals.push_back(std::move(*total));
  }
  return build_candidate(key, std::move(totals), now_seconds, options.consistency_check, options.names,
                         SeriesLabels::sanitized);
}

// `pushed` as it was before totals_candidate(..., old, ..., lent) lent labels out.
void take_back_labels(exposition::Families& pushed, const Group& old, const std::vector<LentLabels>& lent) {
  for (std::size_t i = 0; i < lent.size(); ++i) {
    if (const StoredFamily* stored = old.find(pushed[i].name)) take_back(*stored, pushed[i], lent[i]);
  }
}

bool already_applied(const Group* group, const Idempotency& idempotency, double now_seconds) {
  if (group == nullptr || group->state == nullptr) return false;
  const auto& keys = group->state->idempotency_keys;
  const auto it = keys.find(idempotency.key);
  return it != keys.end() && it->second >= now_seconds - idempotency.window_seconds;
}

// The group's state with `idempotency.key` applied now, the keys older than
// the window forgotten, and at most kMaxIdempotencyKeysPerGroup kept (the
// oldest go first): each keyed push copies and logs the group's keys, so
// their number must stay small whatever the push rate.
GroupStatePtr with_idempotency_key(const Group* group, const Idempotency& idempotency, double now_seconds) {
  auto state = group != nullptr && group->state != nullptr ? std::make_shared<GroupState>(*group->state)
                                                          : std::make_shared<GroupState>();
  auto& keys = state->idempotency_keys;
  std::erase_if(keys, [&](const auto& entry) { return entry.second < now_seconds - idempotency.window_seconds; });
  while (keys.size() >= kMaxIdempotencyKeysPerGroup) {
    keys.erase(std::min_element(keys.begin(), keys.end(),
                                [](const auto& a, const auto& b) { return a.second < b.second; }));
  }
  keys.insert_or_assign(idempotency.key, now_seconds);
  return state;
}

// A group as a whole, with its GroupState: what a stateful put logs.
Change whole_group_change(const Group& group) {
  Change change;
  change.kind = ChangeKind::stateful_put;
  change.key = group.key;
  change.push_time_seconds = group.push_time_seconds;
  change.push_failure_time_seconds = group.push_failure_time_seconds;
  change.families = group.families;
  change.state = group.state;
  change.ttl_seconds = group.ttl_seconds;
  return change;
}

// The push as the WAL records it: the pushed families and both gauges.
Change change_of_push(PushMode mode, const Group& group, const Candidate& candidate, const FamilyPtr& failure_time) {
  Change change;
  change.key = group.key;
  change.push_time_seconds = group.push_time_seconds;
  change.push_failure_time_seconds = group.push_failure_time_seconds;
  change.replaces_group = mode == PushMode::replace_group;
  change.ttl_seconds = group.ttl_seconds;
  change.families = candidate.families;
  change.families.push_back(candidate.push_time);
  change.families.push_back(failure_time);
  sort_by_name(change.families);
  return change;
}

}  // namespace

struct GroupStore::State {
  explicit State(StoreOptions store_options) : options(std::move(store_options)) {}

  const StoreOptions options;
  std::mutex writer;  // guards `index`, `wal` and every store to `published`
  FamilyIndex index;
  PublishedSnapshot published;
  WalWriter* wal = nullptr;

  // Under `writer`: a push's candidate into the current group (`mode`), as
  // the Pushgateway checks and records it. `failure_time`: pre-rendered
  // push_failure_time_seconds for a new group, or null.
  // `state`: set, the group's GroupState after the push, logged with the
  // whole group (a stateful put); null, the group keeps its own.
  boost::system::result<CommitTicket, PushError> commit_push(PushMode mode, Candidate& candidate, FamilyPtr failure_time,
                                                            std::shared_ptr<const Snapshot>& retired,
                                                            GroupStatePtr state = nullptr) {
    const auto current = published.load();
    const Group* old = current->find(candidate.id);
    const double now_seconds = candidate.now_seconds;
    if (options.consistency_check) {
      if (auto checked = check_consistency(index, old, candidate.families, mode, options); !checked) {
        retired = record_failure(candidate.key, std::move(candidate.id), now_seconds);
        return checked.error();
      }
    }
    failure_time = kept_failure_time(old, std::move(failure_time), candidate.key, now_seconds);
    auto next = group_after_push(mode, candidate, old, failure_time);
    if (state != nullptr) next.group->state = std::move(state);
    if (auto within = check_quotas(options.quotas, *current, old, *next.group); !within) return within.error();
    CommitTicket ticket = 0;
    if (wal != nullptr) {
      auto recorded = wal->record(next.group->state != nullptr && (old == nullptr || old->state != next.group->state)
                                      ? whole_group_change(*next.group)
                                      : change_of_push(mode, *next.group, candidate, failure_time));
      if (!recorded) return recorded.error();
      ticket = *recorded;
    }
    for (const StoredFamily* family : next.leaving) index.remove(*family);
    for (const auto& family : candidate.families) index.add(*family);
    index.add(*candidate.push_time);
    index.add(*failure_time);
    retired = published.exchange(current->with_group(std::move(next.group)));
    return ticket;
  }

  // Under `writer`: writes `change` to the WAL, if any.
  boost::system::result<CommitTicket, PushError> write_to_wal(const Change& change) {
    if (wal == nullptr) return CommitTicket{0};
    return wal->record(change);
  }

  // Under `writer`: the Pushgateway's record of a rejected push; the group is
  // created with both gauges when missing, nothing else changes.
  // Returns the replaced snapshot, for the caller to release after the lock.
  std::shared_ptr<const Snapshot> record_failure(const GroupingKey& key, std::string id, double now) {
    const auto current = published.load();
    const Group* old = current->find(id);
    Change change;
    change.key = key;
    change.push_time_seconds = old != nullptr ? old->push_time_seconds : 0;
    change.push_failure_time_seconds = now;
    change.ttl_seconds = old != nullptr ? old->ttl_seconds : 0;
    FamilyPtr push_time;
    if (old == nullptr) {
      push_time = push_time_family(kPushTimeName, key, 0, now);
      change.families.push_back(push_time);
    }
    auto failure = push_time_family(kPushFailureTimeName, key, now, now);
    change.families.push_back(failure);
    sort_by_name(change.families);

    auto group = std::make_shared<Group>();
    group->key = key;
    group->id = std::move(id);
    group->push_failure_time_seconds = now;
    if (old != nullptr) {
      group->push_time_seconds = old->push_time_seconds;
      group->ttl_seconds = old->ttl_seconds;
      group->state = old->state;
      for (const auto& family : old->families) {
        if (family->name != kPushFailureTimeName) group->families.push_back(family);
      }
    } else {
      group->families.push_back(push_time);
    }
    group->families.push_back(failure);
    sort_by_name(group->families);
    // A failure that cannot be written to the WAL, or would be a group over a quota,
    // is not recorded: the push was refused anyway.
    if (old == nullptr && !check_quotas(options.quotas, *current, old, *group)) return nullptr;
    if (!write_to_wal(change)) return nullptr;

    if (old != nullptr) {
      if (const auto* old_failure = old->find(kPushFailureTimeName)) index.remove(*old_failure);
    } else {
      index.add(*push_time);
    }
    index.add(*failure);
    return published.exchange(current->with_group(std::move(group)));
  }
};

GroupStore::GroupStore(StoreOptions options) : state_(std::make_unique<State>(std::move(options))) {}

GroupStore::~GroupStore() = default;

std::shared_ptr<const Snapshot> GroupStore::snapshot() const { return state_->published.load(); }

const StoreOptions& GroupStore::options() const { return state_->options; }

void GroupStore::attach_wal(WalWriter* wal) {
  std::lock_guard lock(state_->writer);
  state_->wal = wal;
}

boost::system::result<CommitTicket, PushError> GroupStore::push(PushMode mode, GroupingKey key, exposition::Families families,
                                                        double now_seconds, std::optional<double> ttl_seconds) {
  State& state = *state_;
  // Everything proportional to the push happens here, before the lock.
  auto built =
      build_candidate(key, std::move(families), now_seconds, state.options.consistency_check, state.options.names);
  if (!built) {
    std::shared_ptr<const Snapshot> retired;
    std::lock_guard lock(state.writer);
    retired = state.record_failure(key, key.id(), now_seconds);
    return built.error();
  }
  Candidate& candidate = *built;
  candidate.ttl_seconds = ttl_seconds;
  // A new group also needs push_failure_time_seconds = 0; render it now if
  // the group looks new (rarely wrong: then it is rendered under the lock).
  FamilyPtr failure_time;
  if (state.published.load()->find(candidate.id) == nullptr) {
    failure_time = push_time_family(kPushFailureTimeName, candidate.key, 0, now_seconds);
  }

  std::shared_ptr<const Snapshot> retired;  // released after the lock: freeing old groups is O(their size)
  std::lock_guard lock(state.writer);
  return state.commit_push(mode, candidate, std::move(failure_time), retired);
}

boost::system::result<CommitTicket, PushError> GroupStore::aggregate(GroupingKey key, exposition::Families pushed,
                                                                     const AggregationRules& rules, double now_seconds,
                                                                     const Idempotency& idempotency,
                                                                     std::optional<double> ttl_seconds) {
  State& state = *state_;
  // The totals are added up against the group as it is now, before the
  // lock; a change that lands in between is added onto under the lock.
  const std::string id = key.id();
  const auto seen_snapshot = state.published.load();
  const Group* seen = seen_snapshot->find(id);
  if (seen != nullptr) prefetch_stored(*seen, pushed);
  for (auto& family : pushed) {
    for (auto& series : family.metrics) sanitize_labels(key, series.labels);
  }
  std::vector<LentLabels> lent;
  auto candidate = totals_candidate(key, pushed, seen, rules, now_seconds, state.options, lent);
  std::shared_ptr<const Snapshot> retired;
  std::lock_guard lock(state.writer);
  const Group* old = state.published.load()->find(id);
  if (!idempotency.key.empty() && already_applied(old, idempotency, now_seconds)) {
    return state.wal != nullptr ? state.wal->last_ticket() : CommitTicket{0};  // answered as the first time
  }
  if (old != seen) {
    if (seen != nullptr) take_back_labels(pushed, *seen, lent);  // `seen` is still held by seen_snapshot
    candidate = totals_candidate(key, pushed, old, rules, now_seconds, state.options, lent);
  }
  if (!candidate) return candidate.error();
  candidate->ttl_seconds = ttl_seconds;
  GroupStatePtr next_state;
  if (!idempotency.key.empty()) next_state = with_idempotency_key(old, idempotency, now_seconds);
  return state.commit_push(PushMode::replace_families, *candidate, nullptr, retired, std::move(next_state));
}

boost::system::result<CommitTicket, PushError> GroupStore::put_stateful(StatefulPut put) {
  State& state = *state_;
  auto built = build_candidate(put.key, std::move(put.families), put.now_seconds, state.options.consistency_check,
                               state.options.names);
  if (!built) return built.error();
  Candidate& candidate = *built;

  std::shared_ptr<const Snapshot> retired;
  std::lock_guard lock(state.writer);
  const auto current = state.published.load();
  const Group* old = current->find(candidate.id);
  if (!put.touch && old == nullptr) return CommitTicket{0};  // swept group already gone
  if (state.options.consistency_check) {
    auto checked = check_consistency(state.index, old, candidate.families, PushMode::replace_families, state.options);
    if (!checked) return checked.error();
  }
  auto next = group_after_stateful_put(candidate, old, put);
  if (auto within = check_quotas(state.options.quotas, *current, old, *next.group); !within) return within.error();
  auto ticket = state.write_to_wal(whole_group_change(*next.group));
  if (!ticket) return ticket;
  // The group is rebuilt whole, so is its share of the index (O(group), as the put).
  if (old != nullptr) state.index.remove(*old);
  state.index.add(*next.group);
  retired = state.published.exchange(current->with_group(std::move(next.group)));
  return ticket;
}

void GroupStore::record_failure(const GroupingKey& key, double now_seconds) {
  std::shared_ptr<const Snapshot> retired;
  std::lock_guard lock(state_->writer);
  retired = state_->record_failure(key, key.id(), now_seconds);
}

boost::system::result<CommitTicket, PushError> GroupStore::remove(const GroupingKey& key) {
  const std::string id = key.id();
  std::shared_ptr<const Snapshot> retired;
  std::lock_guard lock(state_->writer);
  const auto current = state_->published.load();
  const Group* old = current->find(id);
  // Already gone, maybe by a change not yet on disk: wait for that one.
  if (old == nullptr) return state_->wal != nullptr ? state_->wal->last_ticket() : CommitTicket{0};
  Change change;
  change.kind = ChangeKind::remove;
  change.key = key;
  auto ticket = state_->write_to_wal(change);
  if (!ticket) return ticket;
  state_->index.remove(*old);
  retired = state_->published.exchange(current->without_group(id));
  return ticket;
}

GroupStore::Removal GroupStore::remove_matching(const std::function<bool(const GroupingKey&)>& matches,
                                                bool dry_run) {
  Removal removal;
  std::shared_ptr<const Snapshot> retired;
  std::lock_guard lock(state_->writer);
  auto current = state_->published.load();
  auto next = current;
  for (const auto& group : current->groups()) {
    if (!matches(group->key)) continue;
    if (!dry_run) {
      Change change;
      change.kind = ChangeKind::remove;
      change.key = group->key;
      auto ticket = state_->write_to_wal(change);
      if (!ticket) {
        removal.error = ticket.error();
        break;
      }
      removal.ticket = *ticket;
      state_->index.remove(*group);
      next = next->without_group(group->id);
    }
    removal.removed.push_back(group->key);
  }
  if (next != current) retired = state_->published.exchange(next);
  return removal;
}

boost::system::result<CommitTicket, PushError> GroupStore::wipe() {
  std::shared_ptr<const Snapshot> retired;
  std::lock_guard lock(state_->writer);
  const auto current = state_->published.load();
  Change change;
  change.kind = ChangeKind::wipe;
  auto ticket = state_->write_to_wal(change);
  if (!ticket) return ticket;
  state_->index.clear();
  retired = state_->published.exchange(Snapshot::of_groups({}, current->version() + 1));
  return ticket;
}

GroupStore::Expiry GroupStore::expire(double now_seconds, double default_ttl_seconds) {
  Expiry expiry;
  const auto due = [&](const Group& group) {
    const double ttl = group.ttl_seconds > 0 ? group.ttl_seconds : default_ttl_seconds;
    return ttl > 0 && last_push_seconds(group) < now_seconds - ttl;
  };
  {
    // Most ticks find nothing due: look without blocking pushes.
    bool any_due = false;
    state_->published.load()->for_each_group([&](const Group& group) { any_due = any_due || due(group); });
    if (!any_due) return expiry;
  }
  std::vector<std::shared_ptr<const Snapshot>> retired;
  std::lock_guard lock(state_->writer);
  auto current = state_->published.load();
  std::vector<const Group*> stale;
  for (const auto& group : current->groups()) {
    if (due(*group)) stale.push_back(group.get());
  }
  for (const Group* group : stale) {
    Change change;
    change.kind = ChangeKind::expire;
    change.key = group->key;
    if (auto ticket = state_->write_to_wal(change); !ticket) {
      expiry.error = ticket.error();
      break;
    }
    expiry.expired.push_back(
        {group->key, last_push_seconds(*group), group->ttl_seconds > 0 ? group->ttl_seconds : default_ttl_seconds});
    state_->index.remove(*group);
    auto next = current->without_group(group->id);
    retired.push_back(std::exchange(current, next));
  }
  if (!expiry.expired.empty()) retired.push_back(state_->published.exchange(current));
  return expiry;
}

std::shared_ptr<const Snapshot> GroupStore::checkpoint(const std::function<void()>& under_writer_lock) {
  std::lock_guard lock(state_->writer);
  under_writer_lock();
  return state_->published.load();
}

void GroupStore::restore(std::vector<std::shared_ptr<const Group>> groups) {
  std::shared_ptr<const Snapshot> retired;
  std::lock_guard lock(state_->writer);
  const auto current = state_->published.load();
  auto next = Snapshot::of_groups(std::move(groups), current->version() + 1);
  state_->index.clear();
  for (const auto& group : next->groups()) state_->index.add(*group);
  retired = state_->published.exchange(std::move(next));
}

std::vector<exposition::FamilyBlocks> family_blocks(const Snapshot& snapshot, exposition::Format format) {
  return snapshot.merged(format);
}

}  // namespace flowgate::pushgw
