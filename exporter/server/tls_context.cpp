#include "exporter/server/tls_context.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "exporter/tls_names.hpp"

namespace flowgate::exporter {
namespace {

int openssl_version(std::string_view name) {
  if (name == "TLS10") return TLS1_VERSION;
  if (name == "TLS11") return TLS1_1_VERSION;
  if (name == "TLS12") return TLS1_2_VERSION;
  return TLS1_3_VERSION;
}

// cipher_suites and curve_preferences in OpenSSL's spelling, colon-separated.
// The TLS 1.3 suites have no spelling: Go lets no config choose among them.
std::string openssl_list(const std::vector<std::string>& names,
                         std::optional<std::string_view> (*spelling)(std::string_view)) {
  std::string list;
  for (const auto& name : names) {
    auto openssl = spelling(name);
    if (!openssl || openssl->empty()) continue;
    if (!list.empty()) list += ':';
    list += *openssl;
  }
  return list;
}

boost::system::result<void, WebConfigError> apply_algorithms(SSL_CTX* native, const TlsServerConfig& config) {
  if (auto ciphers = openssl_list(config.cipher_suites, openssl_cipher_name);
      !ciphers.empty() && SSL_CTX_set_cipher_list(native, ciphers.c_str()) != 1) {
    return WebConfigError("tls_server_config.cipher_suites: OpenSSL takes none of " + ciphers);
  }
  if (auto groups = openssl_list(config.curve_preferences, openssl_group_name);
      !groups.empty() && SSL_CTX_set1_groups_list(native, groups.c_str()) != 1) {
    return WebConfigError("tls_server_config.curve_preferences: OpenSSL refuses " + groups);
  }
  return {};
}

// The client CAs as Go's CertPool.AppendCertsFromPEM takes them (and so the
// toolkit): every CERTIFICATE block of the file, anything else skipped, so a
// file without one trusts nobody rather than refusing the config. Only an
// unreadable file is an error.
boost::system::result<void, WebConfigError> trust_client_cas(SSL_CTX* native, const std::string& path) {
  std::unique_ptr<BIO, decltype(&BIO_free)> file(BIO_new_file(path.c_str(), "r"), BIO_free);
  if (!file) {
    ERR_clear_error();
    return WebConfigError("tls_server_config.client_ca_file: cannot read " + path);
  }
  X509_STORE* store = SSL_CTX_get_cert_store(native);
  while (X509* certificate = PEM_read_bio_X509(file.get(), nullptr, nullptr, nullptr)) {
    X509_STORE_add_cert(store, certificate);  // a duplicate is refused harmlessly
    X509_free(certificate);
  }
  ERR_clear_error();  // the end of the file, or a block that was not a certificate
  return {};
}

}  // namespace

boost::system::result<std::shared_ptr<boost::asio::ssl::context>, WebConfigError> make_tls_context(
    const TlsServerConfig& config) {
  namespace ssl = boost::asio::ssl;
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                           ssl::context::single_dh_use,
                       ec);
  SSL_CTX* native = context->native_handle();
  SSL_CTX_set_min_proto_version(native, openssl_version(config.min_version));
  SSL_CTX_set_max_proto_version(native, openssl_version(config.max_version));
  if (config.prefer_server_cipher_suites) SSL_CTX_set_options(native, SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (auto applied = apply_algorithms(native, config); !applied) return applied.error();

  context->use_certificate_chain_file(config.cert_file, ec);
  if (ec) {
    return WebConfigError("tls_server_config.cert_file: failed to load X509KeyPair: cannot read certificate " +
                          config.cert_file + ": " + ec.message());
  }
  context->use_private_key_file(config.key_file, ssl::context::pem, ec);
  if (ec) {
    return WebConfigError("tls_server_config.key_file: failed to load X509KeyPair: cannot read key " +
                          config.key_file + ": " + ec.message());
  }
  if (!config.client_ca_file.empty()) {
    if (auto trusted = trust_client_cas(native, config.client_ca_file); !trusted) return trusted.error();
  }

  const std::string& policy = config.client_auth_type;
  auto accept_any = [](bool, ssl::verify_context&) { return true; };
  if (policy == "RequestClientCert") {
    context->set_verify_mode(ssl::verify_peer);
    context->set_verify_callback(accept_any);
  } else if (policy == "RequireAnyClientCert") {
    context->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
    context->set_verify_callback(accept_any);
  } else if (policy == "VerifyClientCertIfGiven") {
    context->set_verify_mode(ssl::verify_peer);
  } else if (policy == "RequireAndVerifyClientCert") {
    context->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  } else {
    context->set_verify_mode(ssl::verify_none);
  }
  return context;
}

}  // namespace flowgate::exporter
