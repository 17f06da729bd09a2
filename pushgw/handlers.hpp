#pragma once
// Thin adapters from HTTP exchanges to the store: decode, call the domain
// function, map the outcome to the Pushgateway's status code and message.
// Thread-safe (the store is).

#include <cstddef>

#include "pushgw/group_store.hpp"
#include "pushgw/http_exchange.hpp"

namespace flowgate::pushgw {

struct PushLimits {
  std::size_t max_body_bytes = 64u << 20;  // after gzip inflation
};

// PUT/POST <prefix>/metrics/job/...: request.path starts at "job".
// 200 when the store checks consistency, 202 when it does not (as the
// Pushgateway answers), 4xx/5xx with a one-line reason otherwise.
HttpReply handle_push(const HttpRequest& request, GroupStore& store, const PushLimits& limits);

// DELETE <prefix>/metrics/job/...: 202 for any valid grouping key.
HttpReply handle_delete(const HttpRequest& request, GroupStore& store);

// PUT <prefix>/api/v1/admin/wipe: 202.
HttpReply handle_wipe(GroupStore& store);

// GET <prefix>/api/v1/metrics: every group as the Pushgateway's JSON.
HttpReply handle_api_metrics(const Snapshot& snapshot);

}  // namespace flowgate::pushgw
