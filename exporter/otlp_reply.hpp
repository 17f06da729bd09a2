#pragma once
// The replies of OTLP/HTTP (opentelemetry-proto's otlp/v1 HTTP spec), in the
// encoding of the request: an ExportMetricsServiceResponse (with
// partial_success when points were refused) for an export taken, a
// google.rpc.Status for one refused. Pure functions.

#include <cstdint>
#include <string>
#include <string_view>

#include "pushgw/otlp_request.hpp"

namespace flowgate::exporter {

// The Content-Type of a reply in `encoding`.
std::string_view otlp_content_type(pushgw::OtlpEncoding encoding);

// ExportMetricsServiceResponse; empty (protobuf) or "{}" (JSON) without rejections.
std::string otlp_export_response(pushgw::OtlpEncoding encoding, std::uint64_t rejected_points,
                                 std::string_view error_message);

// google.rpc.Status{code, message}; `code` is a gRPC code (3 = INVALID_ARGUMENT).
std::string otlp_status(pushgw::OtlpEncoding encoding, int code, std::string_view message);

// The gRPC code the OTLP spec pairs with an HTTP status (400 → 3, 429 → 8, …).
int grpc_code_of(int http_status);

}  // namespace flowgate::exporter
