#include "exporter/web_config.hpp"

#include <filesystem>

#include "exporter/yaml_subset.hpp"

namespace flowgate::exporter {
namespace {

using Result = boost::system::result<void, WebConfigError>;

WebConfigError at(const YamlNode& node, std::string sentence) {
  return WebConfigError("line " + std::to_string(node.line) + ": " + std::move(sentence));
}

Result expect_keys(const YamlNode& node, std::string_view section, std::initializer_list<std::string_view> keys) {
  if (node.kind == YamlNode::Kind::null) return {};
  if (node.kind != YamlNode::Kind::mapping) return at(node, std::string(section) + " must be a mapping");
  for (const auto& [key, child] : node.mapping) {
    bool known = false;
    for (auto allowed : keys) known = known || key == allowed;
    if (!known) return at(child, "field " + key + " not found in " + std::string(section));
  }
  return {};
}

Result as_string(const YamlNode& node, std::string_view key, std::string& out) {
  if (node.kind == YamlNode::Kind::null) return {};
  if (node.kind != YamlNode::Kind::scalar) return at(node, std::string(key) + " must be a string");
  out = node.scalar;
  return {};
}

Result as_bool(const YamlNode& node, std::string_view key, bool& out) {
  if (node.kind == YamlNode::Kind::null) return {};
  if (node.kind == YamlNode::Kind::scalar && (node.scalar == "true" || node.scalar == "false")) {
    out = node.scalar == "true";
    return {};
  }
  return at(node, std::string(key) + " must be true or false");
}

Result as_strings(const YamlNode& node, std::string_view key, std::vector<std::string>& out) {
  if (node.kind == YamlNode::Kind::null) return {};
  if (node.kind != YamlNode::Kind::sequence) return at(node, std::string(key) + " must be a list");
  for (const auto& item : node.sequence) {
    if (item.kind != YamlNode::Kind::scalar) return at(item, std::string(key) + " items must be strings");
    out.push_back(item.scalar);
  }
  return {};
}

bool is_tls_version(std::string_view v) { return v == "TLS10" || v == "TLS11" || v == "TLS12" || v == "TLS13"; }

Result parse_tls(const YamlNode& node, WebConfig& config) {
  if (auto r = expect_keys(node, "web.TLSConfig",
                           {"cert_file", "key_file", "cert", "key", "client_auth_type", "client_ca_file",
                            "cipher_suites", "curve_preferences", "min_version", "max_version",
                            "prefer_server_cipher_suites", "client_allowed_sans"});
      !r) {
    return r;
  }
  TlsServerConfig tls;
  for (const auto& [key, child] : node.mapping) {
    Result r;
    if (key == "cert_file") r = as_string(child, key, tls.cert_file);
    if (key == "key_file") r = as_string(child, key, tls.key_file);
    if (key == "cert" || key == "key" || key == "client_allowed_sans") {
      r = at(child, key + " is not supported by flowgate; use cert_file/key_file");
    }
    if (key == "client_auth_type") r = as_string(child, key, tls.client_auth_type);
    if (key == "client_ca_file") r = as_string(child, key, tls.client_ca_file);
    if (key == "cipher_suites") r = as_strings(child, key, tls.cipher_suites);
    if (key == "curve_preferences") r = as_strings(child, key, tls.curve_preferences);
    if (key == "min_version") r = as_string(child, key, tls.min_version);
    if (key == "max_version") r = as_string(child, key, tls.max_version);
    if (key == "prefer_server_cipher_suites") r = as_bool(child, key, tls.prefer_server_cipher_suites);
    if (!r) return r;
  }
  if (tls.client_auth_type.empty()) tls.client_auth_type = "NoClientCert";
  if (tls.client_auth_type != "NoClientCert" && tls.client_auth_type != "RequestClientCert" &&
      tls.client_auth_type != "RequireAnyClientCert" && tls.client_auth_type != "VerifyClientCertIfGiven" &&
      tls.client_auth_type != "RequireAndVerifyClientCert") {
    return WebConfigError("invalid ClientAuth \"" + tls.client_auth_type + "\"");
  }
  if (!is_tls_version(tls.min_version)) return WebConfigError("unknown TLS version: " + tls.min_version);
  if (!is_tls_version(tls.max_version)) return WebConfigError("unknown TLS version: " + tls.max_version);
  if (tls.cert_file.empty() && tls.key_file.empty()) return {};  // TLS stays disabled
  if (tls.cert_file.empty()) return WebConfigError("missing cert_file");
  if (tls.key_file.empty()) return WebConfigError("missing key_file");
  if (!tls.client_ca_file.empty() && tls.client_auth_type == "NoClientCert") {
    return WebConfigError("Client CA's have been configured without a Client Auth Policy");
  }
  config.tls = std::move(tls);
  return {};
}

Result parse_http(const YamlNode& node, WebConfig& config) {
  if (auto r = expect_keys(node, "web.HTTPConfig", {"http2", "headers"}); !r) return r;
  for (const auto& [key, child] : node.mapping) {
    if (key == "http2") {
      if (auto r = as_bool(child, key, config.http2); !r) return r;
      continue;
    }
    if (child.kind == YamlNode::Kind::null) continue;
    if (child.kind != YamlNode::Kind::mapping) return at(child, "headers must be a mapping");
    for (const auto& [name, value] : child.mapping) {
      if (name != "Content-Security-Policy" && name != "X-Frame-Options" && name != "X-Content-Type-Options" &&
          name != "X-XSS-Protection" && name != "Strict-Transport-Security") {
        return at(value, "HTTP header \"" + name + "\" can not be configured");
      }
      if (value.kind != YamlNode::Kind::scalar) return at(value, "header " + name + " must be a string");
      if (name == "X-Content-Type-Options" && value.scalar != "nosniff") {
        return at(value, "invalid value for X-Content-Type-Options. Expected nosniff");
      }
      if (name == "X-Frame-Options" && value.scalar != "deny" && value.scalar != "sameorigin") {
        return at(value, "invalid value for X-Frame-Options. Expected one of: [\"deny\", \"sameorigin\"]");
      }
      config.headers.emplace_back(name, value.scalar);
    }
  }
  return {};
}

}  // namespace

boost::system::result<WebConfig, WebConfigError> parse_web_config(std::string_view yaml) {
  auto document = parse_yaml_subset(yaml);
  if (!document) {
    return WebConfigError("line " + std::to_string(document.error().line) + ": " + document.error().message);
  }
  WebConfig config;
  const YamlNode& root = *document;
  if (auto r = expect_keys(root, "web.Config", {"tls_server_config", "http_server_config", "basic_auth_users"});
      !r) {
    return r.error();
  }
  for (const auto& [key, child] : root.mapping) {
    Result r;
    if (key == "tls_server_config") r = parse_tls(child, config);
    if (key == "http_server_config") r = parse_http(child, config);
    if (key == "basic_auth_users" && child.kind != YamlNode::Kind::null) {
      if (child.kind != YamlNode::Kind::mapping) return at(child, "basic_auth_users must be a mapping");
      for (const auto& [user, hash] : child.mapping) {
        if (hash.kind != YamlNode::Kind::scalar) return at(hash, "the hash of user " + user + " must be a string");
        config.basic_auth_users.emplace(user, hash.scalar);
      }
    }
    if (!r) return r.error();
  }
  return config;
}

boost::system::result<WebConfig, WebConfigError> load_web_config(const std::string& path) {
  auto text = read_config_file(path);
  if (!text) return WebConfigError("cannot read " + path);
  auto config = parse_web_config(*text);
  if (!config) return WebConfigError(path + ": " + config.error().message);
  if (config->tls) {
    auto folder = std::filesystem::path(path).parent_path();
    for (std::string* file : {&config->tls->cert_file, &config->tls->key_file, &config->tls->client_ca_file}) {
      if (!file->empty() && std::filesystem::path(*file).is_relative()) *file = (folder / *file).string();
    }
  }
  return config;
}

}  // namespace flowgate::exporter
