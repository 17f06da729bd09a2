#pragma once
// One remote write destination as Prometheus' `remote_write:` section
// describes it (url, name, remote_timeout, headers, basic_auth,
// authorization, tls_config, queue_config, write_relabel_configs,
// protobuf_message), plus the `global.external_labels` every destination
// adds. Values only: exporter/config/remote_write_config.hpp reads them out
// of the YAML file, and the queue and sender act on them. Defaults are
// Prometheus 3's, so a section that says nothing behaves as there.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "exposition/model.hpp"
#include "remote_write/protocol.hpp"

namespace flowgate::remote_write {

struct BasicAuth {
  std::string username;
  std::string username_file;
  std::string password;
  std::string password_file;  // read at each request, so a rotated secret is picked up
};

struct Authorization {
  std::string type = "Bearer";
  std::string credentials;
  std::string credentials_file;
};

struct TlsClientConfig {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string server_name;  // SNI and the name checked; empty: the URL's host
  bool insecure_skip_verify = false;
  std::string min_version;  // "TLS12"...; empty: the library's default
  std::string max_version;
};

struct QueueConfig {
  std::size_t capacity = 10'000;
  std::size_t max_shards = 50;
  std::size_t min_shards = 1;
  std::size_t max_samples_per_send = 2'000;
  std::chrono::milliseconds batch_send_deadline{5'000};
  std::chrono::milliseconds min_backoff{30};
  std::chrono::milliseconds max_backoff{5'000};
  bool retry_on_http_429 = true;
  // Samples older than this are dropped instead of sent (0: never): the age
  // bound of a destination's backlog.
  std::chrono::milliseconds sample_age_limit{0};
};

enum class RelabelAction : std::uint8_t { replace, keep, drop, labelkeep, labeldrop, labelmap, lowercase, uppercase };

struct RelabelRule {
  RelabelAction action = RelabelAction::replace;
  std::vector<std::string> source_labels;
  std::string separator = ";";
  std::string regex = "(.*)";  // anchored at both ends when applied, as Prometheus does
  std::string target_label;
  std::string replacement = "$1";
  int line = 0;  // where the rule starts in the file, for messages
};

struct Destination {
  std::string url;
  std::string name;  // empty: a hash of the section, as Prometheus names it
  std::chrono::milliseconds remote_timeout{30'000};
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<BasicAuth> basic_auth;
  std::optional<Authorization> authorization;
  TlsClientConfig tls;
  bool follow_redirects = true;
  bool enable_http2 = true;  // accepted as Prometheus does; flowgate speaks HTTP/1.1
  QueueConfig queue;
  std::vector<RelabelRule> write_relabel;
  Protocol protocol = Protocol::v1;
  bool send_exemplars = false;
  bool send_native_histograms = false;
  int line = 0;  // where the section starts in the file
};

struct RemoteWriteConfig {
  exposition::Labels external_labels;  // sorted by name
  std::vector<Destination> destinations;
};

}  // namespace flowgate::remote_write
