#pragma once
// A push or delete as it arrives, applied to the store: the grouping key is
// decoded from the URL path, the body inflated and parsed within PushLimits,
// and the result handed to GroupStore. The answer is what happened, as a
// value: the commit ticket of the change, or the PushError saying why it was
// refused. Status codes, headers and reply bodies are the exporter's to shape.
// Thread-safe (the store is).

#include <optional>
#include <string>
#include <string_view>

#include <boost/system/result.hpp>

#include "pushgw/aggregation.hpp"
#include "pushgw/wal_writer.hpp"
#include "pushgw/group_store.hpp"
#include "pushgw/push_error.hpp"
#include "pushgw/push_limits.hpp"

namespace flowgate::pushgw {

struct PushRequest {
  PushMode mode = PushMode::replace_group;  // PUT replaces the group, POST the families pushed
  std::string_view path;                    // the grouping-key part of the URL path, from "job" on, still encoded
  std::string_view content_type;            // picks the parser (protobuf-delimited, OpenMetrics or text); may be empty
  std::string_view content_encoding;        // gzip, snappy (framed) or identity, in any case; others: 415
  std::string_view body;                    // as received
  double received_at = 0;                   // Unix seconds
  // Set: an aggregating push (the families are added onto the group's, by
  // these rules; `mode` does not matter). Unset: PUT/POST as the Pushgateway.
  std::optional<AggregationRules> aggregation;
  Idempotency idempotency;  // aggregating pushes only
  // The group's declared time to live from this push on (GroupStore::push);
  // unset: the group keeps the one it has.
  std::optional<double> group_ttl_seconds;
};

// The body as the parsers read it: inflated for gzip, unframed for snappy
// (the framing format, as the Pushgateway's snappy.NewReader reads it), as
// it is for identity or no Content-Encoding; at most `max_bytes` inflated.
// Any other encoding is refused (415): the Pushgateway would parse its bytes
// as plain text. The view points into `body` or `storage`.
boost::system::result<std::string_view, PushError> decoded_body(std::string_view content_encoding,
                                                                std::string_view body, std::size_t max_bytes,
                                                                std::string& storage);

// The change is in the store (and written to the WAL under the ticket), or it was
// refused and only what the Pushgateway records (a failure time) changed.
using ChangeOutcome = boost::system::result<CommitTicket, PushError>;

// `limits` are checked before the body is sanitized, rendered or hashed; a
// push over one changes nothing. A push our parser refuses for what the
// Pushgateway's consistency check would refuse records the group's failure
// time, as the Pushgateway does (only when the store checks consistency).
ChangeOutcome apply_push(const PushRequest& request, GroupStore& store, const PushLimits& limits);
// The same for a key the caller has already parsed from request.path with
// `limits` (e.g. to authorize it): the key is not parsed twice.
ChangeOutcome apply_push(const PushRequest& request, GroupingKey key, GroupStore& store, const PushLimits& limits);

// Removes the group of a valid grouping key (UTF-8, but not limited in size,
// so a group stored before a limit was lowered can still be deleted); a
// missing group is no error.
ChangeOutcome apply_delete(std::string_view path, GroupStore& store);
ChangeOutcome apply_delete(const GroupingKey& key, GroupStore& store);

}  // namespace flowgate::pushgw
