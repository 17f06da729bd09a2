#include "pushgw/push_error.hpp"

namespace flowgate::pushgw {

int http_status(PushErrorKind kind) {
  switch (kind) {
    case PushErrorKind::bad_grouping_key:
    case PushErrorKind::bad_body:
    case PushErrorKind::has_timestamp:
    case PushErrorKind::inconsistent:
      return 400;
    case PushErrorKind::body_too_large:
      return 413;
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
    case PushErrorKind::body_too_large: return "body_too_large";
    case PushErrorKind::has_timestamp: return "has_timestamp";
    case PushErrorKind::inconsistent: return "inconsistent";
    case PushErrorKind::storage_failure: return "storage_failure";
    case PushErrorKind::storage_unavailable: return "storage_unavailable";
  }
  return "bad_body";
}

}  // namespace flowgate::pushgw
