#pragma once
// Why a push, delete or admin request was refused. One enumerator per
// rejection kind; http_status() is the one place a kind becomes a status code.

#include <string>
#include <string_view>
#include <utility>

namespace flowgate::pushgw {

enum class PushErrorKind {
  bad_grouping_key,   // the URL's job/label part is malformed (odd components, bad base64, bad name): 400
  bad_body,           // the body does not parse (text or protobuf) or gzip is broken: 400
  // A push option in a header or grouping label (gauge rule, idempotency
  // key, group TTL) is malformed or out of bounds: 400
  bad_push_option,
  body_too_large,     // the (inflated) body is over the limit: 413
  unsupported_encoding,  // a Content-Encoding other than gzip, snappy or identity: 415
  has_timestamp,      // a pushed sample carries a timestamp: 400
  inconsistent,       // type/duplicate/name/own-metric conflict with what is stored: 400
  storage_failure,    // the change could not be written to the log (e.g. disk full); nothing changed: 500
  storage_unavailable,  // the log failed to sync earlier and refuses changes until a restart: 503
  // Limits (pushgw/push_limits.hpp); a refused push changes nothing, not even push_failure_time_seconds.
  too_many_labels,           // a series carries more labels than --push.max-labels-per-series: 400
  too_many_grouping_labels,  // the URL has more labels than --push.max-grouping-labels: 400
  label_name_too_long,       // a label name is longer than --push.max-label-name-bytes: 400
  label_value_too_long,      // a label value or metric name is longer than --push.max-label-value-bytes: 400
  too_many_series,           // the push has more series than --push.max-series-per-push: 413
  group_too_large,           // the group would hold more series than --push.max-series-per-group: 413
  too_many_groups,           // a new group while --push.max-groups are stored: 429
  store_full,                // the store would grow past --push.max-store-bytes: 429
  forbidden,                 // the caller may not change the group (--web.authorization.file): 403
};

struct PushError {
  PushError() = default;
  PushError(PushErrorKind error_kind, std::string sentence) : kind(error_kind), message(std::move(sentence)) {}
  PushErrorKind kind = PushErrorKind::bad_body;
  std::string message;  // names the line and the rule where there is one
};

int http_status(PushErrorKind kind);

// The enumerator's name ("bad_body", ...): the `reason` label of
// flowgate_push_rejections_total and of the log line.
std::string_view name(PushErrorKind kind);

}  // namespace flowgate::pushgw
