#pragma once
// The cipher suite and curve names tls_server_config takes (Go's crypto/tls
// names, as the exporter-toolkit of Prometheus 2.42 accepts them) and their
// OpenSSL spellings. Pure lookups.

#include <optional>
#include <string_view>

namespace flowgate::exporter {

// The OpenSSL name of a cipher suite in Go's tls.CipherSuites(); nullopt for
// a name the toolkit refuses. The TLS 1.3 suites map to "": Go does not let a
// config choose among them, so neither does flowgate.
std::optional<std::string_view> openssl_cipher_name(std::string_view go_name);

// The OpenSSL group name of a curve_preferences entry (CurveP256, CurveP384,
// CurveP521, X25519); nullopt for any other name.
std::optional<std::string_view> openssl_group_name(std::string_view go_name);

}  // namespace flowgate::exporter
