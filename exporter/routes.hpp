#pragma once
// The one route table of flowgate, the Pushgateway's endpoints under the
// route prefix, each with its flag gate (see docs/flags.md). Handlers are thin
// adapters to pushgw's domain functions, the scrape handler and the status
// pages. The Router it returns is immutable and safe from any thread.

#include <functional>

#include "exporter/flags.hpp"
#include "exporter/router.hpp"
#include "exporter/scrape_handler.hpp"
#include "exporter/self_metrics.hpp"
#include "exporter/status_page.hpp"
#include "pushgw/group_store.hpp"

namespace flowgate::exporter {

struct RouteContext {
  const Flags& flags;
  pushgw::GroupStore& store;
  const ScrapeHandler& scrape;
  SelfMetrics& self_metrics;
  StatusInfo status;
  std::function<void()> request_shutdown;  // /-/quit
  Logger* logger = nullptr;                 // refused pushes are logged here when set
};

Router build_routes(const RouteContext& context);

}  // namespace flowgate::exporter
