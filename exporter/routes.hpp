#pragma once
// The one route table of flowgate, the Pushgateway's endpoints under the
// route prefix, each with its flag gate (see docs/flags.md), and OTLP/HTTP's
// /v1/metrics (docs/otlp.md). Handlers are thin
// adapters to pushgw's domain functions, the scrape handler and the status
// pages. With an authorization file, each handler first checks that the
// request's user may do what it asks (docs/authorization.md) and answers 403
// naming the user otherwise. The Router it returns is safe from any thread.

#include <functional>

#include "exporter/authorization_file.hpp"
#include "exporter/flags.hpp"
#include "exporter/router.hpp"
#include "exporter/scrape_handler.hpp"
#include "exporter/self_metrics.hpp"
#include "exporter/status_page.hpp"
#include "pushgw/group_store.hpp"
#include "pushgw/otlp_ingest.hpp"

namespace flowgate::exporter {

struct RouteContext {
  const Flags& flags;
  pushgw::GroupStore& store;
  const ScrapeHandler& scrape;
  SelfMetrics& self_metrics;
  StatusInfo status;
  std::function<void()> request_shutdown;  // /-/quit
  Logger* logger = nullptr;                 // refused pushes are logged here when set
  // --web.authorization.file; null: every request may do everything, as without the flag.
  const AuthorizationFile* authorization = nullptr;
  // OTLP/HTTP ingest (POST /v1/metrics and its aliases); null: no OTLP routes.
  pushgw::OtlpIngest* otlp = nullptr;
};

Router build_routes(const RouteContext& context);

}  // namespace flowgate::exporter
