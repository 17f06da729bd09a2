#pragma once
// flowgate's command line, parsed the way the Prometheus tools' kingpin parses
// theirs: `--name=value` or `--name value`, booleans also `--no-name`,
// repeatable --web.listen-address, durations such as 5m, 30s, 1h30m and byte
// sizes such as 64MiB. Pure functions; no I/O.

#include <chrono>
#include <cstddef>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/system/result.hpp>

#include "collectors/host/host_collector_options.hpp"
#include "exporter/log.hpp"
#include "exposition/message_error.hpp"
#include "exposition/names.hpp"

namespace flowgate::exporter {

enum class SyncPolicy { always, interval };

struct Flags {
  std::vector<std::string> listen_addresses{":9091"};
  std::string telemetry_path = "/metrics";
  std::string external_url;
  std::string route_prefix;  // normalized: "" or "/path" without trailing slash
  std::string grafana_url;   // --web.grafana-url: the web UI links groups to its dashboards; empty: no links
  bool enable_lifecycle = false;
  bool enable_admin_api = false;
  std::string web_config_file;
  bool web_config_refuse_auth_removal = false;
  std::string web_authorization_file;  // empty: every authenticated user may do everything
  std::string persistence_file = "data/flowgate.db";  // empty: memory only
  std::string remote_write_config_file;  // empty: no remote write
  std::chrono::milliseconds remote_write_interval{15'000};
  std::size_t remote_write_max_backlog_bytes = std::size_t{512} << 20;
  std::chrono::milliseconds persistence_interval = std::chrono::minutes(5);
  SyncPolicy persistence_sync = SyncPolicy::always;
  std::chrono::milliseconds persistence_sync_interval = std::chrono::seconds(1);
  std::chrono::milliseconds group_ttl{0};  // 0: groups never expire
  std::chrono::milliseconds max_group_ttl = std::chrono::days(7);  // 0: pushes may not declare a group TTL
  bool disable_freshness_metrics = false;  // flowgate_group_up, flowgate_group_last_push_age_seconds
  std::chrono::milliseconds idempotency_window = std::chrono::hours(1);  // aggregating pushes' Idempotency-Key
  bool disable_consistency_check = false;
  bool enable_utf8_names = false;  // --push.enable-utf8-names: any UTF-8 metric and label names in pushes
  std::size_t max_body_bytes = std::size_t{64} << 20;
  // --push.max-*: what one push may bring and the store may hold
  // (pushgw::PushLimits, pushgw::StoreQuotas); 0 means no limit.
  std::size_t max_labels_per_series = 64;
  std::size_t max_grouping_labels = 32;
  std::size_t max_label_name_bytes = 256;
  std::size_t max_label_value_bytes = std::size_t{8} << 10;
  std::size_t max_series_per_push = 100'000;
  std::size_t max_series_per_group = 100'000;
  std::size_t max_groups = 100'000;
  std::size_t max_store_bytes = std::size_t{4} << 30;
  // OTLP/HTTP ingest (/v1/metrics): pushgw::OtlpIngestOptions.
  std::string otlp_promote_resource_attributes;  // comma-separated resource attribute keys
  std::string otlp_translation_strategy = "UnderscoreEscapingWithSuffixes";
  std::chrono::milliseconds otlp_series_ttl = std::chrono::minutes(5);  // 0: series stay until their group goes
  std::size_t max_connections = 512;
  std::size_t max_connections_per_ip = 64;                       // 0: no limit
  std::size_t max_inflight_body_bytes = std::size_t{256} << 20;  // 0: no limit
  std::chrono::milliseconds read_header_timeout = std::chrono::seconds(30);
  std::chrono::milliseconds idle_timeout = std::chrono::minutes(2);
  unsigned threads = 0;  // 0: one per hardware thread
  LogLevel log_level = LogLevel::info;
  LogFormat log_format = LogFormat::logfmt;
  bool collector_host = true;     // every host part at once (off: none of them)
  bool collector_process = true;
  bool collector_disable_defaults = false;  // collectors not named on the command line are off
  collectors::HostParts host_parts;         // --collector.<name>, node_exporter's names
  std::string filesystem_mount_points_exclude;
  std::string filesystem_fs_types_exclude;
  std::string diskstats_device_exclude;
  std::string netdev_device_exclude;
  std::string path_procfs = "/proc";
  std::string path_sysfs = "/sys";  // accepted, read by nothing (docs/flags.md)
  std::string path_rootfs = "/";
  // The Prefect collector (on when prefect_api_url is not empty); turned
  // into collectors::prefect::PrefectCollectorOptions by exporter/prefect_setup.
  std::string prefect_api_url;
  std::string prefect_api_key_file;      // empty: $PREFECT_API_KEY
  std::string prefect_auth_string_file;  // empty: $PREFECT_API_AUTH_STRING
  std::chrono::milliseconds prefect_poll_interval = std::chrono::seconds(30);
  std::chrono::milliseconds prefect_inventory_interval = std::chrono::minutes(5);
  std::chrono::milliseconds prefect_poll_timeout = std::chrono::minutes(1);
  std::chrono::milliseconds prefect_request_timeout = std::chrono::seconds(10);
  std::chrono::milliseconds prefect_stuck_running_after = std::chrono::hours(1);
  std::chrono::milliseconds prefect_finished_overlap = std::chrono::minutes(2);
  std::size_t prefect_failure_info_limit = 10;
  std::string prefect_flows_include;
  std::string prefect_flows_exclude;
  std::string prefect_deployments_include;
  std::string prefect_deployments_exclude;
  bool prefect_tls_insecure_skip_verify = false;
  std::string prefect_proxy_url;  // empty: $HTTPS_PROXY / $HTTP_PROXY / $ALL_PROXY
  bool prefect_csrf = false;
  std::string prefect_tag_labels;  // comma-separated tag keys
  std::size_t prefect_tag_values_limit = 20;
  bool prefect_events = true;  // subscribe to Prefect's event stream between polls
  // Where the collector keeps its counters across restarts; empty: nowhere.
  // Not given: prefect-state.json next to persistence_file (empty when that is).
  std::string prefect_state_file;
  // Also serve PrefectHQ's prometheus-prefect-exporter families, reading its
  // environment variables (exporter/prefect_setup.hpp).
  bool prefect_compat_prefecthq = false;
  bool help = false;  // --help, --help-long
  bool help_man = false;
  bool completion_bash = false;
  bool completion_zsh = false;
  bool version = false;

  // Every flag's final value as text (defaults included), for /api/v1/status.
  std::map<std::string, std::string> values;
};

// The names pushes may use (pushgw::PushLimits::names and StoreOptions::names
// both follow --push.enable-utf8-names).
inline exposition::NameValidation name_validation(const Flags& flags) {
  return flags.enable_utf8_names ? exposition::NameValidation::utf8 : exposition::NameValidation::legacy;
}

using FlagError = exposition::MessageError;  // kingpin's wording, e.g. "unknown long flag '--foo'"

// `args` excludes the program name. `environment_prefect_api_url` is
// $PREFECT_API_URL (the default of --prefect.api-url), empty when unset.
boost::system::result<Flags, FlagError> parse_flags(std::span<const std::string_view> args,
                                                    std::string_view environment_prefect_api_url = {});


// A whole number of decimal digits only ("42"); false on anything else.
bool parse_count(std::string_view text, std::size_t& out);
// "5m", "30s", "1h30m", "250ms", "1d"; false on anything else.
bool parse_duration(std::string_view text, std::chrono::milliseconds& out);
// Go's time.Duration.String(), as the Pushgateway's /api/v1/status shows
// durations: "5m0s", "30s", "1h30m0s", "250ms", "0s".
std::string go_duration_text(std::chrono::milliseconds duration);
// "1048576", "512KiB", "64MiB", "1GB" (KB/MB/GB are base 2, as kingpin's
// Base2Bytes); false on anything else.
bool parse_byte_size(std::string_view text, std::size_t& out);

}  // namespace flowgate::exporter
