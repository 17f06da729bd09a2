#pragma once
// OTLP exports into the group store. Each OTLP resource is one group (its
// grouping key: job and instance, see exposition/otlp_translate.hpp) whose
// series are upserted by every export: a series exported again replaces its
// old sample, a series not in this export stays until it has not been
// exported for `series_ttl_seconds` (sweep() drops it; a group left without
// series goes). Delta points add onto running totals kept with the group in
// its OtlpState, so the write-ahead log and the snapshot keep them and a
// restart does not reset a counter.
//
// Exports are applied one at a time (they are rare next to pushes: an SDK
// exports every 10-60 s); the translation runs against the store's current
// snapshot and each group is written as a whole (ChangeKind::otlp).
// Thread-safe.

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/system/result.hpp>

#include "exposition/otlp_model.hpp"
#include "exposition/otlp_translate.hpp"
#include "pushgw/group_store.hpp"
#include "pushgw/grouping_key.hpp"
#include "pushgw/push_error.hpp"

namespace flowgate::pushgw {

struct OtlpIngestOptions {
  exposition::otlp::TranslateOptions translate;
  double series_ttl_seconds = 300;  // --otlp.series-ttl; <= 0: series stay until their group goes
};

struct OtlpIngestResult {
  CommitTicket ticket = 0;            // answer once durable
  std::uint64_t rejected_points = 0;  // OTLP partial success
  std::string rejection_message;      // the rejections, one sentence each, joined by "; "
  std::vector<GroupingKey> groups;    // the groups the export changed
};

// Whether the caller may change the group (e.g. --web.authorization.file):
// nullopt, or the refusal to answer with (nothing of the export is applied).
using OtlpAuthorizer = std::function<std::optional<PushError>(const GroupingKey&)>;

struct OtlpSweep {
  std::vector<GroupingKey> swept;  // groups that lost series (or went, having none left)
  std::uint64_t series_dropped = 0;
  std::optional<PushError> error;  // the first store error; the sweep stops there
};

class OtlpIngest {
 public:
  OtlpIngest(GroupStore& store, OtlpIngestOptions options);

  // Applies a decoded export received at `now_seconds`. Refused as a whole
  // (nothing stored changes) when a group is not authorized, when a metric's
  // Prometheus type differs from the stored family of its name (rule
  // otlp-type-change) or when the store refuses a group for a check or a
  // quota; points the translation refuses are a partial success instead.
  boost::system::result<OtlpIngestResult, PushError> ingest(const exposition::otlp::ExportRequest& request,
                                                            double now_seconds, const OtlpAuthorizer& authorize = {});

  // Drops the series not exported since now - series_ttl_seconds.
  OtlpSweep sweep(double now_seconds);

  const OtlpIngestOptions& options() const { return options_; }

 private:
  GroupStore& store_;
  const OtlpIngestOptions options_;
  std::mutex exports_;  // one export (or sweep) at a time: each reads the totals the previous one wrote
};

}  // namespace flowgate::pushgw
