#pragma once
// GET <telemetry path>: one body from three sources merged by family name —
// flowgate's self-metrics, the collectors' last published families and the
// pushed groups of the current store snapshot. One header per name (our own
// HELP wins), families in byte order of name, our samples before pushed ones.
// The reply streams pieces that point into the snapshot, which the reply keeps
// alive. Thread-safe; never waits on a push or on a collector refresh.

#include <functional>
#include <vector>

#include "collectors/collector.hpp"
#include "exporter/exchange.hpp"
#include "exporter/self_metrics.hpp"
#include "exposition/writer.hpp"
#include "pushgw/group_store.hpp"

namespace flowgate::exporter {

class ScrapeHandler {
 public:
  // `before_scrape` refreshes gauges that describe the snapshot (store size).
  ScrapeHandler(pushgw::GroupStore& store, std::vector<const collectors::Collector*> collectors, SelfMetrics& self,
                std::function<void(const pushgw::Snapshot&)> before_scrape = {});

  Reply handle(const Request& request) const;

  // The body in `format`, uncompressed (tests and the handler).
  StreamedBody render(exposition::Format format) const;

 private:
  pushgw::GroupStore& store_;
  std::vector<const collectors::Collector*> collectors_;
  SelfMetrics& self_;
  std::function<void(const pushgw::Snapshot&)> before_scrape_;
};

}  // namespace flowgate::exporter
