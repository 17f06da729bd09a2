#include "exporter/server/tls_context.hpp"

#include <openssl/ssl.h>

namespace flowgate::exporter {
namespace {

int openssl_version(std::string_view name) {
  if (name == "TLS10") return TLS1_VERSION;
  if (name == "TLS11") return TLS1_1_VERSION;
  if (name == "TLS12") return TLS1_2_VERSION;
  return TLS1_3_VERSION;
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

  context->use_certificate_chain_file(config.cert_file, ec);
  if (ec) return WebConfigError("failed to load X509KeyPair: cannot read certificate " + config.cert_file + ": " + ec.message());
  context->use_private_key_file(config.key_file, ssl::context::pem, ec);
  if (ec) return WebConfigError("failed to load X509KeyPair: cannot read key " + config.key_file + ": " + ec.message());
  if (!config.client_ca_file.empty()) {
    context->load_verify_file(config.client_ca_file, ec);
    if (ec) return WebConfigError("cannot read client_ca_file " + config.client_ca_file + ": " + ec.message());
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
