#include "pushgw/push_error.hpp"

namespace flowgate::pushgw {

int http_status(PushErrorKind kind) {
  switch (kind) {
    case PushErrorKind::bad_grouping_key:
    case PushErrorKind::bad_body:
    case PushErrorKind::bad_push_option:
    case PushErrorKind::has_timestamp:
    case PushErrorKind::inconsistent:
    case PushErrorKind::too_many_labels:
    case PushErrorKind::too_many_grouping_labels:
    case PushErrorKind::label_name_too_long:
    case PushErrorKind::label_value_too_long:
      return 400;
    case PushErrorKind::body_too_large:
    case PushErrorKind::too_many_series:
    case PushErrorKind::group_too_large:
      return 413;
    case PushErrorKind::forbidden:
      return 403;
    case PushErrorKind::unsupported_encoding:
      return 415;
    case PushErrorKind::too_many_groups:
    case PushErrorKind::store_full:
      return 429;
    case PushErrorKind::storage_failure:
      return 500;
    case PushErrorKind::storage_unavailable:
      return 503;
  }
  return 500;
}

std::string_view name(PushErrorKind kind) {
  switch (kind) {
    case PushErrorKind::bad_grouping_key: return "bad_grouping_key";
    case PushErrorKind::bad_body: return "bad_body";
    case PushErrorKind::bad_push_option: return "bad_push_option";
    case PushErrorKind::body_too_large: return "body_too_large";
    case PushErrorKind::unsupported_encoding: return "unsupported_encoding";
    case PushErrorKind::has_timestamp: return "has_timestamp";
    case PushErrorKind::inconsistent: return "inconsistent";
    case PushErrorKind::storage_failure: return "storage_failure";
    case PushErrorKind::storage_unavailable: return "storage_unavailable";
    case PushErrorKind::too_many_labels: return "too_many_labels";
    case PushErrorKind::too_many_grouping_labels: return "too_many_grouping_labels";
    case PushErrorKind::label_name_too_long: return "label_name_too_long";
    case PushErrorKind::label_value_too_long: return "label_value_too_long";
    case PushErrorKind::too_many_series: return "too_many_series";
    case PushErrorKind::group_too_large: return "group_too_large";
    case PushErrorKind::too_many_groups: return "too_many_groups";
    case PushErrorKind::store_full: return "store_full";
    case PushErrorKind::forbidden: return "forbidden";
  }
  return "bad_body";
}

}  // namespace flowgate::pushgw
