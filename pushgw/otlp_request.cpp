#include "pushgw/otlp_request.hpp"

#include <locale>
#include <string>

#include <boost/algorithm/string/predicate.hpp>

#include "exposition/otlp_decode.hpp"
#include "pushgw/push_request.hpp"

namespace flowgate::pushgw {

namespace {

// Explicit or exponential buckets of one point: far above what an SDK sends
// (160 exponential buckets by default), low enough to bound the decode.
constexpr std::size_t kMaxBucketsPerPoint = 4096;

std::string_view media_type(std::string_view content_type) {
  content_type = content_type.substr(0, content_type.find(';'));
  while (!content_type.empty() && content_type.back() == ' ') content_type.remove_suffix(1);
  while (!content_type.empty() && content_type.front() == ' ') content_type.remove_prefix(1);
  return content_type;
}

}  // namespace

std::optional<OtlpEncoding> otlp_encoding(std::string_view content_type) {
  const auto type = media_type(content_type);
  const auto& c_locale = std::locale::classic();
  if (boost::algorithm::iequals(type, "application/x-protobuf", c_locale)) return OtlpEncoding::protobuf;
  if (boost::algorithm::iequals(type, "application/json", c_locale)) return OtlpEncoding::json;
  return std::nullopt;
}

OtlpOutcome apply_otlp(const OtlpRequest& request, OtlpIngest& ingest, const PushLimits& limits,
                       const OtlpAuthorizer& authorize) {
  std::string storage;
  auto body = decoded_body(request.content_encoding, request.body, limits.max_body_bytes, storage);
  if (!body) return body.error();
  if (body->size() > limits.max_body_bytes) {
    return PushError(PushErrorKind::body_too_large,
                     "request body is larger than " + std::to_string(limits.max_body_bytes) + " bytes");
  }
  const exposition::otlp::DecodeBounds bounds{limits.max_series_per_push, limits.max_labels_per_series,
                                              kMaxBucketsPerPoint};
  auto decoded = request.encoding == OtlpEncoding::protobuf ? exposition::otlp::decode_protobuf(*body, bounds)
                                                            : exposition::otlp::decode_json(*body, bounds);
  if (!decoded) {
    const auto& error = decoded.error();
    const auto kind = error.rule == "too-many-points"       ? PushErrorKind::too_many_series
                      : error.rule == "too-many-attributes" ? PushErrorKind::too_many_labels
                                                            : PushErrorKind::bad_body;
    return PushError(kind,
                     "OTLP " + std::string(request.encoding == OtlpEncoding::protobuf ? "protobuf" : "JSON") +
                         " body refused: " + error.describe() + " (rule " + error.rule + ")");
  }
  return ingest.ingest(*decoded, request.received_at, authorize);
}

}  // namespace flowgate::pushgw
