#include "exporter/flags.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <functional>
#include <thread>

namespace flowgate::exporter {
namespace {

// node_exporter's defaults, so a host dashboard sees the same filesystems.
constexpr std::string_view kDefaultMountPointsExclude =
    "^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)";
constexpr std::string_view kDefaultDeviceExclude = "^lo$";

enum class Kind { text, boolean, duration, bytes, count };

struct FlagSpec {
  std::string_view name;
  std::string_view group;
  Kind kind;
  std::string_view default_text;
  std::string_view help;
  // Applies a value (already validated for its kind); false means "invalid".
  std::function<bool(Flags&, std::string_view)> apply;
  bool repeatable = false;
};

bool set_bool(bool& target, std::string_view value) {
  if (value == "true") {
    target = true;
  } else if (value == "false") {
    target = false;
  } else {
    return false;
  }
  return true;
}

using Apply = std::function<bool(Flags&, std::string_view)>;

Apply text_into(std::string Flags::*member) {
  return [member](Flags& flags, std::string_view value) {
    flags.*member = value;
    return true;
  };
}

Apply bool_into(bool Flags::*member) {
  return [member](Flags& flags, std::string_view value) { return set_bool(flags.*member, value); };
}

Apply duration_into(std::chrono::milliseconds Flags::*member) {
  return [member](Flags& flags, std::string_view value) { return parse_duration(value, flags.*member); };
}

Apply positive_duration_into(std::chrono::milliseconds Flags::*member) {
  return [member](Flags& flags, std::string_view value) {
    return parse_duration(value, flags.*member) && (flags.*member).count() > 0;
  };
}

bool parse_count(std::string_view text, std::size_t& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

const std::vector<FlagSpec>& flag_specs() {
  static const std::vector<FlagSpec> specs = {
      {"web.listen-address", "Web server", Kind::text, ":9091",
       "Address to listen on for the web interface, API and telemetry (\":9091\" is every interface, "
       "\"127.0.0.1:0\" picks a free port).",
       [](Flags& f, std::string_view v) {
         f.listen_addresses.emplace_back(v);
         return true;
       },
       true},
      {"web.telemetry-path", "Web server", Kind::text, "/metrics", "Path under which to expose metrics.",
       [](Flags& f, std::string_view v) {
         f.telemetry_path = v;
         return !v.empty() && v.front() == '/';
       }},
      {"web.external-url", "Web server", Kind::text, "",
       "The URL under which flowgate is externally reachable (e.g. behind a reverse proxy); its path is "
       "the default route prefix.",
       text_into(&Flags::external_url)},
      {"web.route-prefix", "Web server", Kind::text, "",
       "Prefix for the internal routes of web endpoints. Defaults to the path of --web.external-url.",
       text_into(&Flags::route_prefix)},
      {"web.enable-lifecycle", "Web server", Kind::boolean, "false",
       "Enable shutdown via HTTP request (PUT/POST /-/quit).",
       bool_into(&Flags::enable_lifecycle)},
      {"web.enable-admin-api", "Web server", Kind::boolean, "false",
       "Enable API endpoints for admin control actions (PUT /api/v1/admin/wipe).",
       bool_into(&Flags::enable_admin_api)},
      {"web.config.file", "Web server", Kind::text, "",
       "Path to a web configuration file (exporter-toolkit format) that enables TLS and basic "
       "authentication. Read at start-up and again on SIGHUP.",
       text_into(&Flags::web_config_file)},
      {"web.config.refuse-auth-removal", "Web server", Kind::boolean, "false",
       "Refuse a SIGHUP reload whose web config has no basic_auth_users while the one in force has: keep the "
       "old config and log an error (without this flag such a reload is taken, with a warning).",
       bool_into(&Flags::web_config_refuse_auth_removal)},
      {"web.authorization.file", "Web server", Kind::text, "",
       "Path to a YAML file saying which basic-auth users may push or delete which grouping keys, scrape, and "
       "use the admin and lifecycle APIs (docs/authorization.md). Read at start-up and again on SIGHUP.",
       text_into(&Flags::web_authorization_file)},
      {"web.max-connections", "Web server", Kind::count, "512",
       "Maximum number of simultaneous connections; further connections are closed at once (0: no limit).",
       [](Flags& f, std::string_view v) { return parse_count(v, f.max_connections); }},
      {"web.max-connections-per-ip", "Web server", Kind::count, "64",
       "Maximum number of simultaneous connections from one client address (0: no limit). At this cap (and at "
       "--web.max-connections) the connection that has waited longest for its request header is closed to make "
       "room; when none is waiting, the new connection is closed.",
       [](Flags& f, std::string_view v) { return parse_count(v, f.max_connections_per_ip); }},
      {"web.max-inflight-body-bytes", "Web server", Kind::bytes, "256MiB",
       "Most bytes of request bodies held in memory by all connections together (0: no limit); a request whose "
       "body would exceed it gets 503.",
       [](Flags& f, std::string_view v) { return parse_byte_size(v, f.max_inflight_body_bytes); }},
      {"web.read-header-timeout", "Web server", Kind::duration, "30s",
       "Time a client has to send a request's whole header: from the connection for the first request, from "
       "its first byte for later ones.",
       duration_into(&Flags::read_header_timeout)},
      {"web.idle-timeout", "Web server", Kind::duration, "2m",
       "Time a keep-alive connection may wait for its next request, and the limit on reading one body.",
       duration_into(&Flags::idle_timeout)},
      {"web.threads", "Web server", Kind::count, "0",
       "Threads serving HTTP (0: one per hardware thread).",
       [](Flags& f, std::string_view v) {
         std::size_t n = 0;
         if (!parse_count(v, n) || n > 1024) return false;
         f.threads = static_cast<unsigned>(n);
         return true;
       }},
      {"persistence.file", "Persistence", Kind::text, "data/flowgate.db",
       "File to persist the pushed metrics to (a relative path is relative to the working directory). "
       "Empty (--persistence.file=) keeps metrics in memory only, as the Pushgateway's default does.",
       text_into(&Flags::persistence_file)},
      {"persistence.interval", "Persistence", Kind::duration, "5m",
       "How often the write-ahead log is compacted into the persistence file (a snapshot of every group).",
       duration_into(&Flags::persistence_interval)},
      {"persistence.sync", "Persistence", Kind::text, "always",
       "When the write-ahead log is flushed to disk. One of: [always, interval]. always: before a push is answered "
       "(concurrent pushes share one fsync), so an answered push survives a crash; interval: every "
       "--persistence.sync-interval, so a crash may lose the pushes of the last interval.",
       [](Flags& f, std::string_view v) {
         if (v == "always") f.persistence_sync = SyncPolicy::always;
         else if (v == "interval") f.persistence_sync = SyncPolicy::interval;
         else return false;
         return true;
       }},
      {"persistence.sync-interval", "Persistence", Kind::duration, "1s",
       "With --persistence.sync=interval, the time between two flushes of the write-ahead log.",
       [](Flags& f, std::string_view v) {
         return parse_duration(v, f.persistence_sync_interval) && f.persistence_sync_interval.count() > 0;
       }},
      {"push.disable-consistency-check", "Push", Kind::boolean, "false",
       "Do not check the consistency of pushed metrics. DANGEROUS.",
       bool_into(&Flags::disable_consistency_check)},
      {"push.group-ttl", "Push", Kind::duration, "0s",
       "Delete groups whose last successful push is older than this (0s: never, as the Pushgateway). "
       "Expiry is logged, counted in flowgate_store_groups_expired_total and persisted like a DELETE.",
       duration_into(&Flags::group_ttl)},
      {"push.max-body-bytes", "Push", Kind::bytes, "64MiB",
       "Largest request body accepted, before and after gzip inflation; larger pushes get 413.",
       [](Flags& f, std::string_view v) { return parse_byte_size(v, f.max_body_bytes) && f.max_body_bytes > 0; }},
      {"push.max-labels-per-series", "Push", Kind::count, "64",
       "Most labels one pushed series may carry in the body (grouping labels not counted); more: 400 (0: no limit).",
       [](Flags& f, std::string_view v) { return parse_count(v, f.max_labels_per_series); }},
      {"push.max-grouping-labels", "Push", Kind::count, "32",
       "Most labels in a push URL's grouping key, job included; more: 400 (0: no limit).",
       [](Flags& f, std::string_view v) { return parse_count(v, f.max_grouping_labels); }},
      {"push.max-label-name-bytes", "Push", Kind::bytes, "256B",
       "Longest label name, in the body or the URL; longer: 400 (0: no limit).",
       [](Flags& f, std::string_view v) { return parse_byte_size(v, f.max_label_name_bytes); }},
      {"push.max-label-value-bytes", "Push", Kind::bytes, "8KiB",
       "Longest label value (body or URL) or metric name; longer: 400 (0: no limit).",
       [](Flags& f, std::string_view v) { return parse_byte_size(v, f.max_label_value_bytes); }},
      {"push.max-series-per-push", "Push", Kind::count, "100000",
       "Most series in one push (a histogram or summary is one); more: 413 (0: no limit).",
       [](Flags& f, std::string_view v) { return parse_count(v, f.max_series_per_push); }},
      {"push.max-series-per-group", "Push", Kind::count, "100000",
       "Most series one group may hold after a push (push-time gauges included); more: 413 (0: no limit).",
       [](Flags& f, std::string_view v) { return parse_count(v, f.max_series_per_group); }},
      {"push.max-groups", "Push", Kind::count, "100000",
       "Most groups stored; a push that would create one more gets 429 (0: no limit).",
       [](Flags& f, std::string_view v) { return parse_count(v, f.max_groups); }},
      {"push.max-store-bytes", "Push", Kind::bytes, "4GiB",
       "Most bytes of rendered samples stored (flowgate_store_bytes); a push that would grow the store past it "
       "gets 429 (0: no limit).",
       [](Flags& f, std::string_view v) { return parse_byte_size(v, f.max_store_bytes); }},
      {"collector.host", "Collectors", Kind::boolean, "true",
       "Expose host metrics (node_exporter names: CPU, memory, filesystems, disks, network).",
       bool_into(&Flags::collector_host)},
      {"collector.process", "Collectors", Kind::boolean, "true",
       "Expose flowgate's own process metrics (process_*).",
       bool_into(&Flags::collector_process)},
      {"collector.filesystem.mount-points-exclude", "Collectors", Kind::text, kDefaultMountPointsExclude,
       "Regular expression of mount points the host collector ignores.",
       text_into(&Flags::filesystem_mount_points_exclude)},
      {"collector.netdev.device-exclude", "Collectors", Kind::text, kDefaultDeviceExclude,
       "Regular expression of network devices the host collector ignores.",
       text_into(&Flags::netdev_device_exclude)},
      {"prefect.api-url", "Prefect", Kind::text, "$PREFECT_API_URL",
       "Prefect API URL to poll (http://prefect:4200/api, or Prefect Cloud's "
       "https://api.prefect.cloud/api/accounts/<id>/workspaces/<id>); empty: no Prefect collector.",
       text_into(&Flags::prefect_api_url)},
      {"prefect.api-key-file", "Prefect", Kind::text, "",
       "File holding the Prefect API key (sent as a bearer token); when not given, $PREFECT_API_KEY.",
       text_into(&Flags::prefect_api_key_file)},
      {"prefect.auth-string-file", "Prefect", Kind::text, "",
       "File holding the basic-auth string user:password of a self-hosted server; when not given, "
       "$PREFECT_API_AUTH_STRING. Wins over the API key, as in Prefect's own client.",
       text_into(&Flags::prefect_auth_string_file)},
      {"prefect.poll-interval", "Prefect", Kind::duration, "30s",
       "Time between two polls of flow runs, task runs and workers.",
       positive_duration_into(&Flags::prefect_poll_interval)},
      {"prefect.inventory-interval", "Prefect", Kind::duration, "5m",
       "Time between two reads of flows, deployments, work pools and queues (also re-read when a run names "
       "an unknown one).",
       positive_duration_into(&Flags::prefect_inventory_interval)},
      {"prefect.poll-timeout", "Prefect", Kind::duration, "1m",
       "Deadline of one whole poll, retries included; a poll past it fails "
       "and the last values stay published.",
       positive_duration_into(&Flags::prefect_poll_timeout)},
      {"prefect.request-timeout", "Prefect", Kind::duration, "10s",
       "Timeout of one request to the Prefect API.",
       positive_duration_into(&Flags::prefect_request_timeout)},
      {"prefect.stuck-running-after", "Prefect", Kind::duration, "1h",
       "A flow run in RUNNING longer than this counts in prefect_flow_runs_stuck_running.",
       positive_duration_into(&Flags::prefect_stuck_running_after)},
      {"prefect.finished-overlap", "Prefect", Kind::duration, "2m",
       "How far before the last finished run each poll reads again, for runs Prefect records late.",
       duration_into(&Flags::prefect_finished_overlap)},
      {"prefect.failure-info-limit", "Prefect", Kind::count, "10",
       "How many of the latest failed runs prefect_flow_run_last_failure_info keeps.",
       [](Flags& f, std::string_view v) { return parse_count(v, f.prefect_failure_info_limit); }},
      {"prefect.flows-include", "Prefect", Kind::text, "",
       "Regular expression: only flows whose name matches are reported (empty: all).",
       text_into(&Flags::prefect_flows_include)},
      {"prefect.flows-exclude", "Prefect", Kind::text, "",
       "Regular expression of flow names not reported.", text_into(&Flags::prefect_flows_exclude)},
      {"prefect.deployments-include", "Prefect", Kind::text, "",
       "Regular expression: only deployments whose name matches are reported (ad-hoc runs have the name \"\").",
       text_into(&Flags::prefect_deployments_include)},
      {"prefect.deployments-exclude", "Prefect", Kind::text, "",
       "Regular expression of deployment names not reported.", text_into(&Flags::prefect_deployments_exclude)},
      {"prefect.tls-insecure-skip-verify", "Prefect", Kind::boolean, "false",
       "Do not verify the Prefect API's TLS certificate (the system CAs are used otherwise).",
       bool_into(&Flags::prefect_tls_insecure_skip_verify)},
      {"prefect.state-file", "Prefect", Kind::text, "<dir of --persistence.file>/prefect-state.json",
       "File that keeps the Prefect counters across restarts (empty when --persistence.file is). Empty: "
       "none, and only prefect_flow_runs_finished_total continues after a restart (from Prefect's totals).",
       text_into(&Flags::prefect_state_file)},
      {"log.level", "Logging", Kind::text, "info", "Only log messages with the given severity or above. One of: "
       "[debug, info, warn, error]",
       [](Flags& f, std::string_view v) { return parse_log_level(v, f.log_level); }},
      {"log.format", "Logging", Kind::text, "logfmt", "Output format of log messages. One of: [logfmt, json]",
       [](Flags& f, std::string_view v) { return parse_log_format(v, f.log_format); }},
      {"help", "Informational", Kind::boolean, "", "Show this help and exit.",
       bool_into(&Flags::help)},
      {"version", "Informational", Kind::boolean, "", "Show the version and exit.",
       bool_into(&Flags::version)},
  };
  return specs;
}

const FlagSpec* find_spec(std::string_view name) {
  for (const auto& spec : flag_specs()) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

// "/pg/" -> "/pg", "pg" -> "/pg", "/" -> "".
std::string normalize_prefix(std::string_view prefix) {
  std::string out;
  if (prefix.empty()) return out;
  if (prefix.front() != '/') out += '/';
  out += prefix;
  while (!out.empty() && out.back() == '/') out.pop_back();
  return out;
}

std::string path_of_url(std::string_view url) {
  auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  auto slash = url.find('/', scheme + 3);
  if (slash == std::string_view::npos) return {};
  auto path = url.substr(slash);
  auto end = path.find_first_of("?#");
  return std::string(path.substr(0, end));
}

}  // namespace

bool parse_duration(std::string_view text, std::chrono::milliseconds& out) {
  if (text.empty()) return false;
  std::int64_t total = 0;
  while (!text.empty()) {
    std::int64_t number = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec != std::errc{} || number < 0) return false;
    text.remove_prefix(static_cast<std::size_t>(end - text.data()));
    std::int64_t unit_ms = 0;
    for (auto [suffix, ms] : {std::pair<std::string_view, std::int64_t>{"ms", 1}, {"s", 1000}, {"m", 60'000},
                              {"h", 3'600'000}, {"d", 86'400'000}, {"w", 604'800'000}, {"y", 31'536'000'000}}) {
      if (text.starts_with(suffix)) {
        unit_ms = ms;
        text.remove_prefix(suffix.size());
        break;
      }
    }
    if (unit_ms == 0) return false;
    total += number * unit_ms;
  }
  out = std::chrono::milliseconds(total);
  return true;
}

bool parse_byte_size(std::string_view text, std::size_t& out) {
  std::size_t number = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc{} || end == text.data()) return false;
  std::string_view unit = text.substr(static_cast<std::size_t>(end - text.data()));
  unsigned shift = 0;
  if (unit.empty() || unit == "B") {
    shift = 0;
  } else if (unit == "KB" || unit == "KiB") {
    shift = 10;
  } else if (unit == "MB" || unit == "MiB") {
    shift = 20;
  } else if (unit == "GB" || unit == "GiB") {
    shift = 30;
  } else {
    return false;
  }
  if (number > (SIZE_MAX >> shift)) return false;
  out = number << shift;
  return true;
}

boost::system::result<Flags, FlagError> parse_flags(std::span<const std::string_view> args,
                                                    std::string_view environment_prefect_api_url) {
  Flags flags;
  flags.filesystem_mount_points_exclude = kDefaultMountPointsExclude;
  flags.netdev_device_exclude = kDefaultDeviceExclude;
  flags.prefect_api_url = environment_prefect_api_url;
  bool listen_default = true;
  bool route_prefix_given = false;
  bool prefect_state_file_given = false;

  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "-h") arg = "--help";
    if (!arg.starts_with("--") || arg.size() == 2) {
      return FlagError("unexpected " + std::string(arg));
    }
    std::string_view body = arg.substr(2);
    std::string_view name = body;
    std::optional<std::string_view> value;
    if (auto eq = body.find('='); eq != std::string_view::npos) {
      name = body.substr(0, eq);
      value = body.substr(eq + 1);
    }
    const FlagSpec* spec = find_spec(name);
    bool negated = false;
    if (spec == nullptr && name.starts_with("no-")) {
      spec = find_spec(name.substr(3));
      negated = spec != nullptr && spec->kind == Kind::boolean;
      if (!negated) spec = nullptr;
    }
    if (spec == nullptr) return FlagError("unknown long flag '--" + std::string(name) + "'");

    std::string_view text;
    if (spec->kind == Kind::boolean) {
      if (negated && value) return FlagError("unexpected value for flag '--" + std::string(name) + "'");
      text = negated ? "false" : value.value_or("true");
    } else if (value) {
      text = *value;
    } else if (i + 1 < args.size()) {
      text = args[++i];
    } else {
      return FlagError("expected argument for flag '--" + std::string(name) + "'");
    }

    if (spec->name == "web.listen-address" && listen_default) {
      flags.listen_addresses.clear();
      listen_default = false;
    }
    if (spec->name == "web.route-prefix") route_prefix_given = true;
    if (spec->name == "prefect.state-file") prefect_state_file_given = true;
    if (!spec->apply(flags, text)) {
      return FlagError("invalid value '" + std::string(text) + "' for flag '--" + std::string(spec->name) + "'");
    }
  }

  flags.route_prefix = normalize_prefix(route_prefix_given ? flags.route_prefix : path_of_url(flags.external_url));
  if (flags.threads == 0) flags.threads = std::max(1u, std::thread::hardware_concurrency());
  if (!prefect_state_file_given && !flags.persistence_file.empty()) {
    flags.prefect_state_file = (std::filesystem::path(flags.persistence_file).parent_path() / "prefect-state.json").string();
  }

  // Go's time.Duration.String(), which the Pushgateway's /api/v1/status
  // shows: "5m0s", "30s", "1h30m0s", "250ms", "1.5s", "0s".
  auto duration_text = [](std::chrono::milliseconds d) {
    const auto ms = d.count();
    if (ms == 0) return std::string("0s");
    if (ms < 1000) return std::to_string(ms) + "ms";
    std::string text;
    const auto hours = ms / 3'600'000;
    const auto minutes = ms / 60'000 % 60;
    if (hours > 0) text += std::to_string(hours) + "h";
    if (hours > 0 || minutes > 0) text += std::to_string(minutes) + "m";
    text += std::to_string(ms / 1000 % 60);
    if (auto fraction = ms % 1000; fraction != 0) {
      std::string digits = std::to_string(1000 + fraction).substr(1);
      digits.erase(digits.find_last_not_of('0') + 1);
      text += "." + digits;
    }
    return text + "s";
  };
  std::string listen;
  for (const auto& address : flags.listen_addresses) listen += (listen.empty() ? "" : ",") + address;
  flags.values = {
      {"web.listen-address", listen},
      {"web.telemetry-path", flags.telemetry_path},
      {"web.external-url", flags.external_url},
      {"web.route-prefix", flags.route_prefix},
      {"web.enable-lifecycle", flags.enable_lifecycle ? "true" : "false"},
      {"web.enable-admin-api", flags.enable_admin_api ? "true" : "false"},
      {"web.config.file", flags.web_config_file},
      {"web.config.refuse-auth-removal", flags.web_config_refuse_auth_removal ? "true" : "false"},
      {"web.authorization.file", flags.web_authorization_file},
      {"web.max-connections", std::to_string(flags.max_connections)},
      {"web.max-connections-per-ip", std::to_string(flags.max_connections_per_ip)},
      {"web.max-inflight-body-bytes", std::to_string(flags.max_inflight_body_bytes)},
      {"web.read-header-timeout", duration_text(flags.read_header_timeout)},
      {"web.idle-timeout", duration_text(flags.idle_timeout)},
      {"web.threads", std::to_string(flags.threads)},
      {"persistence.file", flags.persistence_file},
      {"persistence.interval", duration_text(flags.persistence_interval)},
      {"persistence.sync", flags.persistence_sync == SyncPolicy::always ? "always" : "interval"},
      {"persistence.sync-interval", duration_text(flags.persistence_sync_interval)},
      {"push.group-ttl", duration_text(flags.group_ttl)},
      {"push.disable-consistency-check", flags.disable_consistency_check ? "true" : "false"},
      {"push.max-body-bytes", std::to_string(flags.max_body_bytes)},
      {"push.max-labels-per-series", std::to_string(flags.max_labels_per_series)},
      {"push.max-grouping-labels", std::to_string(flags.max_grouping_labels)},
      {"push.max-label-name-bytes", std::to_string(flags.max_label_name_bytes)},
      {"push.max-label-value-bytes", std::to_string(flags.max_label_value_bytes)},
      {"push.max-series-per-push", std::to_string(flags.max_series_per_push)},
      {"push.max-series-per-group", std::to_string(flags.max_series_per_group)},
      {"push.max-groups", std::to_string(flags.max_groups)},
      {"push.max-store-bytes", std::to_string(flags.max_store_bytes)},
      {"collector.host", flags.collector_host ? "true" : "false"},
      {"collector.process", flags.collector_process ? "true" : "false"},
      {"collector.filesystem.mount-points-exclude", flags.filesystem_mount_points_exclude},
      {"collector.netdev.device-exclude", flags.netdev_device_exclude},
      {"prefect.api-url", flags.prefect_api_url},
      {"prefect.api-key-file", flags.prefect_api_key_file},
      {"prefect.auth-string-file", flags.prefect_auth_string_file},
      {"prefect.poll-interval", duration_text(flags.prefect_poll_interval)},
      {"prefect.inventory-interval", duration_text(flags.prefect_inventory_interval)},
      {"prefect.poll-timeout", duration_text(flags.prefect_poll_timeout)},
      {"prefect.request-timeout", duration_text(flags.prefect_request_timeout)},
      {"prefect.stuck-running-after", duration_text(flags.prefect_stuck_running_after)},
      {"prefect.finished-overlap", duration_text(flags.prefect_finished_overlap)},
      {"prefect.failure-info-limit", std::to_string(flags.prefect_failure_info_limit)},
      {"prefect.flows-include", flags.prefect_flows_include},
      {"prefect.flows-exclude", flags.prefect_flows_exclude},
      {"prefect.deployments-include", flags.prefect_deployments_include},
      {"prefect.deployments-exclude", flags.prefect_deployments_exclude},
      {"prefect.tls-insecure-skip-verify", flags.prefect_tls_insecure_skip_verify ? "true" : "false"},
      {"prefect.state-file", flags.prefect_state_file},
      {"log.level", std::string(level_name(flags.log_level))},
      {"log.format", flags.log_format == LogFormat::json ? "json" : "logfmt"},
  };
  return flags;
}

std::string help_text() {
  std::string out =
      "usage: flowgate [<flags>]\n\n"
      "A Pushgateway-compatible metrics cache and exporter for Prefect workflows.\n";
  std::string_view group;
  for (const auto& spec : flag_specs()) {
    if (spec.group != group) {
      group = spec.group;
      out += "\n";
      out += group;
      out += ":\n";
    }
    std::string left = "  --";
    if (spec.kind == Kind::boolean && !spec.default_text.empty()) left += "[no-]";
    left += spec.name;
    if (spec.kind != Kind::boolean) {
      left += "=";
      switch (spec.kind) {
        case Kind::duration: left += "DURATION"; break;
        case Kind::bytes: left += "BYTES"; break;
        case Kind::count: left += "N"; break;
        default: left += "VALUE"; break;
      }
    }
    out += left;
    out += "\n      ";
    out += spec.help;
    if (spec.repeatable) out += " Repeatable.";
    if (!spec.default_text.empty() || spec.kind == Kind::text) {
      out += " (default: ";
      out += spec.default_text.empty() ? "\"\"" : std::string(spec.default_text);
      out += ")";
    }
    out += "\n";
  }
  return out;
}

}  // namespace flowgate::exporter
