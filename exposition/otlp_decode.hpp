#pragma once
// Decoders for OTLP/HTTP metrics bodies: binary protobuf
// (application/x-protobuf) and the OTLP JSON encoding (application/json).
// Pure functions, safe from any thread; a body either decodes whole or is
// refused with the first problem, naming the metric where there is one.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <boost/system/result.hpp>

#include "exposition/otlp_model.hpp"

namespace flowgate::exposition::otlp {

struct DecodeError {
  std::string rule;     // stable, kebab-case, e.g. "truncated-field", "histogram-bucket-count"
  std::string message;  // one sentence, naming the metric when the problem is inside one
  std::optional<std::size_t> byte;  // protobuf: 1-based offset of the problem

  // "byte 40: <message>" for protobuf positions, else the message.
  std::string describe() const;
};

boost::system::result<ExportRequest, DecodeError> decode_protobuf(std::string_view body,
                                                                  const DecodeBounds& bounds = {});
boost::system::result<ExportRequest, DecodeError> decode_json(std::string_view body, const DecodeBounds& bounds = {});

// Checks what both encodings must satisfy once decoded: histogram bucket
// counts match their bounds, bounds ascend, counts add up, quantiles lie in
// [0, 1], temporality is set where it matters. Shared by both decoders.
std::optional<DecodeError> check_request(const ExportRequest& request);

}  // namespace flowgate::exposition::otlp
