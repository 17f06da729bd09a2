#include "exporter/web_config.hpp"

#include <array>
#include <charconv>
#include <filesystem>

#include "exporter/tls_names.hpp"
#include "exporter/yaml_reader.hpp"

namespace flowgate::exporter {
namespace {

using Result = boost::system::result<void, WebConfigError>;

WebConfigError at(const YamlField& field, std::string_view sentence) {
  return WebConfigError("line " + std::to_string(field.line) + ": " + field.path + ": " + std::string(sentence));
}

WebConfigError unknown_field(const YamlField& field, std::string_view type_name) {
  return at(field, "field " + field.key + " not found in " + std::string(type_name));
}

Result read_string(const YamlField& field, std::string& out) {
  auto text = yaml_string(field.value, field.path);
  if (!text) return text.error();
  out = std::move(*text);
  return {};
}

Result read_version(const YamlField& field, std::string& out) {
  if (field.value.IsNull()) return {};  // yaml.v2 leaves Go's default in place
  std::string version;
  if (auto read = read_string(field, version); !read) return read;
  if (version != "TLS10" && version != "TLS11" && version != "TLS12" && version != "TLS13") {
    return at(field, "unknown TLS version \"" + version + "\" (expected TLS10, TLS11, TLS12 or TLS13)");
  }
  out = std::move(version);
  return {};
}

using NameLookup = std::optional<std::string_view> (*)(std::string_view);

// cipher_suites or curve_preferences: a list of names `known` knows.
Result read_names(const YamlField& field, NameLookup known, std::string_view what, std::vector<std::string>& out) {
  auto items = yaml_sequence(field.value, field.path);
  if (!items) return items.error();
  out.clear();  // a later entry replaces the list, as yaml.v2 does
  for (std::size_t i = 0; i < items->size(); ++i) {
    const std::string item_path = field.path + "[" + std::to_string(i) + "]";
    auto name = yaml_string((*items)[i], item_path);
    if (!name) return name.error();
    if (!known(*name)) return yaml_error((*items)[i], item_path, "unknown " + std::string(what) + " \"" + *name + "\"");
    out.push_back(std::move(*name));
  }
  return {};
}

Result read_client_auth(const YamlField& field, std::string& out) {
  static constexpr std::array<std::string_view, 7> kPolicies = {
      "", "NoClientCert", "RequestClientCert", "RequireAnyClientCert", "RequireClientCert",
      "VerifyClientCertIfGiven", "RequireAndVerifyClientCert"};
  if (auto read = read_string(field, out); !read) return read;
  for (auto policy : kPolicies) {
    if (out == policy) return {};
  }
  return at(field, "invalid ClientAuth \"" + out + "\" (expected NoClientCert, RequestClientCert, "
                   "RequireAnyClientCert, VerifyClientCertIfGiven or RequireAndVerifyClientCert)");
}

Result read_tls_field(const YamlField& field, TlsServerConfig& tls) {
  const std::string& key = field.key;
  if (key == "cert_file") return read_string(field, tls.cert_file);
  if (key == "key_file") return read_string(field, tls.key_file);
  if (key == "client_auth_type") return read_client_auth(field, tls.client_auth_type);
  if (key == "client_ca_file") return read_string(field, tls.client_ca_file);
  if (key == "cipher_suites") return read_names(field, openssl_cipher_name, "cipher suite", tls.cipher_suites);
  if (key == "curve_preferences") return read_names(field, openssl_group_name, "curve", tls.curve_preferences);
  if (key == "min_version") return read_version(field, tls.min_version);
  if (key == "max_version") return read_version(field, tls.max_version);
  if (key == "prefer_server_cipher_suites") {
    auto value = yaml_bool(field.value, field.path);
    if (!value) return value.error();
    tls.prefer_server_cipher_suites = *value;
    return {};
  }
  return unknown_field(field, "web.TLSConfig");
}

// The toolkit's rules on which fields go together: TLS is on when any of
// cert_file, key_file, client_auth_type and client_ca_file is given, and then
// needs both files.
Result read_tls(const YamlField& section, WebConfig& config) {
  auto fields = yaml_mapping(section.value, section.path, "web.TLSConfig", YamlKeys::struct_fields);
  if (!fields) return fields.error();
  TlsServerConfig tls;
  tls.client_auth_type.clear();
  for (const auto& field : *fields) {
    if (auto read = read_tls_field(field, tls); !read) return read;
  }
  if (tls.cert_file.empty() && tls.key_file.empty() && tls.client_auth_type.empty() && tls.client_ca_file.empty()) {
    return {};
  }
  if (tls.cert_file.empty()) return at(section, "missing cert_file");
  if (tls.key_file.empty()) return at(section, "missing key_file");
  if (tls.client_auth_type.empty()) tls.client_auth_type = "NoClientCert";
  if (tls.client_auth_type == "RequireClientCert") tls.client_auth_type = "RequireAnyClientCert";  // the old name
  if (!tls.client_ca_file.empty() && tls.client_auth_type == "NoClientCert") {
    return at(section, "client_ca_file is set without a client_auth_type that asks for client certificates");
  }
  config.tls = std::move(tls);
  return {};
}

Result read_header(const YamlField& field, WebConfig& config) {
  auto value = yaml_string(field.value, field.path);
  if (!value) return value.error();
  const std::string& name = field.key;
  if (name != "Content-Security-Policy" && name != "X-Frame-Options" && name != "X-Content-Type-Options" &&
      name != "X-XSS-Protection" && name != "Strict-Transport-Security") {
    return at(field, "HTTP header \"" + name + "\" can not be configured (allowed: Content-Security-Policy, "
                     "X-Frame-Options, X-Content-Type-Options, X-XSS-Protection, Strict-Transport-Security)");
  }
  if (name == "X-Content-Type-Options" && *value != "nosniff") {
    return at(field, "invalid value \"" + *value + "\" for X-Content-Type-Options. Expected nosniff");
  }
  if (name == "X-Frame-Options" && *value != "deny" && *value != "sameorigin") {
    return at(field, "invalid value \"" + *value + "\" for X-Frame-Options. Expected one of: deny, sameorigin");
  }
  config.headers.emplace_back(name, std::move(*value));
  return {};
}

Result read_http(const YamlField& section, WebConfig& config) {
  auto fields = yaml_mapping(section.value, section.path, "web.HTTPConfig", YamlKeys::struct_fields);
  if (!fields) return fields.error();
  config.http2 = !section.value.IsNull();  // yaml.v2 zeroes a null section
  for (const auto& field : *fields) {
    if (field.key == "http2") {
      auto value = yaml_bool(field.value, field.path);
      if (!value) return value.error();
      config.http2 = *value;
    } else if (field.key == "headers") {
      auto headers = yaml_mapping(field.value, field.path, "map[string]string", YamlKeys::map_keys);
      if (!headers) return headers.error();
      config.headers.clear();
      for (const auto& header : *headers) {
        if (auto read = read_header(header, config); !read) return read;
      }
    } else {
      return unknown_field(field, "web.HTTPConfig");
    }
  }
  return {};
}

// What Go's bcrypt.Cost refuses in a hash, as the toolkit checks each
// basic_auth_users entry; empty when it takes the hash.
std::string bcrypt_problem(std::string_view hash) {
  if (hash.size() < 59) return "too short to be a bcrypt hash (59 characters or more)";
  if (hash[0] != '$') return "a bcrypt hash starts with '$'";
  if (hash[1] > '2') return "bcrypt version '" + std::string(1, hash[1]) + "' is newer than version 2";
  std::string_view cost_text = hash.substr(hash[2] == '$' ? 3 : 4, 2);
  if (cost_text.front() == '+') cost_text.remove_prefix(1);  // Go's Atoi takes a sign
  int cost = 0;
  auto [end, error] = std::from_chars(cost_text.data(), cost_text.data() + cost_text.size(), cost);
  if (error != std::errc() || end != cost_text.data() + cost_text.size()) return "the bcrypt cost is not a number";
  if (cost < 4 || cost > 31) return "bcrypt cost " + std::to_string(cost) + " is outside the allowed range (4,31)";
  return {};
}

Result read_users(const YamlField& section, WebConfig& config) {
  auto users = yaml_mapping(section.value, section.path, "map[string]config.Secret", YamlKeys::map_keys);
  if (!users) return users.error();
  config.basic_auth_users.clear();
  for (const auto& user : *users) {
    std::string hash;
    if (auto read = read_string(user, hash); !read) return read;
    if (auto problem = bcrypt_problem(hash); !problem.empty()) return at(user, problem);
    config.basic_auth_users[user.key] = std::move(hash);
  }
  return {};
}

}  // namespace

boost::system::result<WebConfig, WebConfigError> parse_web_config(std::string_view yaml) {
  auto document = parse_yaml_document(yaml);
  if (!document) return document.error();
  auto sections = yaml_mapping(*document, "", "web.Config", YamlKeys::struct_fields);
  if (!sections) return sections.error();
  WebConfig config;
  for (const auto& section : *sections) {
    Result read;
    if (section.key == "tls_server_config") {
      config.tls.reset();
      read = read_tls(section, config);
    } else if (section.key == "http_server_config") {
      read = read_http(section, config);
    } else if (section.key == "basic_auth_users") {
      read = read_users(section, config);
    } else {
      read = unknown_field(section, "web.Config");
    }
    if (!read) return read.error();
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
