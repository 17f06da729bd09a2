#pragma once
// GET <telemetry path>: one body from three sources merged by family name —
// flowgate's self-metrics, the collectors' last published families and the
// pushed groups of the current store snapshot. One header per name (our own
// HELP wins), families in byte order of name, our samples before pushed ones.
// The reply streams pieces that point into the snapshot, which the reply keeps
// alive. Thread-safe; never waits on a push or on a collector refresh.

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "collectors/collector.hpp"
#include "exporter/exchange.hpp"
#include "exporter/group_freshness.hpp"
#include "exporter/self_metrics.hpp"
#include "exposition/writer.hpp"
#include "pushgw/group_store.hpp"

namespace flowgate::exporter {

class ScrapeHandler {
 public:
  // `before_scrape` refreshes gauges that describe the snapshot (store size).
  // `freshness`: set, every scrape has the per-group freshness gauges
  // (group_freshness.hpp) among our own families.
  ScrapeHandler(pushgw::GroupStore& store, std::vector<const collectors::Collector*> collectors, SelfMetrics& self,
                std::function<void(const pushgw::Snapshot&)> before_scrape = {},
                std::optional<FreshnessOptions> freshness = std::nullopt);

  // With --push.disable-consistency-check, a store that became inconsistent
  // answers 500 with the first problem, as the Pushgateway's gather does,
  // until the offending group is deleted.
  Reply handle(const Request& request) const;

  // The body in `format`, uncompressed or as one gzip member (tests and the
  // handler), pushed names written as `escaping` asks (flowgate's own names
  // are legacy). The gzip body joins blocks deflated once per stored family.
  StreamedBody render(exposition::Format format, bool gzip = false,
                      exposition::NameEscaping escaping = exposition::NameEscaping::underscores) const;

 private:
  pushgw::GroupStore& store_;
  std::vector<const collectors::Collector*> collectors_;
  SelfMetrics& self_;
  std::function<void(const pushgw::Snapshot&)> before_scrape_;
  std::optional<FreshnessOptions> freshness_;

  // Our own families for one scrape of `snapshot`.
  exposition::Families own_families(const pushgw::Snapshot& snapshot) const;

  // The problem of an unchecked store, for one snapshot version: the
  // whole-store check is O(series), so it runs once per published change.
  std::optional<std::string> inconsistency(const pushgw::Snapshot& snapshot) const;
  mutable std::mutex checked_mutex_;  // guards the two below
  mutable std::uint64_t checked_version_ = UINT64_MAX;
  mutable std::optional<std::string> checked_problem_;
};

}  // namespace flowgate::exporter
