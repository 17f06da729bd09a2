#pragma once
// GET / and /status (server-rendered HTML listing the groups, each with a
// delete button) and GET /api/v1/status (the Pushgateway's JSON shape:
// build_information, flags, start_time). Relative URLs only, so both work
// behind a route prefix. Pure functions of their arguments.

#include <map>
#include <string>

#include "exporter/exchange.hpp"
#include "exposition/names.hpp"
#include "pushgw/snapshot.hpp"

namespace flowgate::exporter {

struct StatusInfo {
  const std::map<std::string, std::string>* flags = nullptr;
  double start_time = 0;  // Unix seconds
  bool admin_api_enabled = false;
  // How the store reads grouping label names, for the delete buttons' URLs.
  exposition::NameValidation names = exposition::NameValidation::legacy;
};

Reply status_page(const pushgw::Snapshot& snapshot, const StatusInfo& info);
Reply api_status(const StatusInfo& info);

}  // namespace flowgate::exporter
