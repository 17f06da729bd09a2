#include "exporter/routes.hpp"

#include <algorithm>
#include <chrono>
#include <optional>

#include "exporter/admin_delete.hpp"
#include "exporter/groups_api.hpp"
#include "exporter/groups_page.hpp"
#include "exporter/otlp_reply.hpp"
#include "exporter/query_params.hpp"
#include "exporter/quoted_string.hpp"
#include "exporter/web_assets.hpp"
#include "exposition/names.hpp"
#include "pushgw/api_json.hpp"
#include "pushgw/grouping_key.hpp"
#include "pushgw/otlp_request.hpp"
#include "pushgw/push_request.hpp"
#include "pushgw/snapshot.hpp"

namespace flowgate::exporter {
namespace {

// A plain-text answer without Go's http.Error decoration (no newline, no
// nosniff), as the Pushgateway writes its health and lifecycle answers.
Reply plain_text(int status, std::string_view text) {
  Reply reply;
  reply.status = status;
  reply.content_type = "text/plain; charset=utf-8";
  reply.body = text;
  return reply;
}

// The headers the Pushgateway's /api/v1 router sets on each of its answers.
void add_cors(Reply& reply) {
  reply.headers.emplace_back("Access-Control-Allow-Headers", "Accept, Authorization, Content-Type, Origin");
  reply.headers.emplace_back("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS");
  reply.headers.emplace_back("Access-Control-Allow-Origin", "*");
  reply.headers.emplace_back("Access-Control-Expose-Headers", "Date");
  reply.headers.emplace_back("Cache-Control", "no-cache, no-store, must-revalidate");
}

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

// A grouping key as a 403 names it: {job="billing",instance="a"}, job first.
std::string key_text(const exposition::Labels& labels) {
  std::string out = "{";
  auto append = [&out](const exposition::Label& label) {
    if (out.size() > 1) out += ',';
    out += label.name;
    out += '=';
    append_quoted(out, label.value, QuoteStyle::logfmt);
  };
  for (const auto& label : labels) {
    if (label.name == "job") append(label);
  }
  for (const auto& label : labels) {
    if (label.name != "job") append(label);
  }
  return out + "}";
}

std::string forbidden_message(std::string_view user, std::string_view action) {
  std::string who = user.empty() ? std::string("a request without a user") : "user \"" + std::string(user) + "\"";
  return who + " may not " + std::string(action) + " (--web.authorization.file)";
}

Reply forbidden(std::string_view user, std::string_view action) {
  return error_reply(403, forbidden_message(user, action));
}

// The handler, run only when the request's user has `permission`.
Handler guarded(const AuthorizationFile* authorization, Permission permission, Handler handler) {
  if (authorization == nullptr) return handler;
  return [authorization, permission, handler = std::move(handler)](const Request& request) {
    if (authorization->current()->may(request.user, permission)) return handler(request);
    switch (permission) {
      case Permission::scrape: return forbidden(request.user, "scrape (GET /metrics, /api/v1/*, the status pages)");
      case Permission::admin: return forbidden(request.user, "use the admin API");
      case Permission::lifecycle: return forbidden(request.user, "use the lifecycle API");
    }
    return forbidden(request.user, "do this");
  };
}

// The 403 for a change the authorization file does not allow the request's
// user on `key`, logged; nullopt when allowed (or when there is no file).
std::optional<Reply> change_forbidden(const AuthorizationFile* authorization, const Request& request,
                                      const pushgw::GroupingKey& key, Logger* logger) {
  if (authorization == nullptr || authorization->current()->may_change(request.user, key.labels)) return std::nullopt;
  const std::string group = key_text(key.labels);
  if (logger != nullptr) {
    logger->log(LogLevel::info, FLOWGATE_CALLER, "change refused by --web.authorization.file",
                {{"user", request.user}, {"method", request.method}, {"grouping_key", group},
                 {"source", request.remote_address}});
  }
  return forbidden(request.user, (request.method == "DELETE" ? "delete grouping key " : "push to grouping key ") + group);
}

// A refused push, delete or wipe as the Pushgateway answers it: Go's
// http.Error with the status of the refusal's kind, and the Pushgateway's
// prefix for what its validation refuses.
Reply refusal_reply(const pushgw::PushError& error) {
  std::string message;
  if (error.kind == pushgw::PushErrorKind::has_timestamp || error.kind == pushgw::PushErrorKind::inconsistent) {
    message = "pushed metrics are invalid or inconsistent with existing metrics: ";
  }
  message += error.message;
  return error_reply(pushgw::http_status(error.kind), message);
}

// What a change to the store answers: no body on success, and the server
// holds the reply until the change's ticket is durable.
Reply change_reply(const pushgw::ChangeOutcome& outcome, int accepted_status) {
  if (!outcome) return refusal_reply(outcome.error());
  Reply reply;
  reply.status = accepted_status;
  reply.commit_ticket = *outcome;
  return reply;
}

// Counts and logs a refused push. As the Pushgateway: unparsable input at
// debug, refused content at error.
void note_refused_push(const Request& request, std::string_view reply_body, pushgw::PushErrorKind kind,
                       SelfMetrics& self, Logger* logger) {
  const auto reason = pushgw::name(kind);
  self.record_push_rejection(reason);
  if (logger == nullptr) return;
  const bool client_garbage = reason == "bad_body" || reason == "bad_grouping_key" || reason == "body_too_large" ||
                              reason == "unsupported_encoding" || reason == "bad_push_option";
  logger->log(client_garbage ? LogLevel::debug : LogLevel::error, FLOWGATE_CALLER, "push refused",
              {{"reason", reason}, {"method", request.method}, {"source", request.remote_address},
               {"err", reply_body.substr(0, reply_body.find_last_not_of('\n') + 1)}});
}

pushgw::PushLimits push_limits_of(const Flags& flags) {
  pushgw::PushLimits limits;
  limits.max_body_bytes = flags.max_body_bytes;
  limits.max_labels_per_series = flags.max_labels_per_series;
  limits.max_grouping_labels = flags.max_grouping_labels;
  limits.max_label_name_bytes = flags.max_label_name_bytes;
  limits.max_label_value_bytes = flags.max_label_value_bytes;
  limits.max_series_per_push = flags.max_series_per_push;
  limits.names = name_validation(flags);
  return limits;
}

// Adds routes to a router. The API lives behind Go's case-sensitive ServeMux
// prefix, so only the main routes get httprouter's case-insensitive redirect.
class RouteAdder {
 public:
  RouteAdder(Router& router, std::string api_prefix) : router_(router), api_prefix_(std::move(api_prefix)) {}
  void operator()(std::string method, std::string pattern, Route::Shape shape, std::string name,
                  Handler handler) const {
    const bool fix_case = !pattern.starts_with(api_prefix_);
    router_.add(Route{std::move(method), std::move(pattern), shape, std::move(name), std::move(handler), fix_case});
  }

