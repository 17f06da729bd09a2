#pragma once
// Prefect tags as labels (--prefect.tag-labels). Tags are free strings; the
// ones of the form `key:value` whose key is on the allow-list become the
// label `tag_<key>="<value>"` (split at the first ':'), and a bare tag equal
// to an allowed key becomes `tag_<key>="true"`. A run without such a tag
// has the label empty. Each label keeps at most `values_per_label` distinct
// values; later new values read "other". A value that is not valid UTF-8
// cannot be a label value and is skipped (counted, with a sentence). Pure;
// the state is the caller's.

#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace flowgate::collectors::prefect {

// The comma-separated allow-list, trimmed, empty entries dropped.
std::vector<std::string> split_tag_labels(std::string_view list);

// A sentence naming the first entry that cannot follow `tag_` in a label
// name ([a-zA-Z0-9_]+) or is given twice; nullopt when all are fine.
std::optional<std::string> check_tag_labels(const std::vector<std::string>& keys);

// What the tag labels have used and refused so far (kept across polls).
struct TagLabelState {
  std::map<std::string, std::set<std::string>> values;  // key -> values handed out
  // reason ("invalid_utf8", "over_limit") -> distinct tags refused or cut to "other".
  std::map<std::string, double> refused;
  std::set<std::string> refused_tags;  // those tags (at most kMaxRemembered)
  std::string last_refusal;            // a sentence about the latest one
};

// The label values for one run's (or deployment's) tags, in the order of
// `keys`.
std::vector<std::string> tag_label_values(const std::vector<std::string>& tags, const std::vector<std::string>& keys,
                                          std::size_t values_per_label, TagLabelState& state);

// `tag_<key>` for each key.
std::vector<std::string> tag_label_names(const std::vector<std::string>& keys);

}  // namespace flowgate::collectors::prefect
