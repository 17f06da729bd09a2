#include "exporter/routes.hpp"

#include <optional>

#include "exporter/quoted_string.hpp"
#include "pushgw/grouping_key.hpp"
#include "pushgw/handlers.hpp"
#include "pushgw/snapshot.hpp"

namespace flowgate::exporter {
namespace {

Reply from_pushgw(pushgw::HttpReply reply) {
  Reply out;
  out.status = reply.status;
  out.content_type = std::move(reply.content_type);
  out.body = std::move(reply.body);
  out.headers = std::move(reply.headers);
  out.commit_ticket = reply.commit_ticket;
  if (out.status >= 400 && out.content_type.empty()) {
    out.content_type = "text/plain; charset=utf-8";
    out.headers.emplace_back("X-Content-Type-Options", "nosniff");
  }
  return out;
}

// A plain-text answer without Go's http.Error decoration (no newline, no
// nosniff), as the Pushgateway writes its health and lifecycle answers.
Reply plain_text(int status, std::string_view text) {
  Reply reply;
  reply.status = status;
  reply.content_type = "text/plain; charset=utf-8";
  reply.body = text;
  return reply;
}

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

Reply forbidden(std::string_view user, std::string_view action) {
  std::string who = user.empty() ? std::string("a request without a user") : "user \"" + std::string(user) + "\"";
  return error_reply(403, who + " may not " + std::string(action) + " (--web.authorization.file)");
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

// The push or delete handler, run only when one of the user's push selectors
// covers the grouping key; otherwise 403 and the store is not touched (no
// failure is recorded for the group). A key that does not parse goes to the
// handler, which answers 400 as it always does.
// `limits`: those the handler parses the key with (pushes), so that a key over
// a limit goes on to the handler's 400 at the same bounded cost; none for
// deletes, which the handler does not limit (a key it accepts must be checked).
Handler guarded_change(const AuthorizationFile* authorization, std::string_view metrics_base,
                       std::optional<pushgw::PushLimits> limits, Logger* logger, Handler handler) {
  if (authorization == nullptr) return handler;
  return [authorization, metrics_base = std::string(metrics_base), limits, logger,
          handler = std::move(handler)](const Request& request) {
    const std::string_view path = path_of(request.target).substr(metrics_base.size());
    auto key = limits ? pushgw::parse_grouping_key(path, *limits) : pushgw::parse_grouping_key(path);
    if (!key || authorization->current()->may_change(request.user, key->labels)) return handler(request);
    const std::string group = key_text(key->labels);
    if (logger != nullptr) {
      logger->log(LogLevel::info, FLOWGATE_CALLER, "change refused by --web.authorization.file",
                  {{"user", request.user}, {"method", request.method}, {"grouping_key", group},
                   {"source", request.remote_address}});
    }
    return forbidden(request.user, (request.method == "DELETE" ? "delete grouping key " : "push to grouping key ") + group);
  };
}

}  // namespace

Router build_routes(const RouteContext& context) {
  const std::string& p = context.flags.route_prefix;
  Router router;
  const std::string api = p + "/api/v1/";
  auto add = [&router, &api](std::string method, std::string pattern, Route::Shape shape, std::string name,
                             Handler handler) {
    // The API lives behind Go's case-sensitive ServeMux prefix, so only the
    // main routes get httprouter's case-insensitive redirect.
    bool fix_case = !pattern.starts_with(api);
    router.add(Route{std::move(method), std::move(pattern), shape, std::move(name), std::move(handler), fix_case});
  };
  using Shape = Route::Shape;

  // Scrape (HEAD too: an improvement over the Pushgateway, which answers 405).
  const AuthorizationFile* authorization = context.authorization;
  Handler scrape = guarded(authorization, Permission::scrape,
                           [&scrape = context.scrape](const Request& request) { return scrape.handle(request); });
  add("GET", p + context.flags.telemetry_path, Shape::exact, "metrics", scrape);
  add("HEAD", p + context.flags.telemetry_path, Shape::exact, "metrics", scrape);

  // Pushes: one grouping-key parser behind PUT, POST and DELETE.
  const std::string metrics_base = p + "/metrics/";
  pushgw::PushLimits limits;
  limits.max_body_bytes = context.flags.max_body_bytes;
  limits.max_labels_per_series = context.flags.max_labels_per_series;
  limits.max_grouping_labels = context.flags.max_grouping_labels;
  limits.max_label_name_bytes = context.flags.max_label_name_bytes;
  limits.max_label_value_bytes = context.flags.max_label_value_bytes;
  limits.max_series_per_push = context.flags.max_series_per_push;
  auto grouping_path = [metrics_base](const Request& request) {
    return path_of(request.target).substr(metrics_base.size());
  };
  auto to_pushgw = [grouping_path](const Request& request) {
    pushgw::HttpRequest out;
    out.method = request.method;
    out.path = grouping_path(request);
    out.content_type = request.content_type;
    out.content_encoding = request.content_encoding;
    out.body = request.body;
    out.received_at = request.received_at;
    return out;
  };
  Handler push = [&store = context.store, &self = context.self_metrics, logger = context.logger, limits,
                  to_pushgw](const Request& request) {
    self.record_push_size(request.method, request.body.size());
    auto reply = pushgw::handle_push(to_pushgw(request), store, limits);
    if (reply.refused) {
      auto reason = pushgw::name(*reply.refused);
      self.record_push_rejection(reason);
      // As the Pushgateway: unparsable input at debug, refused content at error.
      bool client_garbage = reason == "bad_body" || reason == "bad_grouping_key" || reason == "body_too_large";
      if (logger != nullptr) {
        logger->log(client_garbage ? LogLevel::debug : LogLevel::error, FLOWGATE_CALLER, "push refused",
                    {{"reason", reason}, {"method", request.method}, {"source", request.remote_address},
                     {"err", std::string_view(reply.body).substr(0, reply.body.find_last_not_of('\n') + 1)}});
      }
    }
    return from_pushgw(std::move(reply));
  };
  Handler remove = [&store = context.store, to_pushgw](const Request& request) {
    return from_pushgw(pushgw::handle_delete(to_pushgw(request), store));
  };
  push = guarded_change(authorization, metrics_base, limits, context.logger, std::move(push));
  remove = guarded_change(authorization, metrics_base, std::nullopt, context.logger, std::move(remove));
  for (const char* job : {"job/", "job@base64/"}) {
    add("PUT", metrics_base + job, Shape::param_rest, "push", push);
    add("POST", metrics_base + job, Shape::param_rest, "push", push);
    add("DELETE", metrics_base + job, Shape::param_rest, "delete", remove);
  }

  // Health and lifecycle.
  add("GET", p + "/-/healthy", Shape::exact, "healthy", [](const Request&) { return plain_text(200, "OK"); });
  add("GET", p + "/-/ready", Shape::exact, "ready", [](const Request&) { return plain_text(200, "OK"); });
  Handler quit = guarded(authorization, Permission::lifecycle,
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

  // Web UI.
  Handler ui = guarded(authorization, Permission::scrape, [&store = context.store, status = context.status](const Request&) {
    return status_page(*store.snapshot(), status);
  });
  add("GET", p + "/", Shape::exact, "status", ui);
  add("GET", p + "/status", Shape::exact, "status", ui);

  // JSON API, with CORS headers on every answer and OPTIONS on any API path.
  add("GET", api + "status", Shape::exact, "api/v1/status",
      guarded(authorization, Permission::scrape, [status = context.status](const Request&) {
        auto reply = api_status(status);
        add_cors(reply);
        return reply;
      }));
  add("GET", api + "metrics", Shape::exact, "api/v1/metrics",
      guarded(authorization, Permission::scrape, [&store = context.store](const Request&) {
        auto reply = from_pushgw(pushgw::handle_api_metrics(*store.snapshot()));
        add_cors(reply);
        return reply;
      }));
  if (context.flags.enable_admin_api) {
    add("PUT", api + "admin/wipe", Shape::exact, "wipe",
        guarded(authorization, Permission::admin,
                [&store = context.store](const Request&) { return from_pushgw(pushgw::handle_wipe(store)); }));
  }
  add("OPTIONS", api, Shape::any_rest, "api/v1/options", [](const Request&) {
    Reply reply;
    add_cors(reply);
    return reply;
  });
  return router;
}

}  // namespace flowgate::exporter