 private:
  Router& router_;
  std::string api_prefix_;
};

using Shape = Route::Shape;

// The scrape, HEAD too: an improvement over the Pushgateway, which answers 405.
void add_scrape_routes(const RouteAdder& add, const RouteContext& context) {
  const std::string path = context.flags.route_prefix + context.flags.telemetry_path;
  Handler scrape = guarded(context.authorization, Permission::scrape,
                           [&scrape = context.scrape](const Request& request) { return scrape.handle(request); });
  add("GET", path, Shape::exact, "metrics", scrape);
  add("HEAD", path, Shape::exact, "metrics", scrape);
}

// Pushes and deletes: one grouping-key parser behind PUT, POST and DELETE.
// An aggregating push's gauge rules and idempotency key, from its headers or
// the grouping label `idempotency_key` (taken out of the key: retries of one
// task share a group). The error is the 400's message.
std::optional<std::string> prepare_aggregation(const Request& request, pushgw::GroupingKey& key, double window_seconds,
                                               pushgw::PushRequest& push) {
  auto rules = pushgw::parse_aggregation_rules(request.gauge_aggregation);
  if (!rules) return "X-Flowgate-Gauge-Aggregation: " + rules.error();
  push.aggregation = std::move(*rules);
  push.idempotency.window_seconds = window_seconds;
  push.idempotency.key = request.idempotency_key;
  std::string_view source = "Idempotency-Key header";
  const auto label = std::find_if(key.labels.begin(), key.labels.end(),
                                  [](const exposition::Label& l) { return l.name == "idempotency_key"; });
  if (label != key.labels.end()) {
    if (push.idempotency.key.empty()) {
      push.idempotency.key = label->value;
      source = "idempotency_key grouping label";
    }
    key.labels.erase(label);
  }
  constexpr std::size_t kMaxKeyBytes = 256;
  if (push.idempotency.key.size() > kMaxKeyBytes) {
    return std::string(source) + ": " + std::to_string(push.idempotency.key.size()) +
           " bytes, longer than the limit of " + std::to_string(kMaxKeyBytes);
  }
  return std::nullopt;
}

// A push's declared group lifetime (docs/aggregation.md, Group lifetimes):
// the X-Flowgate-Group-TTL header, else the grouping label __group_ttl, which
// is taken out of the key either way. Unset when neither is given; the
// error is the 400's message.
boost::system::result<std::optional<double>, std::string> declared_group_ttl(const Request& request,
                                                                             pushgw::GroupingKey& key,
                                                                             std::chrono::milliseconds max) {
  std::string source = "X-Flowgate-Group-TTL";
  std::string text(request.group_ttl);
  const auto label = std::find_if(key.labels.begin(), key.labels.end(),
                                  [](const exposition::Label& l) { return l.name == pushgw::kGroupTtlLabel; });
  const bool labelled = label != key.labels.end();
  if (labelled) {
    if (text.empty()) {
      source = "grouping label " + std::string(pushgw::kGroupTtlLabel);
      text = label->value;
    }
    key.labels.erase(label);
  }
  if (text.empty() && !labelled) return std::nullopt;
  std::chrono::milliseconds ttl{0};
  if (!parse_duration(text, ttl) || ttl.count() == 0) {
    return source + ": " + exposition::quoted_for_message(text) +
           " is not a positive duration such as 90s, 15m or 1h30m";
  }
  if (max.count() == 0) {
    return source + ": this server does not let pushes declare a group TTL (--push.max-group-ttl=0s)";
  }
  if (ttl > max) {
    return source + ": " + text + " is longer than the longest group TTL a push may declare, " +
           go_duration_text(max) + " (--push.max-group-ttl)";
  }
  return std::optional<double>(std::chrono::duration<double>(ttl).count());
}

// Pushes and deletes under `base`: one grouping-key parser behind PUT, POST
// and DELETE. `aggregating`: PUT and POST add onto the group (docs/aggregation.md).
void add_change_routes_under(const RouteAdder& add, const RouteContext& context, const std::string& base,
                             bool aggregating) {
  pushgw::PushLimits limits = push_limits_of(context.flags);
  limits.group_ttl_label = true;
  auto grouping_path = [base](const Request& request) { return path_of(request.target).substr(base.size()); };
  // The key is parsed once, authorized, then applied.
  const double window = std::chrono::duration<double>(context.flags.idempotency_window).count();
  Handler push = [&store = context.store, &self = context.self_metrics, logger = context.logger,
                  authorization = context.authorization, limits, grouping_path, aggregating, window,
                  max_ttl = context.flags.max_group_ttl](const Request& request) {
    self.record_push_size(request.method, request.body.size());
    pushgw::PushRequest push_request{
        request.method == "POST" ? pushgw::PushMode::replace_families : pushgw::PushMode::replace_group,
        grouping_path(request), request.content_type, request.content_encoding, request.body, request.received_at,
        std::nullopt, {}, std::nullopt};
    auto key = pushgw::parse_grouping_key(push_request.path, limits);
    // Refused options are counted and logged like any refused push.
    const auto bad_option = [](std::string message) {
      return pushgw::PushError(pushgw::PushErrorKind::bad_push_option, std::move(message));
    };
    if (key) {
      auto ttl = declared_group_ttl(request, *key, max_ttl);
      if (ttl) push_request.group_ttl_seconds = *ttl;
      if (!ttl) key = bad_option(ttl.error());
    }
    if (key && aggregating) {
      if (auto bad = prepare_aggregation(request, *key, window, push_request)) key = bad_option(*bad);
    }
    if (key) {
      if (auto refused = change_forbidden(authorization, request, *key, logger)) return std::move(*refused);
    }
    const auto outcome = key ? pushgw::apply_push(push_request, std::move(*key), store, limits)
                             : pushgw::ChangeOutcome(key.error());
    Reply reply = change_reply(outcome, store.options().consistency_check ? 200 : 202);
    if (!outcome) note_refused_push(request, reply.body, outcome.error().kind, self, logger);
    return reply;
  };
  Handler remove = [&store = context.store, authorization = context.authorization, logger = context.logger,
                    grouping_path](const Request& request) {
    auto key = pushgw::parse_grouping_key(grouping_path(request), store.options().names);
    if (!key) return change_reply(key.error(), 202);
    if (auto refused = change_forbidden(authorization, request, *key, logger)) return std::move(*refused);
    return change_reply(pushgw::apply_delete(*key, store), 202);
  };
  for (const char* job : {"job/", "job@base64/"}) {
    add("PUT", base + job, Shape::param_rest, aggregating ? "aggregate" : "push", push);
    add("POST", base + job, Shape::param_rest, aggregating ? "aggregate" : "push", push);
    add("DELETE", base + job, Shape::param_rest, "delete", remove);
  }
}

// The Pushgateway's /metrics/, and /aggregate/metrics/: a gateway URL ending
// in /aggregate makes every client's pushes add up.
void add_change_routes(const RouteAdder& add, const RouteContext& context) {
  add_change_routes_under(add, context, context.flags.route_prefix + "/metrics/", false);
  add_change_routes_under(add, context, context.flags.route_prefix + "/aggregate/metrics/", true);
}

// The OTLP reply of an export: 200 with ExportMetricsServiceResponse (held
// until durable), or the refusal's status with a google.rpc.Status, in the
// request's encoding.
Reply otlp_reply(const pushgw::OtlpOutcome& outcome, pushgw::OtlpEncoding encoding) {
  Reply reply;
  reply.content_type = otlp_content_type(encoding);
  if (!outcome) {
    reply.status = pushgw::http_status(outcome.error().kind);
    reply.body = otlp_status(encoding, grpc_code_of(reply.status), outcome.error().message);
    return reply;
  }
  reply.body = otlp_export_response(encoding, outcome->rejected_points, outcome->rejection_message);
  reply.commit_ticket = outcome->ticket;
  return reply;
}

// Each group of an export must be one the user may push to.
pushgw::OtlpAuthorizer otlp_authorizer(const AuthorizationFile* authorization, const Request& request) {
  if (authorization == nullptr) return {};
  return [authorization, &request](const pushgw::GroupingKey& key) -> std::optional<pushgw::PushError> {
    if (authorization->current()->may_change(request.user, key.labels)) return std::nullopt;
    return pushgw::PushError(pushgw::PushErrorKind::forbidden,
                             forbidden_message(request.user, "push to grouping key " + key_text(key.labels)));
  };
}

// OTLP/HTTP metrics: the SDKs' default path, and Mimir's and Prometheus 3's.
void add_otlp_routes(const RouteAdder& add, const RouteContext& context) {
  if (context.otlp == nullptr) return;
  const pushgw::PushLimits limits = push_limits_of(context.flags);
  Handler ingest = [&otlp = *context.otlp, &self = context.self_metrics, logger = context.logger,
                    authorization = context.authorization, limits](const Request& request) {
    self.record_push_size("OTLP", request.body.size());
    const auto encoding = pushgw::otlp_encoding(request.content_type);
    if (!encoding) {
      Reply refused = error_reply(415, "Content-Type " + exposition::quoted_for_message(request.content_type) +
                                           " is not an OTLP/HTTP encoding; send application/x-protobuf or "
                                           "application/json");
      note_refused_push(request, refused.body, pushgw::PushErrorKind::unsupported_encoding, self, logger);
      return refused;
    }
    const pushgw::OtlpRequest otlp_request{*encoding, request.content_encoding, request.body, request.received_at};
    const auto outcome = pushgw::apply_otlp(otlp_request, otlp, limits, otlp_authorizer(authorization, request));
    Reply reply = otlp_reply(outcome, *encoding);
    // A 403 is no push rejection (as for the Pushgateway API's pushes).
    if (!outcome && outcome.error().kind != pushgw::PushErrorKind::forbidden) {
      note_refused_push(request, outcome.error().message, outcome.error().kind, self, logger);
    }
    return reply;
  };
  const std::string& p = context.flags.route_prefix;
  for (const char* path : {"/v1/metrics", "/otlp/v1/metrics", "/api/v1/otlp/v1/metrics"}) {
    add("POST", p + path, Shape::exact, "otlp", ingest);
  }
}

void add_health_and_lifecycle_routes(const RouteAdder& add, const RouteContext& context) {
  const std::string& p = context.flags.route_prefix;
  add("GET", p + "/-/healthy", Shape::exact, "healthy", [](const Request&) { return plain_text(200, "OK"); });
  add("GET", p + "/-/ready", Shape::exact, "ready", [](const Request&) { return plain_text(200, "OK"); });
  Handler quit = guarded(context.authorization, Permission::lifecycle,
                         [enabled = context.flags.enable_lifecycle, shutdown = context.request_shutdown](const Request&) {
                           if (!enabled) return plain_text(403, "Lifecycle API is not enabled.");
                           if (shutdown) shutdown();
                           return plain_text(200, "Requesting termination... Goodbye!");
                         });
  add("PUT", p + "/-/quit", Shape::exact, "quit", quit);
  add("POST", p + "/-/quit", Shape::exact, "quit", quit);
  // Registered without the prefix, as the Pushgateway does.
  add("GET", "/-/quit", Shape::exact, "quit",
      [](const Request&) { return plain_text(405, "Only POST or PUT requests allowed."); });
}

// The web UI: the Groups page at the prefix, the Status page, the embedded
// script and stylesheet under static/, and the Groups page's JSON.
void add_web_ui_routes(const RouteAdder& add, const RouteContext& context, const std::string& api) {
  StatusInfo info = context.status;
  info.telemetry_path = context.flags.telemetry_path;
  info.grafana_url = context.flags.grafana_url;
  info.admin_api_enabled = context.flags.enable_admin_api;
  const std::string& p = context.flags.route_prefix;
  add("GET", p + "/", Shape::exact, "status",
      guarded(context.authorization, Permission::scrape, [info](const Request&) { return groups_page(info); }));
  add("GET", p + "/status", Shape::exact, "status",
      guarded(context.authorization, Permission::scrape,
              [info](const Request& request) { return status_page(info, request.received_at); }));
  for (const auto& asset : web_asset_table()) {
    add("GET", p + "/static/" + std::string(asset.name), Shape::exact, "static", [&asset](const Request&) {
      Reply reply;
      reply.content_type = asset.content_type;
      reply.body = asset.body;
      reply.headers.emplace_back("Cache-Control", "no-cache");
      return reply;
    });
  }
  GroupsView view{0, FreshnessOptions{std::chrono::duration<double>(context.flags.group_ttl).count()},
                  context.status.names};
  add("GET", api + "groups", Shape::exact, "api/v1/groups",
      guarded(context.authorization, Permission::scrape, [&store = context.store, view](const Request& request) {
        auto query = parse_groups_query(request.target);
        Reply reply = query ? Reply{} : api_bad_request(query.error());
        if (query) {
          GroupsView now = view;
          now.now_seconds = request.received_at;
          reply.content_type = "application/json";
          reply.body = groups_json(*store.snapshot(), *query, now);
        }
        add_cors(reply);
        return reply;
      }));
}

// The JSON API, with CORS headers on every answer of its router and OPTIONS
// on any API path; the admin API is registered beside it, without them.
void add_api_routes(const RouteAdder& add, const RouteContext& context, const std::string& api) {
  add("GET", api + "status", Shape::exact, "api/v1/status",
      guarded(context.authorization, Permission::scrape, [status = context.status](const Request&) {
        Reply reply = api_status(status);
        add_cors(reply);
        return reply;
      }));
  add("GET", api + "metrics", Shape::exact, "api/v1/metrics",
      guarded(context.authorization, Permission::scrape, [&store = context.store](const Request&) {
        Reply reply;
        reply.content_type = "application/json";
        reply.body = pushgw::api_metrics_json(*store.snapshot());
        add_cors(reply);
        return reply;
      }));
  if (context.flags.enable_admin_api) {
    add("PUT", api + "admin/wipe", Shape::exact, "wipe",
        guarded(context.authorization, Permission::admin,
                [&store = context.store](const Request&) { return change_reply(store.wipe(), 202); }));
    add("POST", api + "admin/delete_groups", Shape::exact, "delete_groups",
        guarded(context.authorization, Permission::admin, [&store = context.store](const Request& request) {
          Reply reply = delete_groups_reply(request, store);
          add_cors(reply);
          return reply;
        }));
  }
  add("OPTIONS", api, Shape::any_rest, "api/v1/options", [](const Request&) {
    Reply reply;
    add_cors(reply);
    return reply;
  });
}

}  // namespace

Router build_routes(const RouteContext& context) {
  Router router;
  const std::string api = context.flags.route_prefix + "/api/v1/";
  const RouteAdder add(router, api);
  add_scrape_routes(add, context);
  add_change_routes(add, context);
  add_otlp_routes(add, context);
  add_health_and_lifecycle_routes(add, context);
  add_web_ui_routes(add, context, api);
  add_api_routes(add, context, api);
  return router;
}

}  // namespace flowgate::exporter
