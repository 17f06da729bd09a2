#pragma once
// GET /status: the web UI's Status page (server-rendered HTML: build
// information, start time, persistence, collector and Prefect health, every
// flag), and GET /api/v1/status (the Pushgateway's JSON shape:
// build_information, flags, start_time). Relative URLs only, so both work
// behind a route prefix. Pure functions of their arguments; every value is
// escaped.

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "exporter/exchange.hpp"
#include "exporter/store_keeper.hpp"
#include "exposition/names.hpp"

namespace flowgate::exporter {

// One collector's last refresh, as the Status page shows it.
struct CollectorHealth {
  std::string name;
  bool ok = false;
  double seconds = 0;  // the last refresh's duration; 0 with !ok: not polled yet
  std::string detail;  // the last failure's sentence, when the collector keeps one
};

// What the running app knows beyond the flags, read when the page is asked for.
struct RuntimeState {
  StoreKeeperFigures persistence;
  std::vector<CollectorHealth> collectors;
};

struct StatusInfo {
  const std::map<std::string, std::string>* flags = nullptr;
  double start_time = 0;  // Unix seconds
  bool admin_api_enabled = false;
  // How the store reads grouping label names, for the delete buttons' URLs.
  exposition::NameValidation names = exposition::NameValidation::legacy;
  std::string telemetry_path = "/metrics";
  std::string grafana_url{};              // --web.grafana-url; empty: no dashboard links
  std::function<RuntimeState()> runtime{};  // empty: the page says nothing of persistence and collectors
};

Reply status_page(const StatusInfo& info, double now_seconds);
Reply api_status(const StatusInfo& info);

}  // namespace flowgate::exporter
