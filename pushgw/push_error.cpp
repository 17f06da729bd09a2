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
  }
  return 500;
}

}  // namespace flowgate::pushgw
