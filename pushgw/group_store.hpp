#pragma once
// The store of pushed groups. One writer at a time, any number of readers:
// readers take snapshot(), an immutable view that stays valid as long as they
// hold it; writers (push/remove/wipe) validate against writer-owned indexes,
// build the next snapshot sharing every untouched group, and publish it with
// one pointer swap. Everything proportional to the push (decode, sanitize,
// render, hash) happens before the writer lock is taken. All public member
// functions are thread-safe.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/system/result.hpp>

#include "exposition/assembler.hpp"
#include "exposition/model.hpp"
#include "pushgw/wal_writer.hpp"
#include "pushgw/aggregation.hpp"
#include "pushgw/grouping_key.hpp"
#include "pushgw/group_state.hpp"
#include "pushgw/push_error.hpp"
#include "pushgw/push_limits.hpp"
#include "pushgw/store_options.hpp"

namespace flowgate::pushgw {

// The idempotency keys a group remembers at most: a retry must come within
// the window and before this many newer keyed pushes to its group.
inline constexpr std::size_t kMaxIdempotencyKeysPerGroup = 256;

// An aggregating push's idempotency key and how long it is remembered.
struct Idempotency {
  std::string key;               // empty: none
  double window_seconds = 3600;  // --push.idempotency-window
};

class Snapshot;  // defined in pushgw/snapshot.hpp
struct Group;    // defined in pushgw/group.hpp

class GroupStore {
 public:
  explicit GroupStore(StoreOptions options);
  ~GroupStore();
  GroupStore(const GroupStore&) = delete;
  GroupStore& operator=(const GroupStore&) = delete;

  // The current state; never blocks on a writer for longer than a pointer copy.
  std::shared_ptr<const Snapshot> snapshot() const;

  // Every later change is written to `wal` before it becomes visible; a
  // change the WAL refuses is not made (storage_failure). Call before the
  // first change; the WAL must outlive the store's last change.
  void attach_wal(WalWriter* wal);

  // PUT/POST. `now_seconds` is the request's receive time (Unix seconds) and
  // becomes push_time_seconds (or push_failure_time_seconds on rejection, as
  // the Pushgateway records it). A rejected push changes nothing else. The
  // ticket is the WAL's (0 without one): answer once it is durable.
  // A push over options().quotas is refused (group_too_large,
  // too_many_groups, store_full) without recording a failure.
  // `ttl_seconds`: the group's declared time to live from now on (unset:
  // it keeps the one it has, if any); see expire().
  boost::system::result<CommitTicket, PushError> push(PushMode mode, GroupingKey key, exposition::Families families,
                                                      double now_seconds,
                                                      std::optional<double> ttl_seconds = std::nullopt);

  // An OTLP export (touch) or series sweep (not touch) of one group, written
  // to the WAL as the whole group (ChangeKind::stateful_put): the group gets
  // `families`, each whole (the caller merged the stored series it keeps
  // into it), loses the families named in `dropped`, keeps its others, and
  // its GroupState becomes `state`. An export sets push_time_seconds to
  // `now_seconds`; a sweep keeps it (and changes nothing when the group is
  // gone). Checked like a POST (label rules, the consistency check, quotas);
  // a refusal changes nothing and records no failure time.
  struct StatefulPut {
    GroupingKey key;
    exposition::Families families;
    std::vector<std::string> dropped;
    GroupStatePtr state;
    double now_seconds = 0;
    bool touch = true;
  };
  boost::system::result<CommitTicket, PushError> put_stateful(StatefulPut put);

  // An aggregating push (docs/aggregation.md): each pushed family is added
  // onto the group's family of that name (pushgw/aggregation.hpp) and the
  // group keeps its other families, as with a POST; push_time_seconds = now.
  // The totals are what the WAL records, so a replay restores them. Checked
  // like a POST of the totals (a refusal the consistency check finds records
  // the failure time, as for a push); a refusal of the aggregation rules
  // (type change, negative increment, quantiles, bucket layout) changes nothing.
  //
  // With an idempotency key, a push whose key the group applied within the
  // window adds nothing and is answered as the first was (a client retrying
  // after a lost reply does not count twice); the key is kept with the group
  // (GroupState, logged with it), so a restart remembers it.
  boost::system::result<CommitTicket, PushError> aggregate(GroupingKey key, exposition::Families pushed,
                                                           const AggregationRules& rules, double now_seconds,
                                                           const Idempotency& idempotency = {},
                                                           std::optional<double> ttl_seconds = std::nullopt);

  // Records a push that was refused before it reached push() for a reason the
  // Pushgateway finds in its consistency check (e.g. a duplicate series the
  // parser already saw): push_failure_time_seconds = now, the group created
  // with both gauges when missing, nothing else changed. Not recorded when
  // the new group would exceed options().quotas.
  void record_failure(const GroupingKey& key, double now_seconds);

  // DELETE: removes the group if present; a missing group is not an error.
  boost::system::result<CommitTicket, PushError> remove(const GroupingKey& key);

  // The admin API's delete by partial grouping key: removes every group
  // `matches` accepts (all of them at once for readers), each written to the
  // WAL as a DELETE; `dry_run` only counts. Stops at the first WAL error,
  // which is returned with the groups removed so far. The ticket covers the
  // last removal (0 when none).
  struct Removal {
    std::vector<GroupingKey> removed;  // in group id order
    CommitTicket ticket = 0;
    std::optional<PushError> error;
  };
  Removal remove_matching(const std::function<bool(const GroupingKey&)>& matches, bool dry_run);

  // PUT /api/v1/admin/wipe: removes every group, atomically.
  boost::system::result<CommitTicket, PushError> wipe();

  // Group lifetimes: removes every group whose last successful push (for a
  // group that never had one: its first failed push) is more than its time
  // to live before `now_seconds`: its declared Group::ttl_seconds, else
  // `default_ttl_seconds` (--push.group-ttl; 0: such groups never expire).
  // Each is written to the WAL as an expiry. Stops at the first WAL error,
  // which is returned with the groups expired so far. Takes the writer lock
  // only when a group is due.
  struct ExpiredGroup {
    GroupingKey key;
    double last_push_seconds = 0;
    double ttl_seconds = 0;
  };
  struct Expiry {
    std::vector<ExpiredGroup> expired;
    std::optional<PushError> error;
  };
  Expiry expire(double now_seconds, double default_ttl_seconds);

  // The current snapshot, taken under the writer lock right after
  // `under_writer_lock` ran: no change can fall between the two (compaction
  // rotates the log there, so the snapshot holds exactly the older segments).
  std::shared_ptr<const Snapshot> checkpoint(const std::function<void()>& under_writer_lock);

  // Replaces the whole content with `groups` (from persistence::recover_store at startup),
  // rebuilding the family index; the groups are trusted as consistent.
  void restore(std::vector<std::shared_ptr<const Group>> groups);

  const StoreOptions& options() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// For the scrape: every stored family name in ascending order, with each
// group's ready sample block in `format` (groups in GroupingKey::id order).
// The views point into `snapshot`, which the caller keeps alive. HELP is the
// first non-empty HELP in group order. A copy of snapshot.merged(format),
// which is computed once per snapshot and format (use that to avoid the copy).
std::vector<exposition::FamilyBlocks> family_blocks(const Snapshot& snapshot, exposition::Format format);

}  // namespace flowgate::pushgw
