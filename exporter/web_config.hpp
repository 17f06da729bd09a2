#pragma once
// --web.config.file in the exporter-toolkit format: tls_server_config,
// http_server_config and basic_auth_users. Read as Prometheus 2.42's
// `promtool check web-config` reads it (yaml.v2 UnmarshalStrict through
// exporter/yaml_reader.hpp, then the toolkit's checks: header names and
// values, bcrypt hash shape and cost, cipher suite, curve and version names,
// which TLS fields go together), so a file one accepts the other accepts;
// tests/exporter/config_differential.py holds both to that. Loading the
// certificate and key is left to make_tls_context (server/tls_context.hpp).
// Values only; loading reads the file, nothing here keeps state.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/system/result.hpp>

#include "exposition/message_error.hpp"

namespace flowgate::exporter {

struct TlsServerConfig {
  std::string cert_file;
  std::string key_file;
  std::string client_auth_type = "NoClientCert";  // RequireClientCert is read as RequireAnyClientCert
  std::string client_ca_file;
  std::string min_version = "TLS12";
  std::string max_version = "TLS13";
  std::vector<std::string> cipher_suites;  // Go's names (exporter/tls_names.hpp)
  bool prefer_server_cipher_suites = true;
  std::vector<std::string> curve_preferences;
};

struct WebConfig {
  std::optional<TlsServerConfig> tls;  // set when cert_file and key_file are given
  std::map<std::string, std::string> basic_auth_users;  // user -> bcrypt hash
  std::vector<std::pair<std::string, std::string>> headers;  // http_server_config.headers
  bool http2 = true;  // accepted for compatibility; flowgate speaks HTTP/1.1
};

using WebConfigError = exposition::MessageError;  // names the line or key where there is one

boost::system::result<WebConfig, WebConfigError> parse_web_config(std::string_view yaml);
// Reads and parses `path`; relative cert/key/CA paths are taken relative to
// the file's folder, as the toolkit does.
boost::system::result<WebConfig, WebConfigError> load_web_config(const std::string& path);

}  // namespace flowgate::exporter
