#include "pushgw/push_request.hpp"

#include <locale>
#include <optional>
#include <string>

#include <boost/algorithm/string/predicate.hpp>

#include "exposition/gzip.hpp"
#include "exposition/names.hpp"
#include "exposition/openmetrics_parser.hpp"
#include "exposition/protobuf_parser.hpp"
#include "exposition/snappy.hpp"
#include "exposition/text_parser.hpp"
#include "pushgw/grouping_key.hpp"

namespace flowgate::pushgw {

namespace {

bool is_encoding(std::string_view content_encoding, std::string_view name) {
  return boost::algorithm::iequals(content_encoding, name, std::locale::classic());
}

// Which parser a body goes to, by its Content-Type.
enum class BodyFormat { text, protobuf, openmetrics };

BodyFormat body_format(std::string_view content_type) {
  if (exposition::is_protobuf_delimited(content_type)) return BodyFormat::protobuf;
  if (exposition::classify_openmetrics(content_type) != exposition::OpenMetricsContentType::other) {
    return BodyFormat::openmetrics;
  }
  return BodyFormat::text;
}

boost::system::result<exposition::Families, exposition::ParseError> parse_body(BodyFormat format, std::string_view body,
                                                                             const exposition::ParseBounds& bounds) {
  switch (format) {
    case BodyFormat::protobuf: return exposition::parse_protobuf(body, bounds);
    case BodyFormat::openmetrics: return exposition::parse_openmetrics(body, bounds);
    case BodyFormat::text: break;
  }
  return exposition::parse_text(body, bounds);
}

// The Pushgateway's prefix first, so scripts that grep for it keep working;
// then where exactly and which rule (and, for OpenMetrics, that it was read as such).
PushError parse_failure(const exposition::ParseError& error, BodyFormat format) {
  const std::string rule = error.rule.empty() ? "" : ", rule " + error.rule;
  if (format == BodyFormat::protobuf) {
    return {PushErrorKind::bad_body, "protobuf parsing error in family " + std::to_string(error.line) + ": " +
                                         error.message + " (byte " + std::to_string(error.column) + rule + ")"};
  }
  const std::string openmetrics = format == BodyFormat::openmetrics ? ", OpenMetrics 1.0" : "";
  return {PushErrorKind::bad_body, "text format parsing error in line " + std::to_string(error.line) + ": " +
                                       error.message + " (column " + std::to_string(error.column) + rule +
                                       openmetrics + ")"};
}

// A parser stopped at a bound of PushLimits: the limit's own refusal, with
// its flag named, as check_push_limits would give it.
std::optional<PushError> bound_failure(const exposition::ParseError& error, bool protobuf) {
  std::string_view rule = error.rule;
  if (rule.starts_with("protobuf-")) rule.remove_prefix(std::string_view("protobuf-").size());
  const std::string where = protobuf ? "family " + std::to_string(error.line) : "line " + std::to_string(error.line);
  if (rule == exposition::kTooManySeriesRule) {
    return PushError(PushErrorKind::too_many_series,
                     where + ": " + error.message + " (--push.max-series-per-push)");
  }
  if (rule == exposition::kTooManyLabelsRule) {
    return PushError(PushErrorKind::too_many_labels,
                     where + ": " + error.message + " (--push.max-labels-per-series)");
  }
  return std::nullopt;
}

// Problems our parsers find that the Pushgateway's parser lets through and
// its consistency check then refuses; the Pushgateway records those as a
// failed push of the group, so we do too. Names outside the grammar in a
// protobuf push are among them: the Pushgateway's gatherer refuses them.
bool is_consistency_rule(std::string_view rule) {
  return rule == "duplicate-series" || rule == "protobuf-invalid-utf8" || rule == "protobuf-metric-type-mismatch" ||
         rule == "protobuf-metric-name" || rule == "protobuf-label-name" || rule == "protobuf-label-reserved";
}

}  // namespace

// The body as the parsers read it: inflated for gzip, unframed for snappy
// (the framing format, as the Pushgateway's snappy.NewReader reads it), as
// it is for identity or no Content-Encoding. Any other encoding is refused
// (415): the Pushgateway would parse its bytes as plain text.
boost::system::result<std::string_view, PushError> decoded_body(std::string_view content_encoding,
                                                                std::string_view body, std::size_t max_bytes,
                                                                std::string& storage) {
  while (!content_encoding.empty() && content_encoding.front() == ' ') content_encoding.remove_prefix(1);
  while (!content_encoding.empty() && content_encoding.back() == ' ') content_encoding.remove_suffix(1);
  if (content_encoding.empty() || is_encoding(content_encoding, "identity")) return body;
  if (is_encoding(content_encoding, "gzip")) {
    auto gunzipped = exposition::gunzip(body, max_bytes);
    if (!gunzipped) {
      return PushError(gunzipped.error().output_too_large ? PushErrorKind::body_too_large : PushErrorKind::bad_body,
                       gunzipped.error().message);
    }
    storage = std::move(*gunzipped);
    return std::string_view(storage);
  }
  if (is_encoding(content_encoding, "snappy")) {
    auto unframed = exposition::snappy_uncompress_frames(body, max_bytes);
    if (!unframed) {
      return PushError(unframed.error().output_too_large ? PushErrorKind::body_too_large : PushErrorKind::bad_body,
                       unframed.error().message);
    }
    storage = std::move(*unframed);
    return std::string_view(storage);
  }
  return PushError(PushErrorKind::unsupported_encoding,
                   "Content-Encoding " + exposition::quoted_for_message(content_encoding) +
                       " is not one flowgate reads; send gzip, snappy (the framing format) or identity");
}

ChangeOutcome apply_push(const PushRequest& request, GroupStore& store, const PushLimits& limits) {
  auto key = parse_grouping_key(request.path, limits);
  if (!key) return key.error();
  return apply_push(request, std::move(*key), store, limits);
}

ChangeOutcome apply_push(const PushRequest& request, GroupingKey key, GroupStore& store, const PushLimits& limits) {
  std::string decoded;
  auto decoded_view = decoded_body(request.content_encoding, request.body, limits.max_body_bytes, decoded);
  if (!decoded_view) return decoded_view.error();
  const std::string_view body = *decoded_view;
  if (body.size() > limits.max_body_bytes) {
    return PushError(PushErrorKind::body_too_large,
                     "request body is larger than " + std::to_string(limits.max_body_bytes) + " bytes");
  }

  const BodyFormat format = body_format(request.content_type);
  if (exposition::classify_openmetrics(request.content_type) == exposition::OpenMetricsContentType::unknown_version) {
    return PushError(PushErrorKind::bad_body, "Content-Type " + exposition::quoted_for_message(request.content_type) +
                                                  " names an OpenMetrics version flowgate does not read; send "
                                                  "version=1.0.0 (or 0.0.1)");
  }
  // The parsers stop at these bounds; check_push_limits below finds the rest.
  const exposition::ParseBounds bounds{limits.max_series_per_push, limits.max_labels_per_series, limits.names};
  auto families = parse_body(format, body, bounds);
  if (!families) {
    const bool protobuf = format == BodyFormat::protobuf;
    if (auto bound = bound_failure(families.error(), protobuf)) return *bound;
    if (store.options().consistency_check && is_consistency_rule(families.error().rule)) {
      store.record_failure(key, request.received_at);
    }
    return parse_failure(families.error(), format);
  }
  // Before anything costs more than the body's size (sorting, rendering, hashing).
  if (auto within = check_push_limits(*families, limits); !within) return within.error();

  if (request.aggregation) {
    return store.aggregate(std::move(key), std::move(*families), *request.aggregation, request.received_at,
                           request.idempotency, request.group_ttl_seconds);
  }
  return store.push(request.mode, std::move(key), std::move(*families), request.received_at,
                    request.group_ttl_seconds);
}

ChangeOutcome apply_delete(std::string_view path, GroupStore& store) {
  auto key = parse_grouping_key(path, store.options().names);
  if (!key) return key.error();
  return apply_delete(*key, store);
}

ChangeOutcome apply_delete(const GroupingKey& key, GroupStore& store) { return store.remove(key); }

}  // namespace flowgate::pushgw
