#include "exporter/otlp_reply.hpp"

#include "exposition/protobuf_encoder.hpp"
#include "pushgw/json_writer.hpp"

namespace flowgate::exporter {

namespace pb = exposition::wire;

std::string_view otlp_content_type(pushgw::OtlpEncoding encoding) {
  return encoding == pushgw::OtlpEncoding::protobuf ? "application/x-protobuf" : "application/json";
}

std::string otlp_export_response(pushgw::OtlpEncoding encoding, std::uint64_t rejected_points,
                                 std::string_view error_message) {
  const bool partial = rejected_points > 0 || !error_message.empty();
  if (encoding == pushgw::OtlpEncoding::protobuf) {
    if (!partial) return {};
    std::string success;
    if (rejected_points > 0) pb::put_uint(1, rejected_points, success);
    if (!error_message.empty()) pb::put_string(2, error_message, success);
    std::string out;
    pb::put_string(1, success, out);  // partial_success, a message: length-delimited like a string
    return out;
  }
  pushgw::JsonBuffer buffer;
  pushgw::JsonWriter json(buffer);
  json.StartObject();
  if (partial) {
    json.Key("partialSuccess");
    json.StartObject();
    json.Key("rejectedDataPoints");  // int64: a string in proto3's JSON mapping
    pushgw::write_string(json, std::to_string(rejected_points));
    json.Key("errorMessage");
    pushgw::write_string(json, error_message);
    json.EndObject();
  }
  json.EndObject();
  return buffer.GetString();
}

std::string otlp_status(pushgw::OtlpEncoding encoding, int code, std::string_view message) {
  if (encoding == pushgw::OtlpEncoding::protobuf) {
    std::string out;
    pb::put_uint(1, static_cast<std::uint64_t>(code), out);
    pb::put_string(2, message, out);
    return out;
  }
  pushgw::JsonBuffer buffer;
  pushgw::JsonWriter json(buffer);
  json.StartObject();
  json.Key("code");
  json.Int(code);
  json.Key("message");
  pushgw::write_string(json, message);
  json.EndObject();
  return buffer.GetString();
}

int grpc_code_of(int http_status) {
  switch (http_status) {
    case 400: return 3;   // INVALID_ARGUMENT
    case 403: return 7;   // PERMISSION_DENIED
    case 413: return 8;   // RESOURCE_EXHAUSTED
    case 415: return 3;
    case 429: return 8;
    case 503: return 14;  // UNAVAILABLE
    default: return 13;   // INTERNAL
  }
}

}  // namespace flowgate::exporter
