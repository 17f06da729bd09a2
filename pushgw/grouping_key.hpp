#pragma once
// The grouping key of a push URL, decoded as the Pushgateway decodes it:
// /metrics/job/<JOB>{/<LABEL>/<VALUE>}, `@base64` (URL-safe alphabet, padding
// optional, `=` for the empty value) and percent-encoding. One function used
// by PUT, POST and DELETE alike.

#include <string>
#include <string_view>

#include <boost/system/result.hpp>

#include "exposition/model.hpp"
#include "exposition/names.hpp"
#include "pushgw/push_error.hpp"
#include "pushgw/push_limits.hpp"

namespace flowgate::pushgw {

struct GroupingKey {
  exposition::Labels labels;  // sorted by name, unique names, `job` included

  // The group's identity: "name\xFFvalue\xFFname\xFFvalue" (the
  // Pushgateway's) with every 0xFE byte of a name or value written as FE 00
  // and every 0xFF as FE 01, so two different keys never share an id. For
  // keys with UTF-8 values (every key parse_grouping_key accepts; UTF-8 has
  // neither byte) it is exactly the Pushgateway's string. Groups are ordered
  // by it wherever an order is needed.
  std::string id() const;
  friend bool operator==(const GroupingKey&, const GroupingKey&) = default;
};

// `path` is the raw (still percent-encoded) request path after the route
// prefix and "/metrics/", e.g. "job/etl/instance/host%201" or
// "job@base64/ZXRs/path@base64/L3Zhci90bXA". Every value must be valid
// UTF-8; label names follow `names`, and with UTF-8 names a name may also be
// spelled in values escaping ("U__a_2e_b" is "a.b"), as the Pushgateway 1.11
// reads it. Errors are bad_grouping_key. O(path) plus O(n log n) in the labels.
boost::system::result<GroupingKey, PushError> parse_grouping_key(
    std::string_view path, exposition::NameValidation names = exposition::NameValidation::legacy);
// The same within `limits` (max_grouping_labels, max_label_name_bytes,
// max_label_value_bytes; names), checked before the labels are sorted; errors are
// also too_many_grouping_labels, label_name_too_long, label_value_too_long.
boost::system::result<GroupingKey, PushError> parse_grouping_key(std::string_view path, const PushLimits& limits);

// The reverse, as the Pushgateway's UI spells a group's delete URL: every
// value `@base64`, unpadded and then one '=' ("job@base64/ZXRs=/path@base64/L3Zhci90bXA="),
// so empty values ("=") and slashes survive; a label name outside the legacy
// grammar (or, with UTF-8 names, starting with "U__") values-escaped, so the
// path holds only [a-zA-Z0-9_:@/=-] (safe in a URL and a page's script).
// parse_grouping_key(delete_path(k, names), names) == k for every key parsed with `names`.
std::string delete_path(const GroupingKey& key,
                        exposition::NameValidation names = exposition::NameValidation::legacy);

}  // namespace flowgate::pushgw
