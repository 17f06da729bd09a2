#pragma once
// The real route table over a real in-memory store, without sockets: what
// routing and handler tests dispatch requests through.

#include <memory>
#include <string>

#include "exporter/dispatcher.hpp"
#include "exporter/flags.hpp"
#include "exporter/routes.hpp"
#include "exporter/scrape_handler.hpp"
#include "exporter/self_metrics.hpp"
#include "pushgw/group_store.hpp"
#include "pushgw/otlp_ingest.hpp"

namespace flowgate::exporter::testing {

struct RouteFixture {
  explicit RouteFixture(Flags route_flags, const AuthorizationFile* authorization = nullptr)
      : flags(std::move(route_flags)),
        store(pushgw::StoreOptions{!flags.disable_consistency_check, [](std::string_view name) { return SelfMetrics::family_type(name); }}),
        scrape(store, {}, self_metrics),
        otlp(store, {}),
        dispatcher(build_routes(RouteContext{flags, store, scrape, self_metrics, StatusInfo{&flags.values, 0, false},
                                             [this] { ++shutdown_requests; }, nullptr, authorization, &otlp}),
                   flags.route_prefix) {}

  Dispatched send(std::string_view method, std::string_view target, std::string_view body = {},
                  std::string_view accept = {}, std::string_view user = {}) const {
    Request request;
    request.user = user;
    request.method = method;
    request.target = target;
    request.body = body;
    request.accept = accept;
    request.received_at = 1'700'000'000;
    return dispatcher.dispatch(request);
  }

  // An OTLP/HTTP export (POST) of `body` in `content_type`.
  Dispatched send_otlp(std::string_view target, std::string_view content_type, std::string_view body,
                       std::string_view user = {}, std::string_view content_encoding = {}) const {
    Request request;
    request.user = user;
    request.content_encoding = content_encoding;
    request.method = "POST";
    request.target = target;
    request.content_type = content_type;
    request.body = body;
    request.received_at = 1'700'000'000;
    return dispatcher.dispatch(request);
  }

  Flags flags;
  SelfMetrics self_metrics;
  pushgw::GroupStore store;
  ScrapeHandler scrape;
  pushgw::OtlpIngest otlp;
  int shutdown_requests = 0;
  Dispatcher dispatcher;
};

inline Flags flags_of(std::initializer_list<std::string_view> args) {
  std::vector<std::string_view> list(args);
  auto parsed = parse_flags(list);
  return parsed ? *parsed : Flags{};
}

inline std::string header(const Reply& reply, std::string_view name) {
  for (const auto& [key, value] : reply.headers) {
    if (key == name) return value;
  }
  return "<absent>";
}

inline std::string body_of(const Reply& reply) {
  if (!reply.streamed) return reply.body;
  std::string out;
  for (auto piece : reply.streamed->pieces) out += piece;
  return out;
}

}  // namespace flowgate::exporter::testing
