#pragma once
// GET / : the web UI's Groups page, a small server-rendered shell (filter,
// pager, the confirmation dialog) that the embedded flowgate.js fills one
// page at a time from GET api/v1/groups (exporter/groups_api.hpp). What the
// script needs from the flags rides on <body data-*>: whether the admin API
// (wipe) is on and --web.grafana-url, both escaped.

#include "exporter/exchange.hpp"
#include "exporter/status_page.hpp"

namespace flowgate::exporter {

Reply groups_page(const StatusInfo& info);

}  // namespace flowgate::exporter
