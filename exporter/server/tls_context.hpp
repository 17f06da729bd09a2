#pragma once
// An OpenSSL server context from web-config's tls_server_config: certificate
// chain and key, TLS version range, cipher suites (TLS 1.2 and older) and
// curves, client certificate policy and CA.

#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>
#include <boost/system/result.hpp>

#include "exporter/web_config.hpp"

namespace flowgate::exporter {

boost::system::result<std::shared_ptr<boost::asio::ssl::context>, WebConfigError> make_tls_context(
    const TlsServerConfig& config);

}  // namespace flowgate::exporter
