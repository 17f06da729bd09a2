#include "tests/fuzz/push_invariant.hpp"

#include <span>
#include <string_view>
#include <utility>

#include "exposition/assembler.hpp"
#include "exposition/names.hpp"
#include "exposition/protobuf_parser.hpp"
#include "exposition/text_parser.hpp"
#include "pushgw/api_json.hpp"
#include "pushgw/group_store.hpp"
#include "pushgw/grouping_key.hpp"
#include "pushgw/snapshot.hpp"

namespace flowgate::fuzz {
namespace {

using exposition::Format;

std::string joined(const exposition::AssembledBody& body) {
  std::string out;
  out.reserve(body.size());
  for (const std::string_view piece : body.pieces) out += piece;
  return out;
}

std::string scrape(const pushgw::Snapshot& snapshot, Format format,
                   exposition::NameEscaping escaping = exposition::NameEscaping::allow_utf8) {
  return joined(exposition::assemble(format, std::span(snapshot.merged(format, escaping, false))));
}

std::optional<std::string> name_violation(const exposition::Families& families, exposition::NameValidation names) {
  for (const auto& family : families) {
    if (!exposition::is_metric_name(family.name, names)) return "the scrape has the metric name " + family.name;
    for (const auto& metric : family.metrics) {
      for (const auto& label : metric.labels) {
        if (!exposition::is_label_name(label.name, names)) {
          return "the scrape has the label name " + label.name + " on " + family.name;
        }
      }
    }
  }
  return std::nullopt;
}

// What a legacy client (Prometheus 2) gets from a store with UTF-8 names:
// every name escaped into the metric-name grammar (label names too: as in
// prometheus/common, a ':' in a label name is left as it is).
std::optional<std::string> escaped_violation(const pushgw::Snapshot& snapshot) {
  exposition::ParseBounds any_names;
  any_names.names = exposition::NameValidation::utf8;
  auto protobuf =
      exposition::parse_protobuf(scrape(snapshot, Format::protobuf, exposition::NameEscaping::underscores), any_names);
  if (!protobuf) return "the escaped protobuf scrape does not parse: " + protobuf.error().describe();
  static_cast<void>(scrape(snapshot, Format::text, exposition::NameEscaping::values));
  static_cast<void>(scrape(snapshot, Format::openmetrics, exposition::NameEscaping::dots));
  for (const auto& family : *protobuf) {
    if (!exposition::is_metric_name(family.name)) return "the escaped scrape has the metric name " + family.name;
    for (const auto& metric : family.metrics) {
      for (const auto& label : metric.labels) {
        if (!exposition::is_metric_name(label.name)) return "the escaped scrape has the label name " + label.name;
      }
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> push_invariant_violation(exposition::Families families, exposition::NameValidation names) {
  pushgw::StoreOptions options;
  options.names = names;
  pushgw::GroupStore store{options};
  auto key = pushgw::parse_grouping_key("job/fuzz");
  if (!key) return "the fixed grouping key does not parse: " + key.error().message;
  constexpr double kNow = 1700000000;
  if (!store.push(pushgw::PushMode::replace_group, std::move(*key), std::move(families), kNow)) return std::nullopt;
  const auto snapshot = store.snapshot();

  const std::string text = scrape(*snapshot, Format::text);
  exposition::ParseBounds bounds;
  bounds.names = names;
  auto parsed = exposition::parse_text(text, bounds);
  if (!parsed) return "the text scrape does not parse: " + parsed.error().describe() + "\n" + text;
  if (auto violation = name_violation(*parsed, names)) return *violation + "\n" + text;

  // A Prometheus that negotiates protobuf reads the same store.
  auto protobuf = exposition::parse_protobuf(scrape(*snapshot, Format::protobuf), bounds);
  if (!protobuf) return "the protobuf scrape does not parse: " + protobuf.error().describe() + "\n" + text;
  if (names == exposition::NameValidation::utf8) {
    if (auto violation = escaped_violation(*snapshot)) return *violation + "\n" + text;
  }

  // Rendered for their side effects only: a crash, a hang or an allocation
  // the fuzzer's limits catch.
  static_cast<void>(scrape(*snapshot, Format::openmetrics));
  static_cast<void>(pushgw::api_metrics_json(*snapshot));
  return std::nullopt;
}

}  // namespace flowgate::fuzz
