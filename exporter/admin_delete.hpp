#pragma once
// POST /api/v1/admin/delete_groups?match[]=SELECTOR[&match[]=…][&dry_run=true]:
// deletes every group whose grouping key matches one of the selectors
// (PromQL-style, exporter/group_selector.hpp), each journaled as a DELETE;
// dry_run only counts. The answer is JSON in the Pushgateway API's envelope:
// {"status":"success","data":{"dry_run":…,"deleted":N,"groups":[{labels},…]}}.
// A selector every empty value satisfies (it would match any group) is
// refused with 400: /api/v1/admin/wipe is the way to remove everything.

#include "exporter/exchange.hpp"
#include "pushgw/group_store.hpp"

namespace flowgate::exporter {

Reply delete_groups_reply(const Request& request, pushgw::GroupStore& store);

}  // namespace flowgate::exporter
