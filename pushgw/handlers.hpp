#pragma once
// Thin adapters from HTTP exchanges to the store: decode, call the domain
// function, map the outcome to the Pushgateway's status code and message.
// Thread-safe (the store is).

#include <cstddef>

#include "pushgw/group_store.hpp"
#include "pushgw/http_exchange.hpp"
#include "pushgw/push_limits.hpp"

namespace flowgate::pushgw {

// PUT/POST <prefix>/metrics/job/...: request.path starts at "job".
// 200 when the store checks consistency, 202 when it does not (as the
// Pushgateway answers), 4xx/5xx with a one-line reason otherwise. `limits`
// are checked before the body is sanitized, rendered or hashed; a push over
// one changes nothing.
HttpReply handle_push(const HttpRequest& request, GroupStore& store, const PushLimits& limits);

// DELETE <prefix>/metrics/job/...: 202 for any valid grouping key (UTF-8,
// but not limited in size, so a group stored before a limit was lowered can
// still be deleted).
HttpReply handle_delete(const HttpRequest& request, GroupStore& store);

// PUT <prefix>/api/v1/admin/wipe: 202.
HttpReply handle_wipe(GroupStore& store);

// GET <prefix>/api/v1/metrics: every group as the Pushgateway's JSON.
HttpReply handle_api_metrics(const Snapshot& snapshot);

}  // namespace flowgate::pushgw
