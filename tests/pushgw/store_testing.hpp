#pragma once
// Small helpers shared by the pushgw tests: text bodies in, scrape text out.

#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "exposition/assembler.hpp"
#include "exposition/text_parser.hpp"
#include "pushgw/group_store.hpp"
#include "pushgw/grouping_key.hpp"
#include "pushgw/push_request.hpp"
#include "pushgw/snapshot.hpp"

namespace flowgate::pushgw::testing {

// The value, or T{} and a test failure. (Written as a conditional copy so
// release builds see no null path through result::operator->.)
template <typename T, typename E>
T value_or_fail(const boost::system::result<T, E>& result) {
  EXPECT_TRUE(result.has_value());
  return result ? *result : T{};
}

inline StoreOptions unchecked() {
  StoreOptions options;
  options.consistency_check = false;
  return options;
}

inline GroupingKey key(std::string_view path) {
  auto parsed = parse_grouping_key(path);
  EXPECT_TRUE(parsed) << path;
  return parsed ? *parsed : GroupingKey{};
}

inline exposition::Families text(std::string_view body) {
  auto parsed = exposition::parse_text(body);
  EXPECT_TRUE(parsed) << (parsed ? "" : parsed.error().describe());
  return parsed ? *parsed : exposition::Families{};
}

inline boost::system::result<CommitTicket, PushError> put(GroupStore& store, std::string_view path, std::string_view body,
                                                  double now = 100) {
  return store.push(PushMode::replace_group, key(path), text(body), now);
}

inline boost::system::result<CommitTicket, PushError> post(GroupStore& store, std::string_view path, std::string_view body,
                                                   double now = 100) {
  return store.push(PushMode::replace_families, key(path), text(body), now);
}

inline std::string scrape(const Snapshot& snapshot, exposition::Format format = exposition::Format::text) {
  const auto body = exposition::assemble(format, snapshot.merged(format));
  std::string out;
  for (auto piece : body.pieces) out += piece;
  return out;
}

inline std::string scrape(const GroupStore& store) { return scrape(*store.snapshot()); }

// A push as the exporter passes it (PUT replaces the group, POST the
// families), received at Unix second 100.
inline PushRequest request(std::string_view method, std::string_view path, std::string_view body) {
  PushRequest r;
  r.mode = method == "POST" ? PushMode::replace_families : PushMode::replace_group;
  r.path = path;
  r.body = body;
  r.received_at = 100;
  return r;
}

// The status code the exporter answers a refused change with.
inline int refused_status(const ChangeOutcome& outcome) {
  EXPECT_FALSE(outcome.has_value());
  return outcome ? 0 : http_status(outcome.error().kind);
}

}  // namespace flowgate::pushgw::testing
