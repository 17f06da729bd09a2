#pragma once
// An OTLP/HTTP metrics export as it arrives (POST /v1/metrics): the body
// inflated within PushLimits, decoded as protobuf or JSON by its
// Content-Type, and applied by OtlpIngest. The answer is what happened, as a
// value; the exporter shapes the OTLP reply. Thread-safe.

#include <optional>
#include <string_view>

#include <boost/system/result.hpp>

#include "pushgw/otlp_ingest.hpp"
#include "pushgw/push_error.hpp"
#include "pushgw/push_limits.hpp"

namespace flowgate::pushgw {

enum class OtlpEncoding { protobuf, json };

// application/x-protobuf or application/json (case and parameters aside);
// nullopt for anything else, which OTLP/HTTP answers with 415.
std::optional<OtlpEncoding> otlp_encoding(std::string_view content_type);

struct OtlpRequest {
  OtlpEncoding encoding = OtlpEncoding::protobuf;
  std::string_view content_encoding;  // gzip, snappy (framed) or identity; others: 415
  std::string_view body;              // as received
  double received_at = 0;             // Unix seconds
};

using OtlpOutcome = boost::system::result<OtlpIngestResult, PushError>;

// A body that does not decode is bad_body (400) naming the byte or the
// metric and the problem; the limits bound the decode (points per export:
// max_series_per_push; attributes per point: max_labels_per_series).
OtlpOutcome apply_otlp(const OtlpRequest& request, OtlpIngest& ingest, const PushLimits& limits,
                       const OtlpAuthorizer& authorize = {});

}  // namespace flowgate::pushgw
