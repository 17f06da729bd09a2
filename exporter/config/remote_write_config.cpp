#include "exporter/config/remote_write_config.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>

#include <boost/url/parse.hpp>

#include "exporter/config/relabel_config.hpp"
#include "exporter/flags.hpp"
#include "exporter/yaml_reader.hpp"
#include "exposition/names.hpp"

namespace flowgate::exporter {
namespace {

using remote_write::Destination;
using remote_write::RemoteWriteConfig;
using Done = boost::system::result<void, RemoteWriteConfigError>;

RemoteWriteConfigError at(const YamlField& field, std::string_view sentence) {
  return RemoteWriteConfigError("line " + std::to_string(field.line) + ": " + field.path + ": " +
                                std::string(sentence));
}

RemoteWriteConfigError unknown_field(const YamlField& field, std::string_view type_name) {
  return at(field, "field " + field.key + " not found in " + std::string(type_name));
}

// Keys Prometheus knows that flowgate does not act on: refused, so a file
// never seems to do what it does not.
RemoteWriteConfigError unsupported(const YamlField& field) {
  return at(field, "not supported by flowgate's remote write (see docs/scale-out.md for what is)");
}

Done read_string(const YamlField& field, std::string& out) {
  auto text = yaml_string(field.value, field.path);
  if (!text) return text.error();
  out = std::move(*text);
  return {};
}

Done read_bool(const YamlField& field, bool& out) {
  auto value = yaml_bool(field.value, field.path);
  if (!value) return value.error();
  out = *value;
  return {};
}

Done read_duration(const YamlField& field, std::chrono::milliseconds& out) {
  std::string text;
  if (auto read = read_string(field, text); !read) return read;
  if (!parse_duration(text, out)) return at(field, "not a valid duration string: \"" + text + "\"");
  return {};
}

Done read_count(const YamlField& field, std::size_t& out) {
  std::string text;
  if (auto read = read_string(field, text); !read) return read;
  if (!parse_count(text, out)) return at(field, "expected a whole number, got \"" + text + "\"");
  return {};
}

// The headers Prometheus sets itself; a config may not change them (its
// reservedHeaders as of 2.42, compared in canonical form: case does not
// matter), and Transfer-Encoding.
bool reserved_header(std::string_view name) {
  static constexpr std::array<std::string_view, 18> kReserved = {
      "authorization",      "host",
      "content-encoding",   "content-length",
      "content-type",       "user-agent",
      "connection",         "keep-alive",
      "proxy-authenticate", "proxy-authorization",
      "www-authenticate",   "accept-encoding",
      "x-amz-date",         "x-amz-security-token",
      "x-amz-content-sha256", "x-prometheus-remote-write-version",
      "x-prometheus-remote-read-version",
      "transfer-encoding"};  // flowgate's own: the sender frames the body itself
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return std::find(kReserved.begin(), kReserved.end(), lower) != kReserved.end();
}

Done read_headers(const YamlField& field, Destination& destination) {
  auto headers = yaml_mapping(field.value, field.path, "map[string]string", YamlKeys::map_keys);
  if (!headers) return headers.error();
  destination.headers.clear();
  for (const auto& header : *headers) {
    std::string value;
    if (auto read = read_string(header, value); !read) return read;
    if (reserved_header(header.key)) {
      return at(header, header.key + " is a reserved header. It must not be changed");
    }
    destination.headers.emplace_back(header.key, std::move(value));
  }
  return {};
}

Done read_basic_auth(const YamlField& section, Destination& destination) {
  auto fields = yaml_mapping(section.value, section.path, "config.BasicAuth", YamlKeys::struct_fields);
  if (!fields) return fields.error();
  remote_write::BasicAuth auth;
  for (const auto& field : *fields) {
    Done read;
    if (field.key == "username") read = read_string(field, auth.username);
    else if (field.key == "username_file") read = read_string(field, auth.username_file);
    else if (field.key == "password") read = read_string(field, auth.password);
    else if (field.key == "password_file") read = read_string(field, auth.password_file);
    else read = unknown_field(field, "config.BasicAuth");
    if (!read) return read;
  }
  if (!auth.username.empty() && !auth.username_file.empty()) {
    return at(section, "at most one of basic_auth username & username_file must be configured");
  }
  if (!auth.password.empty() && !auth.password_file.empty()) {
    return at(section, "at most one of basic_auth password & password_file must be configured");
  }
  if (!section.value.IsNull()) destination.basic_auth = std::move(auth);
  return {};
}

Done read_authorization(const YamlField& section, Destination& destination) {
  auto fields = yaml_mapping(section.value, section.path, "config.Authorization", YamlKeys::struct_fields);
  if (!fields) return fields.error();
  remote_write::Authorization auth;
  auth.type.clear();
  for (const auto& field : *fields) {
    Done read;
    if (field.key == "type") read = read_string(field, auth.type);
    else if (field.key == "credentials") read = read_string(field, auth.credentials);
    else if (field.key == "credentials_file") read = read_string(field, auth.credentials_file);
    else read = unknown_field(field, "config.Authorization");
    if (!read) return read;
  }
  if (section.value.IsNull()) return {};
  if (!auth.credentials.empty() && !auth.credentials_file.empty()) {
    return at(section, "at most one of authorization credentials & credentials_file must be configured");
  }
  std::string lower = auth.type;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower == "basic") return at(section, "authorization type cannot be set to \"basic\", use \"basic_auth\" instead");
  if (auth.type.empty()) auth.type = "Bearer";
  destination.authorization = std::move(auth);
  return {};
}

Done read_tls_version(const YamlField& field, std::string& out) {
  if (auto read = read_string(field, out); !read) return read;
  if (out.empty() || out == "TLS10" || out == "TLS11" || out == "TLS12" || out == "TLS13") return {};
  return at(field, "unknown TLS version: " + out);
}

Done read_tls(const YamlField& section, Destination& destination) {
  auto fields = yaml_mapping(section.value, section.path, "config.TLSConfig", YamlKeys::struct_fields);
  if (!fields) return fields.error();
  auto& tls = destination.tls;
  for (const auto& field : *fields) {
    Done read;
    if (field.key == "ca_file") read = read_string(field, tls.ca_file);
    else if (field.key == "cert_file") read = read_string(field, tls.cert_file);
    else if (field.key == "key_file") read = read_string(field, tls.key_file);
    else if (field.key == "server_name") read = read_string(field, tls.server_name);
    else if (field.key == "insecure_skip_verify") read = read_bool(field, tls.insecure_skip_verify);
    else if (field.key == "min_version") read = read_tls_version(field, tls.min_version);
    else if (field.key == "max_version") read = read_tls_version(field, tls.max_version);
    else if (field.key == "ca" || field.key == "cert" || field.key == "key") read = unsupported(field);
    else read = unknown_field(field, "config.TLSConfig");
    if (!read) return read;
  }
  if (!tls.cert_file.empty() && tls.key_file.empty()) {
    return at(section, "exactly one of key or key_file must be configured when a client certificate is configured");
  }
  if (tls.cert_file.empty() && !tls.key_file.empty()) {
    return at(section, "exactly one of cert or cert_file must be configured when a client key is configured");
  }
  return {};
}

Done read_queue(const YamlField& section, Destination& destination) {
  auto fields = yaml_mapping(section.value, section.path, "config.QueueConfig", YamlKeys::struct_fields);
  if (!fields) return fields.error();
  auto& queue = destination.queue;
  for (const auto& field : *fields) {
    Done read;
    if (field.key == "capacity") read = read_count(field, queue.capacity);
    else if (field.key == "max_shards") read = read_count(field, queue.max_shards);
    else if (field.key == "min_shards") read = read_count(field, queue.min_shards);
    else if (field.key == "max_samples_per_send") read = read_count(field, queue.max_samples_per_send);
    else if (field.key == "batch_send_deadline") read = read_duration(field, queue.batch_send_deadline);
    else if (field.key == "min_backoff") read = read_duration(field, queue.min_backoff);
    else if (field.key == "max_backoff") read = read_duration(field, queue.max_backoff);
    else if (field.key == "retry_on_http_429") read = read_bool(field, queue.retry_on_http_429);
    else if (field.key == "sample_age_limit") read = read_duration(field, queue.sample_age_limit);
    else read = unknown_field(field, "config.QueueConfig");
    if (!read) return read;
  }
  return {};
}

Done read_metadata_config(const YamlField& section) {
  auto fields = yaml_mapping(section.value, section.path, "config.MetadataConfig", YamlKeys::struct_fields);
  if (!fields) return fields.error();
  for (const auto& field : *fields) {
    bool send = true;
    std::chrono::milliseconds interval{};
    std::size_t count = 0;
    Done read;
    if (field.key == "send") read = read_bool(field, send);
    else if (field.key == "send_interval") read = read_duration(field, interval);
    else if (field.key == "max_samples_per_send") read = read_count(field, count);
    else read = unknown_field(field, "config.MetadataConfig");
    if (!read) return read;
  }
  return {};  // metadata goes with every request (1.0: per family, 2.0: per series)
}

Done read_protocol(const YamlField& field, Destination& destination) {
  std::string name;
  if (auto read = read_string(field, name); !read) return read;
  if (name == "prometheus.WriteRequest") {
    destination.protocol = remote_write::Protocol::v1;
  } else if (name == "io.prometheus.write.v2.Request") {
    destination.protocol = remote_write::Protocol::v2;
  } else {
    return at(field, "unknown remote write protobuf message " + name +
                         ", supported: prometheus.WriteRequest, io.prometheus.write.v2.Request");
  }
  return {};
}

bool unsupported_destination_key(std::string_view key) {
  static constexpr std::array<std::string_view, 11> kKeys = {
      "oauth2",     "sigv4",         "azuread",                "google_iam",           "proxy_url", "no_proxy",
      "proxy_from_environment", "proxy_connect_header", "round_robin_dns", "bearer_token", "bearer_token_file"};
  return std::find(kKeys.begin(), kKeys.end(), key) != kKeys.end();
}

Done read_destination_field(const YamlField& field, Destination& destination) {
  const std::string& key = field.key;
  if (key == "url") return read_string(field, destination.url);
  if (key == "name") return read_string(field, destination.name);
  if (key == "remote_timeout") return read_duration(field, destination.remote_timeout);
  if (key == "headers") return read_headers(field, destination);
  if (key == "basic_auth") return read_basic_auth(field, destination);
  if (key == "authorization") return read_authorization(field, destination);
  if (key == "tls_config") return read_tls(field, destination);
  if (key == "follow_redirects") return read_bool(field, destination.follow_redirects);
  if (key == "enable_http2") return read_bool(field, destination.enable_http2);
  if (key == "queue_config") return read_queue(field, destination);
  if (key == "metadata_config") return read_metadata_config(field);
  if (key == "write_relabel_configs") return read_relabel_rules(field, destination.write_relabel);
  if (key == "protobuf_message") return read_protocol(field, destination);
  if (key == "send_exemplars") return read_bool(field, destination.send_exemplars);
  if (key == "send_native_histograms") return read_bool(field, destination.send_native_histograms);
  if (unsupported_destination_key(key)) return unsupported(field);
  return unknown_field(field, "config.RemoteWriteConfig");
}

// Prometheus takes any URL Go's parser does; flowgate needs one it can send to.
Done check_url(const YamlField& field, const Destination& destination) {
  if (destination.url.empty()) return at(field, "url for remote_write is empty");
  auto url = boost::urls::parse_absolute_uri(destination.url);
  if (!url || (url->scheme() != "http" && url->scheme() != "https") || url->host().empty()) {
    return at(field, "url \"" + destination.url + "\" is not an http:// or https:// URL with a host");
  }
  return {};
}

Done read_destination(const YAML::Node& node, const std::string& path, Destination& destination) {
  auto fields = yaml_mapping(node, path, "config.RemoteWriteConfig", YamlKeys::struct_fields);
  if (!fields) return fields.error();
  destination.line = node.Mark().is_null() ? 0 : node.Mark().line + 1;
  for (const auto& field : *fields) {
    if (auto read = read_destination_field(field, destination); !read) return read;
  }
  const YamlField whole{"", path, node, destination.line};
  if (auto checked = check_url(whole, destination); !checked) return checked;
  if (destination.basic_auth && destination.authorization) {
    return at(whole, "at most one of basic_auth, oauth2 & authorization must be configured");
  }
  return {};
}

Done read_destinations(const YamlField& section, RemoteWriteConfig& config) {
  auto items = yaml_sequence(section.value, section.path);
  if (!items) return items.error();
  std::set<std::string> names;
  for (std::size_t i = 0; i < items->size(); ++i) {
    Destination destination;
    const std::string path = section.path + "[" + std::to_string(i) + "]";
    if ((*items)[i].IsNull()) return at(section, "empty or null remote write config section");
    if (auto read = read_destination((*items)[i], path, destination); !read) return read;
    if (!destination.name.empty() && !names.insert(destination.name).second) {
      return at(section, "found multiple remote write configs with job name \"" + destination.name + "\"");
    }
    config.destinations.push_back(std::move(destination));
  }
  return {};
}

Done read_external_labels(const YamlField& section, RemoteWriteConfig& config) {
  auto labels = yaml_mapping(section.value, section.path, "labels.Labels", YamlKeys::map_keys);
  if (!labels) return labels.error();
  config.external_labels.clear();
  for (const auto& label : *labels) {
    std::string value;
    if (auto read = read_string(label, value); !read) return read;
    if (!exposition::is_label_name(label.key)) return at(label, "\"" + label.key + "\" is not a valid label name");
    if (value.empty()) continue;  // an empty value is no label, as everywhere in Prometheus
    config.external_labels.push_back({label.key, std::move(value)});
  }
  std::sort(config.external_labels.begin(), config.external_labels.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  return {};
}

Done read_global(const YamlField& section, RemoteWriteConfig& config) {
  auto fields = yaml_mapping(section.value, section.path, "config.GlobalConfig", YamlKeys::struct_fields);
  if (!fields) return fields.error();
  for (const auto& field : *fields) {
    if (field.key != "external_labels") {
      return at(field, "flowgate reads only global.external_labels and remote_write from this file");
    }
    if (auto read = read_external_labels(field, config); !read) return read;
  }
  return {};
}

}  // namespace

boost::system::result<RemoteWriteConfig, RemoteWriteConfigError> parse_remote_write_config(std::string_view yaml) {
  auto document = parse_yaml_document(yaml);
  if (!document) return document.error();
  auto sections = yaml_mapping(*document, "", "config.Config", YamlKeys::struct_fields);
  if (!sections) return sections.error();
  RemoteWriteConfig config;
  for (const auto& section : *sections) {
    Done read;
    if (section.key == "global") {
      read = read_global(section, config);
    } else if (section.key == "remote_write") {
      config.destinations.clear();
      read = read_destinations(section, config);
    } else {
      read = at(section, "flowgate reads only global.external_labels and remote_write from this file");
    }
    if (!read) return read.error();
  }
  return config;
}

namespace {

// Each file a destination names, relative to the config's folder, readable.
Done resolve_files(const std::filesystem::path& folder, Destination& destination) {
  std::vector<std::pair<std::string*, std::string_view>> files = {
      {&destination.tls.ca_file, "tls_config.ca_file"},
      {&destination.tls.cert_file, "tls_config.cert_file"},
      {&destination.tls.key_file, "tls_config.key_file"}};
  if (destination.basic_auth) {
    files.emplace_back(&destination.basic_auth->password_file, "basic_auth.password_file");
    files.emplace_back(&destination.basic_auth->username_file, "basic_auth.username_file");
  }
  if (destination.authorization) {
    files.emplace_back(&destination.authorization->credentials_file, "authorization.credentials_file");
  }
  for (auto [file, key] : files) {
    if (file->empty()) continue;
    if (std::filesystem::path(*file).is_relative()) *file = (folder / *file).string();
    if (!std::ifstream(*file)) {
      return RemoteWriteConfigError("line " + std::to_string(destination.line) + ": remote_write " +
                                    (destination.name.empty() ? destination.url : destination.name) + ": " +
                                    std::string(key) + ": cannot read " + *file);
    }
  }
  return {};
}

}  // namespace

boost::system::result<RemoteWriteConfig, RemoteWriteConfigError> load_remote_write_config(const std::string& path) {
  auto text = read_config_file(path);
  if (!text) return RemoteWriteConfigError("cannot read " + path);
  auto config = parse_remote_write_config(*text);
  if (!config) return RemoteWriteConfigError(path + ": " + config.error().message);
  const auto folder = std::filesystem::path(path).parent_path();
  for (auto& destination : config->destinations) {
    if (auto resolved = resolve_files(folder, destination); !resolved) {
      return RemoteWriteConfigError(path + ": " + resolved.error().message);
    }
  }
  return config;
}

}  // namespace flowgate::exporter
