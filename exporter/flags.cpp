#include "exporter/flags.hpp"

#include "exporter/flag_table.hpp"

#include <algorithm>
#include <iterator>
#include <charconv>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <thread>

namespace flowgate::exporter {
namespace {

// node_exporter's defaults, so a host dashboard sees the same filesystems.
constexpr std::string_view kDefaultMountPointsExclude =
    "^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)";
constexpr std::string_view kDefaultDeviceExclude = "^lo$";
constexpr std::string_view kDefaultFsTypesExclude =
    "^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|"
    "iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|"
    "sysfs|tracefs)$";
constexpr std::string_view kDefaultDiskstatsDeviceExclude = "^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\\d+n\\d+p)\\d+$";

bool parse_bool(std::string_view text, bool& out) {
  if (text == "true") {
    out = true;
  } else if (text == "false") {
    out = false;
  } else {
    return false;
  }
  return true;
}

const char* bool_text(bool value) { return value ? "true" : "false"; }

// Bindings of the common kinds: the value goes into one member of Flags.

Binding text(std::string Flags::*member) {
  return {Kind::text,
          [member](Flags& f, std::string_view v) {
            f.*member = v;
            return true;
          },
          [member](const Flags& f) { return f.*member; }};
}

Binding boolean(bool Flags::*member) {
  return {Kind::boolean, [member](Flags& f, std::string_view v) { return parse_bool(v, f.*member); },
          [member](const Flags& f) { return std::string(bool_text(f.*member)); }, "true or false"};
}

// --help and --version: booleans that are not settings.
Binding informational(bool Flags::*member) {
  return {Kind::boolean, [member](Flags& f, std::string_view v) { return parse_bool(v, f.*member); }, nullptr, "true or false"};
}

Binding duration(std::chrono::milliseconds Flags::*member) {
  return {Kind::duration, [member](Flags& f, std::string_view v) { return parse_duration(v, f.*member); },
          [member](const Flags& f) { return go_duration_text(f.*member); }, "a duration such as 0, 30s, 5m, 1h30m or 7d (units ms, s, m, h, d, w, y)"};
}

Binding positive_duration(std::chrono::milliseconds Flags::*member) {
  return {Kind::duration,
          [member](Flags& f, std::string_view v) { return parse_duration(v, f.*member) && (f.*member).count() > 0; },
          [member](const Flags& f) { return go_duration_text(f.*member); }, "a positive duration such as 30s, 5m, 1h30m or 7d (units ms, s, m, h, d, w, y)"};
}

Binding count(std::size_t Flags::*member) {
  return {Kind::count, [member](Flags& f, std::string_view v) { return parse_count(v, f.*member); },
          [member](const Flags& f) { return std::to_string(f.*member); }, "a whole number"};
}

Binding bytes(std::size_t Flags::*member) {
  return {Kind::bytes, [member](Flags& f, std::string_view v) { return parse_byte_size(v, f.*member); },
          [member](const Flags& f) { return std::to_string(f.*member); }, "a size such as 1048576, 512KiB, 64MiB or 1GiB"};
}

Binding positive_bytes(std::size_t Flags::*member) {
  return {Kind::bytes, [member](Flags& f, std::string_view v) { return parse_byte_size(v, f.*member) && f.*member > 0; },
          [member](const Flags& f) { return std::to_string(f.*member); }, "a positive size such as 1048576, 512KiB, 64MiB or 1GiB"};
}

// Bindings of the flags with their own rules.

// Repeatable; parse_flags drops the default when the flag is given.
Binding listen_addresses() {
  return {Kind::text,
          [](Flags& f, std::string_view v) {
            f.listen_addresses.emplace_back(v);
            return true;
          },
          [](const Flags& f) {
            std::string joined;
            for (const auto& address : f.listen_addresses) joined += (joined.empty() ? "" : ",") + address;
            return joined;
          }};
}

Binding telemetry_path() {
  return {Kind::text,
          [](Flags& f, std::string_view v) {
            f.telemetry_path = v;
            return !v.empty() && v.front() == '/';
          },
          [](const Flags& f) { return f.telemetry_path; }, "a path starting with /"};
}

Binding threads() {
  return {Kind::count,
          [](Flags& f, std::string_view v) {
            std::size_t n = 0;
            if (!parse_count(v, n) || n > 1024) return false;
            f.threads = static_cast<unsigned>(n);
            return true;
          },
          [](const Flags& f) { return std::to_string(f.threads); }, "a whole number from 0 (one per CPU) to 1024"};
}

Binding sync_policy() {
  return {Kind::text,
          [](Flags& f, std::string_view v) {
            if (v == "always") f.persistence_sync = SyncPolicy::always;
            else if (v == "interval") f.persistence_sync = SyncPolicy::interval;
            else return false;
            return true;
          },
          [](const Flags& f) { return std::string(f.persistence_sync == SyncPolicy::always ? "always" : "interval"); }, "always or interval"};
}

Binding log_level() {
  return {Kind::text, [](Flags& f, std::string_view v) { return parse_log_level(v, f.log_level); },
          [](const Flags& f) { return std::string(level_name(f.log_level)); }, "one of debug, info, warn, error"};
}

Binding log_format() {
  return {Kind::text, [](Flags& f, std::string_view v) { return parse_log_format(v, f.log_format); },
          [](const Flags& f) { return std::string(f.log_format == LogFormat::json ? "json" : "logfmt"); }, "logfmt or json"};
}

// The flag tables, one function per --help heading, in --help order.

std::vector<FlagSpec> web_server_flags() {
  return {
      {"web.listen-address", ":9091",
       "Address to listen on for the web interface, API and telemetry (\":9091\" is every interface, "
       "\"127.0.0.1:0\" picks a free port).",
       listen_addresses(), true},
      {"web.telemetry-path", "/metrics", "Path under which to expose metrics.", telemetry_path()},
      {"web.external-url", "",
       "The URL under which flowgate is externally reachable (e.g. behind a reverse proxy); its path is "
       "the default route prefix.",
       text(&Flags::external_url)},
      {"web.route-prefix", "",
       "Prefix for the internal routes of web endpoints. Defaults to the path of --web.external-url.",
       text(&Flags::route_prefix)},
      {"web.grafana-url", "",
       "Base URL of a Grafana with flowgate's dashboards (grafana/dashboards); when set, each group on the web "
       "UI links to them, filtered to the group's job and instance.",
       text(&Flags::grafana_url)},
      {"web.enable-lifecycle", "false", "Enable shutdown via HTTP request (PUT/POST /-/quit).",
       boolean(&Flags::enable_lifecycle)},
      {"web.enable-admin-api", "false", "Enable API endpoints for admin control actions (PUT /api/v1/admin/wipe).",
       boolean(&Flags::enable_admin_api)},
      {"web.config.file", "",
       "Path to a web configuration file (exporter-toolkit format) that enables TLS and basic "
       "authentication. Read at start-up and again on SIGHUP.",
       text(&Flags::web_config_file)},
      {"web.config.refuse-auth-removal", "false",
       "Refuse a SIGHUP reload whose web config has no basic_auth_users while the one in force has: keep the "
       "old config and log an error (without this flag such a reload is taken, with a warning).",
       boolean(&Flags::web_config_refuse_auth_removal)},
      {"web.authorization.file", "",
       "Path to a YAML file saying which basic-auth users may push or delete which grouping keys, scrape, and "
       "use the admin and lifecycle APIs (docs/authorization.md). Read at start-up and again on SIGHUP.",
       text(&Flags::web_authorization_file)},
      {"web.max-connections", "512",
       "Maximum number of simultaneous connections; further connections are closed at once (0: no limit).",
       count(&Flags::max_connections)},
      {"web.max-connections-per-ip", "64",
       "Maximum number of simultaneous connections from one client address (0: no limit). At this cap (and at "
       "--web.max-connections) the connection that has waited longest for its request header is closed to make "
       "room; when none is waiting, the new connection is closed.",
       count(&Flags::max_connections_per_ip)},
      {"web.max-inflight-body-bytes", "256MiB",
       "Most bytes of request bodies held in memory by all connections together (0: no limit); a request whose "
       "body would exceed it gets 503.",
       bytes(&Flags::max_inflight_body_bytes)},
      {"web.read-header-timeout", "30s",
       "Time a client has to send a request's whole header: from the connection for the first request, from "
       "its first byte for later ones.",
       duration(&Flags::read_header_timeout)},
      {"web.idle-timeout", "2m",
       "Time a keep-alive connection may wait for its next request, and the limit on reading one body.",
       duration(&Flags::idle_timeout)},
      {"web.threads", "0", "Threads serving HTTP (0: one per hardware thread).", threads()},
  };
}

std::vector<FlagSpec> persistence_flags() {
  return {
      {"persistence.file", "data/flowgate.db",
       "File to persist the pushed metrics to (a relative path is relative to the working directory). "
       "Empty (--persistence.file=) keeps metrics in memory only, as the Pushgateway's default does.",
       text(&Flags::persistence_file)},
      {"persistence.interval", "5m",
       "How often the write-ahead log is compacted into the persistence file (a snapshot of every group).",
       duration(&Flags::persistence_interval)},
      {"persistence.sync", "always",
       "When the write-ahead log is flushed to disk. One of: [always, interval]. always: before a push is answered "
       "(concurrent pushes share one fsync), so an answered push survives a crash; interval: every "
       "--persistence.sync-interval, so a crash may lose the pushes of the last interval.",
       sync_policy()},
      {"persistence.sync-interval", "1s",
       "With --persistence.sync=interval, the time between two flushes of the write-ahead log.",
       positive_duration(&Flags::persistence_sync_interval)},
  };
}

std::vector<FlagSpec> push_flags() {
  return {
      {"push.disable-consistency-check", "false", "Do not check the consistency of pushed metrics. DANGEROUS.",
       boolean(&Flags::disable_consistency_check)},
      {"push.enable-utf8-names", "false",
       "Allow UTF-8 characters in metric and label names, as the Pushgateway 1.11 does: quoted names in text pushes "
       "({\"my.metric\",\"a.b\"=\"x\"}), any UTF-8 in protobuf pushes, and grouping label names in the URL as they are "
       "or in values escaping (U__a_2e_b). Scrapes write such names as the Accept header's escaping= asks "
       "(underscores when it does not say).",
       boolean(&Flags::enable_utf8_names)},
      {"push.group-ttl", "0s",
       "Delete groups whose last successful push is older than this (0s: never, as the Pushgateway). "
       "Expiry is logged, counted in flowgate_store_groups_expired_total and persisted like a DELETE.",
       duration(&Flags::group_ttl)},
      {"push.max-group-ttl", "7d",
       "Longest time to live a push may declare for its group (X-Flowgate-Group-TTL header or __group_ttl grouping "
       "label), overriding --push.group-ttl for that group; a longer one gets 400 (0s: pushes may not declare one).",
       duration(&Flags::max_group_ttl)},
      {"push.disable-freshness-metrics", "false",
       "Do not expose flowgate_group_up and flowgate_group_last_push_age_seconds (two series per group; "
       "docs/aggregation.md, Group lifetimes).",
       boolean(&Flags::disable_freshness_metrics)},
      {"push.idempotency-window", "1h",
       "How long an aggregating push's idempotency key (Idempotency-Key header, or an idempotency_key grouping "
       "label under /aggregate) is remembered: a push repeating it within the window adds nothing.",
       positive_duration(&Flags::idempotency_window)},
      {"push.max-body-bytes", "64MiB",
       "Largest request body accepted, before and after gzip inflation; larger pushes get 413.",
       positive_bytes(&Flags::max_body_bytes)},
      {"push.max-labels-per-series", "64",
       "Most labels one pushed series may carry in the body (grouping labels not counted); more: 400 (0: no limit).",
       count(&Flags::max_labels_per_series)},
      {"push.max-grouping-labels", "32",
       "Most labels in a push URL's grouping key, job included; more: 400 (0: no limit).",
       count(&Flags::max_grouping_labels)},
      {"push.max-label-name-bytes", "256B", "Longest label name, in the body or the URL; longer: 400 (0: no limit).",
       bytes(&Flags::max_label_name_bytes)},
      {"push.max-label-value-bytes", "8KiB",
       "Longest label value (body or URL) or metric name; longer: 400 (0: no limit).",
       bytes(&Flags::max_label_value_bytes)},
      {"push.max-series-per-push", "100000",
       "Most series in one push (a histogram or summary is one); more: 413 (0: no limit).",
       count(&Flags::max_series_per_push)},
      {"push.max-series-per-group", "100000",
       "Most series one group may hold after a push (push-time gauges included); more: 413 (0: no limit).",
       count(&Flags::max_series_per_group)},
      {"push.max-groups", "100000", "Most groups stored; a push that would create one more gets 429 (0: no limit).",
       count(&Flags::max_groups)},
      {"push.max-store-bytes", "4GiB",
       "Most bytes of rendered samples stored (flowgate_store_bytes); a push that would grow the store past it "
       "gets 429 (0: no limit).",
       bytes(&Flags::max_store_bytes)},
  };
}

Binding translation_strategy() {
  return {Kind::text,
          [](Flags& f, std::string_view v) {
            f.otlp_translation_strategy = v;
            return v == "UnderscoreEscapingWithSuffixes" || v == "UnderscoreEscapingWithoutSuffixes" ||
                   v == "NoUTF8EscapingWithSuffixes" || v == "NoTranslation";
          },
          [](const Flags& f) { return f.otlp_translation_strategy; }};
}

std::vector<FlagSpec> otlp_flags() {
  return {
      {"otlp.promote-resource-attributes", "",
       "Comma-separated OTLP resource attributes copied as labels onto every series of their resource (they "
       "stay in target_info too), as Prometheus 3's otlp.promote_resource_attributes.",
       text(&Flags::otlp_promote_resource_attributes)},
      {"otlp.translation-strategy", "UnderscoreEscapingWithSuffixes",
       "How OTLP metric and attribute names become Prometheus names, as Prometheus 3's "
       "otlp.translation_strategy. One of: [UnderscoreEscapingWithSuffixes, UnderscoreEscapingWithoutSuffixes, "
       "NoUTF8EscapingWithSuffixes, NoTranslation]; the last two keep UTF-8 names.",
       translation_strategy()},
      {"otlp.series-ttl", "5m",
       "Drop an OTLP-fed series that no export has carried for this long (0s: keep it until its group is "
       "deleted); a group left without series goes.",
       duration(&Flags::otlp_series_ttl)},
  };
}

std::vector<FlagSpec> remote_write_flags() {
  return {
      {"remote-write.config-file", "",
       "Prometheus remote_write and global.external_labels YAML: write every push and, every "
       "--remote-write.interval, all of /metrics to these destinations (Thanos, Mimir, VictoriaMetrics, "
       "Prometheus). Needs --persistence.file: the write-ahead log is the queue. Reloaded on SIGHUP.",
       text(&Flags::remote_write_config_file)},
      {"remote-write.interval", "15s",
       "How often all of /metrics is written to each destination, as a Prometheus scraping flowgate would store "
       "it (pushes go at once, with their own time).",
       duration(&Flags::remote_write_interval)},
      {"remote-write.max-backlog-bytes", "512MiB",
       "Write-ahead log a destination may fall behind by; beyond it the oldest pushes are dropped unsent "
       "(counted and logged once per episode).",
       bytes(&Flags::remote_write_max_backlog_bytes)},
  };
}

// --collector.<name>: one part of the host collector.
Binding host_part(bool collectors::HostParts::*part) {
  return {Kind::boolean, [part](Flags& f, std::string_view v) { return parse_bool(v, f.host_parts.*part); },
          [part](const Flags& f) { return std::string(bool_text(f.host_parts.*part)); }, "true or false"};
}

std::vector<FlagSpec> collector_flags() {
  using collectors::HostParts;
  return {
      {"collector.disable-defaults", "false",
       "Turn every collector off but those named on the command line (--collector.cpu, --collector.process, ...), "
       "as node_exporter's flag does.",
       boolean(&Flags::collector_disable_defaults)},
      {"collector.host", "true",
       "Expose host metrics (node_exporter names); off turns every host part below off.",
       boolean(&Flags::collector_host)},
      {"collector.cpu", "true", "Host part: CPU time by mode (node_cpu_*).", host_part(&HostParts::cpu)},
      {"collector.stat", "true",
       "Host part: context switches, interrupts, forks, processes running and blocked, boot time.",
       host_part(&HostParts::stat)},
      {"collector.loadavg", "true", "Host part: load averages (node_load1/5/15).", host_part(&HostParts::loadavg)},
      {"collector.meminfo", "true", "Host part: memory and swap (node_memory_*).", host_part(&HostParts::meminfo)},
      {"collector.filesystem", "true", "Host part: filesystem space and inodes (node_filesystem_*).",
       host_part(&HostParts::filesystem)},
      {"collector.diskstats", "true", "Host part: bytes read and written per disk (node_disk_*).",
       host_part(&HostParts::diskstats)},
      {"collector.netdev", "true", "Host part: network traffic, errors and drops (node_network_*).",
       host_part(&HostParts::netdev)},
      {"collector.time", "true", "Host part: the system clock (node_time_seconds).", host_part(&HostParts::time)},
      {"collector.process", "true", "Expose flowgate's own process metrics (process_*).",
       boolean(&Flags::collector_process)},
      {"collector.filesystem.mount-points-exclude", kDefaultMountPointsExclude,
       "Regular expression of mount points (as the host names them, see --path.rootfs) the filesystem part ignores.",
       text(&Flags::filesystem_mount_points_exclude)},
      {"collector.filesystem.fs-types-exclude", kDefaultFsTypesExclude,
       "Regular expression of filesystem types the filesystem part ignores.",
       text(&Flags::filesystem_fs_types_exclude)},
      {"collector.diskstats.device-exclude", kDefaultDiskstatsDeviceExclude,
       "Regular expression of disks the diskstats part ignores (partitions, ram and loop devices by default).",
       text(&Flags::diskstats_device_exclude)},
      {"collector.netdev.device-exclude", kDefaultDeviceExclude,
       "Regular expression of network devices the netdev part ignores.", text(&Flags::netdev_device_exclude)},
      {"path.procfs", "/proc", "Where procfs is mounted (/host/proc when the host's is mounted there).",
       text(&Flags::path_procfs)},
      {"path.sysfs", "/sys",
       "Accepted so node_exporter command lines work unchanged; no host part reads sysfs (libstatgrab and procfs "
       "supply them all), so it changes nothing.",
       text(&Flags::path_sysfs)},
      {"path.rootfs", "/",
       "Where the host's root filesystem is mounted: only mounts under it are reported, named as the host names "
       "them (/host/var is /var).",
       text(&Flags::path_rootfs)},
  };
}

std::vector<FlagSpec> prefect_flags() {
  return {
      {"prefect.api-url", "$PREFECT_API_URL",
       "Prefect API URL to poll (http://prefect:4200/api, or Prefect Cloud's "
       "https://api.prefect.cloud/api/accounts/<id>/workspaces/<id>); empty: no Prefect collector.",
       text(&Flags::prefect_api_url)},
      {"prefect.api-key-file", "",
       "File holding the Prefect API key (sent as a bearer token); when not given, $PREFECT_API_KEY.",
       text(&Flags::prefect_api_key_file)},
      {"prefect.auth-string-file", "",
       "File holding the basic-auth string user:password of a self-hosted server; when not given, "
       "$PREFECT_API_AUTH_STRING. Wins over the API key, as in Prefect's own client.",
       text(&Flags::prefect_auth_string_file)},
      {"prefect.poll-interval", "30s", "Time between two polls of flow runs, task runs and workers.",
       positive_duration(&Flags::prefect_poll_interval)},
      {"prefect.inventory-interval", "5m",
       "Time between two reads of flows, deployments, work pools and queues (also re-read when a run names "
       "an unknown one).",
       positive_duration(&Flags::prefect_inventory_interval)},
      {"prefect.poll-timeout", "1m",
       "Deadline of one whole poll, retries included; a poll past it fails "
       "and the last values stay published.",
       positive_duration(&Flags::prefect_poll_timeout)},
      {"prefect.request-timeout", "10s", "Timeout of one request to the Prefect API.",
       positive_duration(&Flags::prefect_request_timeout)},
      {"prefect.stuck-running-after", "1h",
       "A flow run in RUNNING longer than this counts in prefect_flow_runs_stuck_running.",
       positive_duration(&Flags::prefect_stuck_running_after)},
      {"prefect.finished-overlap", "2m",
       "How far before the last finished run each poll reads again, for runs Prefect records late.",
       duration(&Flags::prefect_finished_overlap)},
      {"prefect.failure-info-limit", "10",
       "How many of the latest failed runs prefect_flow_run_last_failure_info keeps.",
       count(&Flags::prefect_failure_info_limit)},
      {"prefect.flows-include", "", "Regular expression: only flows whose name matches are reported (empty: all).",
       text(&Flags::prefect_flows_include)},
      {"prefect.flows-exclude", "", "Regular expression of flow names not reported.",
       text(&Flags::prefect_flows_exclude)},
      {"prefect.deployments-include", "",
       "Regular expression: only deployments whose name matches are reported (ad-hoc runs have the name \"\").",
       text(&Flags::prefect_deployments_include)},
      {"prefect.deployments-exclude", "", "Regular expression of deployment names not reported.",
       text(&Flags::prefect_deployments_exclude)},
      {"prefect.tls-insecure-skip-verify", "false",
       "Do not verify the Prefect API's TLS certificate (the system CAs are used otherwise).",
       boolean(&Flags::prefect_tls_insecure_skip_verify)},
      {"prefect.events", "true",
       "Also subscribe to Prefect's event stream (websocket <api-url>/events/out) so that run state changes "
       "reach the prefect_*run* families within seconds; polls stay the reconciliation and the fallback.",
       boolean(&Flags::prefect_events)},
      {"prefect.state-file", "<dir of --persistence.file>/prefect-state.json",
       "File that keeps the Prefect counters across restarts (empty when --persistence.file is). Empty: "
       "none, and only prefect_flow_runs_finished_total continues after a restart (from Prefect's totals).",
       text(&Flags::prefect_state_file)},
      {"prefect.compat-prefecthq", "false",
       "Also serve the families of PrefectHQ's prometheus-prefect-exporter, with its labels, and read its "
       "environment variables (OFFSET_MINUTES, ...); without an API URL, http://localhost:4200/api as it has.",
       boolean(&Flags::prefect_compat_prefecthq)},
  };
}

// The Prefect flags of the proxy, CSRF and tag labels, listed after the others.
std::vector<FlagSpec> prefect_access_and_tag_flags() {
  return {
      {"prefect.proxy-url", "",
       "HTTP proxy to reach Prefect through (http://[user:password@]host:port); empty: $HTTPS_PROXY, "
       "$HTTP_PROXY or $ALL_PROXY by the API URL's scheme. $NO_PROXY applies to both.",
       text(&Flags::prefect_proxy_url)},
      {"prefect.csrf", "false",
       "Send CSRF tokens on POSTs, for a Prefect server started with PREFECT_SERVER_CSRF_PROTECTION_ENABLED.",
       boolean(&Flags::prefect_csrf)},
      {"prefect.tag-labels", "",
       "Comma-separated tag keys: a run's tag key:value becomes the label tag_<key>=\"value\" on the flow-run "
       "families and prefect_info_deployment (empty: none).",
       text(&Flags::prefect_tag_labels)},
      {"prefect.tag-values-limit", "20",
       "Distinct values each tag label keeps; later new values read \"other\".",
       count(&Flags::prefect_tag_values_limit)},
  };
}

std::vector<FlagSpec> logging_flags() {
  return {
      {"log.level", "info", "Only log messages with the given severity or above. One of: [debug, info, warn, error]",
       log_level()},
      {"log.format", "logfmt", "Output format of log messages. One of: [logfmt, json]", log_format()},
  };
}

std::vector<FlagSpec> informational_flags() {
  return {
      {"help", "", "Show this help and exit.", informational(&Flags::help)},
      {"help-long", "", "Show this help and exit (every flag is in --help already).", informational(&Flags::help)},
      {"help-man", "", "Write a man page (roff) for flowgate(1) to standard output and exit.",
       informational(&Flags::help_man)},
      {"completion-script-bash", "", "Write a bash completion script to standard output and exit.",
       informational(&Flags::completion_bash)},
      {"completion-script-zsh", "", "Write a zsh completion script to standard output and exit.",
       informational(&Flags::completion_zsh)},
      {"version", "", "Show the version and exit.", informational(&Flags::version)},
  };
}


const FlagSpec* find_spec(std::string_view name) {
  for (const auto& group : flag_groups()) {
    for (const auto& spec : group.flags) {
      if (spec.name == name) return &spec;
    }
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

// One flag from the command line and the text of its value.
struct GivenFlag {
  const FlagSpec* spec;
  std::string_view value;
};

// Reads the flag at args[i] (`--name=value`, `--name value`, `--name` or
// `--no-name` for a boolean), advancing i past a separate value; kingpin's
// message when it is not one.
boost::system::result<GivenFlag, FlagError> read_flag(std::span<const std::string_view> args, std::size_t& i) {
  std::string_view arg = args[i] == "-h" ? "--help" : args[i];
  if (!arg.starts_with("--") || arg.size() == 2) return FlagError("unexpected " + std::string(arg));
  std::string_view name = arg.substr(2);
  std::optional<std::string_view> value;
  if (auto eq = name.find('='); eq != std::string_view::npos) {
    value = name.substr(eq + 1);
    name = name.substr(0, eq);
  }
  const FlagSpec* spec = find_spec(name);
  bool negated = false;
  if (spec == nullptr && name.starts_with("no-")) {
    const FlagSpec* positive = find_spec(name.substr(3));
    negated = positive != nullptr && positive->binding.kind == Kind::boolean;
    if (negated) spec = positive;
  }
  if (spec == nullptr) return FlagError("unknown long flag '--" + std::string(name) + "'");

  if (spec->binding.kind == Kind::boolean) {
    if (negated && value) return FlagError("unexpected value for flag '--" + std::string(name) + "'");
    return GivenFlag{spec, negated ? "false" : value.value_or("true")};
  }
  if (value) return GivenFlag{spec, *value};
  if (i + 1 < args.size()) return GivenFlag{spec, args[++i]};
  return FlagError("expected argument for flag '--" + std::string(name) + "'");
}

// --collector.disable-defaults: every collector the command line does not
// name is off; a host part named turns the host collector on with it.
void turn_off_collectors_not_given(Flags& flags, const std::set<std::string_view>& given) {
  using collectors::HostParts;
  static constexpr std::pair<std::string_view, bool HostParts::*> kParts[] = {
      {"collector.cpu", &HostParts::cpu},           {"collector.stat", &HostParts::stat},
      {"collector.loadavg", &HostParts::loadavg},   {"collector.meminfo", &HostParts::meminfo},
      {"collector.filesystem", &HostParts::filesystem}, {"collector.diskstats", &HostParts::diskstats},
      {"collector.netdev", &HostParts::netdev},     {"collector.time", &HostParts::time},
  };
  bool part_given = false;
  for (const auto& [name, part] : kParts) {
    if (given.contains(name)) {
      part_given = part_given || flags.host_parts.*part;
    } else {
      flags.host_parts.*part = false;
    }
  }
  if (!given.contains("collector.process")) flags.collector_process = false;
  if (!given.contains("collector.host")) flags.collector_host = part_given;
}

// The defaults that depend on other flags or on the machine.
void fill_derived_defaults(Flags& flags, const std::set<std::string_view>& given) {
  if (!given.contains("web.listen-address")) flags.listen_addresses = Flags{}.listen_addresses;
  if (flags.collector_disable_defaults) turn_off_collectors_not_given(flags, given);
  flags.route_prefix =
      normalize_prefix(given.contains("web.route-prefix") ? flags.route_prefix : path_of_url(flags.external_url));
  if (flags.threads == 0) flags.threads = std::max(1u, std::thread::hardware_concurrency());
  // PrefectHQ's exporter polls its default URL when PREFECT_API_URL is unset.
  if (flags.prefect_compat_prefecthq && flags.prefect_api_url.empty() && !given.contains("prefect.api-url")) {
    flags.prefect_api_url = "http://localhost:4200/api";
  }
  if (!given.contains("prefect.state-file") && !flags.persistence_file.empty()) {
    flags.prefect_state_file =
        (std::filesystem::path(flags.persistence_file).parent_path() / "prefect-state.json").string();
  }
}

std::map<std::string, std::string> shown_values(const Flags& flags) {
  std::map<std::string, std::string> values;
  for (const auto& group : flag_groups()) {
    for (const auto& spec : group.flags) {
      if (spec.binding.show) values.emplace(spec.name, spec.binding.show(flags));
    }
  }
  return values;
}

}  // namespace

const std::vector<FlagGroup>& flag_groups() {
  static const std::vector<FlagGroup> groups = {
      {"Web server", web_server_flags()},
      {"Persistence", persistence_flags()},
      {"Push", push_flags()},
      {"OTLP", otlp_flags()},
      {"Remote write", remote_write_flags()},
      {"Collectors", collector_flags()},
      {"Prefect", [] {
         auto flags = prefect_flags();
         std::ranges::move(prefect_access_and_tag_flags(), std::back_inserter(flags));
         return flags;
       }()},
      {"Logging", logging_flags()},
      {"Informational", informational_flags()},
  };
  return groups;
}

bool parse_duration(std::string_view text, std::chrono::milliseconds& out) {
  if (text.empty()) return false;
  if (text == "0") {  // as Prometheus reads durations: no unit needed for none
    out = std::chrono::milliseconds(0);
    return true;
  }
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
    // A client's header reaches here too: no overflow for any input.
    if (number > (INT64_MAX - total) / unit_ms) return false;
    total += number * unit_ms;
  }
  out = std::chrono::milliseconds(total);
  return true;
}

std::string go_duration_text(std::chrono::milliseconds duration) {
  const auto ms = duration.count();
  if (ms == 0) return "0s";
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
}

bool parse_count(std::string_view text, std::size_t& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
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
  flags.listen_addresses.clear();  // given addresses replace the default, which fill_derived_defaults restores
  flags.filesystem_mount_points_exclude = kDefaultMountPointsExclude;
  flags.netdev_device_exclude = kDefaultDeviceExclude;
  flags.filesystem_fs_types_exclude = kDefaultFsTypesExclude;
  flags.diskstats_device_exclude = kDefaultDiskstatsDeviceExclude;
  flags.prefect_api_url = environment_prefect_api_url;
  std::set<std::string_view> given;
  for (std::size_t i = 0; i < args.size(); ++i) {
    auto flag = read_flag(args, i);
    if (!flag) return flag.error();
    if (!flag->spec->binding.apply(flags, flag->value)) {
      std::string message = "invalid value '" + std::string(flag->value) + "' for flag '--" +
                            std::string(flag->spec->name) + "'";
      if (!flag->spec->binding.expected.empty()) message += ": expected " + std::string(flag->spec->binding.expected);
      return FlagError(std::move(message));
    }
    given.insert(flag->spec->name);
  }
  fill_derived_defaults(flags, given);
  flags.values = shown_values(flags);
  return flags;
}

}  // namespace flowgate::exporter
