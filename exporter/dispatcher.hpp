#pragma once
// From a request to a reply: decodes and resolves the path with the router,
// turns redirects, 405s, automatic OPTIONS and 404s into the Pushgateway's
// replies, and calls the matched handler. Server-independent, so the whole
// routing behaviour is tested without sockets. Thread-safe (const).

#include <string_view>

#include "exporter/exchange.hpp"
#include "exporter/router.hpp"

namespace flowgate::exporter {

struct Dispatched {
  Reply reply;
  std::string_view handler;  // route name for self-metrics; empty when no route matched
};

class Dispatcher {
 public:
  Dispatcher(Router router, std::string route_prefix);
  Dispatched dispatch(const Request& request) const;

 private:
  Router router_;
  std::string api_root_;  // "<prefix>/api/v1", redirected to its subtree like Go's ServeMux
};

}  // namespace flowgate::exporter
