#include "exporter/groups_api.hpp"

#include <algorithm>
#include <cctype>

#include "exporter/query_params.hpp"
#include "exposition/names.hpp"
#include "pushgw/grouping_key.hpp"
#include "exporter/flags.hpp"
#include "pushgw/json_writer.hpp"

namespace flowgate::exporter {
namespace {

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool contains_folded(std::string_view text, std::string_view term) {
  return std::search(text.begin(), text.end(), term.begin(), term.end(),
                     [](char a, char b) { return lower(a) == lower(b); }) != text.end();
}

bool equals_folded(std::string_view a, std::string_view b) {
  return a.size() == b.size() && contains_folded(a, b);
}

bool term_matches(const pushgw::Group& group, std::string_view term) {
  const auto equals = term.find('=');
  if (equals != std::string_view::npos && equals > 0) {
    const auto name = term.substr(0, equals);
    const auto value = term.substr(equals + 1);
    return std::any_of(group.key.labels.begin(), group.key.labels.end(), [&](const exposition::Label& label) {
      return equals_folded(label.name, name) && contains_folded(label.value, value);
    });
  }
  const bool in_key = std::any_of(group.key.labels.begin(), group.key.labels.end(), [&](const exposition::Label& l) {
    return contains_folded(l.name, term) || contains_folded(l.value, term);
  });
  return in_key || std::any_of(group.families.begin(), group.families.end(),
                               [&](const pushgw::FamilyPtr& family) { return contains_folded(family->name, term); });
}

// The text block cut at the last line end within kMaxSampleBytes.
std::string_view samples_of(const pushgw::StoredFamily& family, bool& truncated) {
  std::string_view block = family.text_block;
  truncated = block.size() > kMaxSampleBytes;
  if (!truncated) return block;
  block = block.substr(0, kMaxSampleBytes);
  return block.substr(0, block.rfind('\n') + 1);
}

void write_families(pushgw::JsonWriter& json, const pushgw::Group& group) {
  json.StartArray();
  for (const auto& family : group.families) {
    bool truncated = false;
    json.StartObject();
    json.Key("name");
    pushgw::write_string(json, family->name);
    json.Key("type");
    pushgw::write_string(json, exposition::type_name(family->type));
    json.Key("help");
    pushgw::write_string(json, family->help);
    json.Key("series");
    json.Uint64(family->series_hashes.size());
    json.Key("samples");
    pushgw::write_string(json, samples_of(*family, truncated));
    json.Key("truncated");
    json.Bool(truncated);
    json.EndObject();
  }
  json.EndArray();
}

std::string_view state_of(const pushgw::Group& group, double age, double deadline) {
  if (!group.last_push_successful()) return "failed";
  if (group.push_time_seconds <= 0) return "never";
  return deadline > 0 && age > deadline ? "stale" : "fresh";
}

void write_group(pushgw::JsonWriter& json, const pushgw::Group& group, const GroupsView& view) {
  const double age = std::max(0.0, view.now_seconds - group.push_time_seconds);
  const double deadline = group_deadline_seconds(group, view.freshness);
  json.StartObject();
  json.Key("labels");
  json.StartArray();
  for (const auto& label : group.key.labels) {
    json.StartObject();
    json.Key("name");
    pushgw::write_string(json, label.name);
    json.Key("value");
    pushgw::write_string(json, label.value);
    json.EndObject();
  }
  json.EndArray();
  json.Key("delete_path");
  pushgw::write_string(json, pushgw::delete_path(group.key, view.names));
  json.Key("last_push");
  json.Double(group.push_time_seconds);
  json.Key("last_failure");
  json.Double(group.push_failure_time_seconds);
  json.Key("age");
  json.Double(age);
  json.Key("deadline");
  json.Double(deadline);
  json.Key("state");
  pushgw::write_string(json, state_of(group, age, deadline));
  json.Key("families");
  write_families(json, group);
  json.EndObject();
}

std::vector<std::string_view> terms_of(std::string_view match) {
  std::vector<std::string_view> terms;
  std::size_t at = 0;
  while (at < match.size()) {
    const auto start = match.find_first_not_of(" \t", at);
    if (start == std::string_view::npos) break;
    const auto end = std::min(match.find_first_of(" \t", start), match.size());
    terms.push_back(match.substr(start, end - start));
    at = end;
  }
  return terms;
}

}  // namespace

boost::system::result<GroupsQuery, std::string> parse_groups_query(std::string_view target) {
  auto params = query_params(target);
  if (!params) return params.error();
  GroupsQuery query;
  for (const auto& param : *params) {
    if (param.key == "offset") {
      if (!parse_count(param.value, query.offset)) {
        return "offset " + exposition::quoted_for_message(param.value) + ": must be a whole number of groups";
      }
    } else if (param.key == "limit") {
      if (!parse_count(param.value, query.limit) || query.limit == 0 || query.limit > kMaxGroupsPerPage) {
        return "limit " + exposition::quoted_for_message(param.value) + ": must be a whole number from 1 to " +
               std::to_string(kMaxGroupsPerPage);
      }
    } else if (param.key == "match") {
      query.match = param.value;
    } else {
      return "unknown parameter " + exposition::quoted_for_message(param.key) + " (known: offset, limit, match)";
    }
  }
  return query;
}

bool group_matches(const pushgw::Group& group, std::string_view match) {
  const auto terms = terms_of(match);
  return std::all_of(terms.begin(), terms.end(), [&group](std::string_view term) { return term_matches(group, term); });
}

std::string groups_json(const pushgw::Snapshot& snapshot, const GroupsQuery& query, const GroupsView& view) {
  std::vector<pushgw::GroupPtr> matched = snapshot.groups();
  if (!terms_of(query.match).empty()) {
    std::erase_if(matched, [&query](const pushgw::GroupPtr& group) { return !group_matches(*group, query.match); });
  }
  pushgw::JsonBuffer buffer;
  pushgw::JsonWriter json(buffer);
  json.StartObject();
  json.Key("status");
  json.String("success");
  json.Key("data");
  json.StartObject();
  json.Key("total");
  json.Uint64(snapshot.group_count());
  json.Key("matched");
  json.Uint64(matched.size());
  json.Key("offset");
  json.Uint64(query.offset);
  json.Key("limit");
  json.Uint64(query.limit);
  json.Key("now");
  json.Double(view.now_seconds);
  json.Key("groups");
  json.StartArray();
  // Both from the client: no sum that could wrap.
  const std::size_t first = std::min(query.offset, matched.size());
  const std::size_t end = first + std::min(query.limit, matched.size() - first);
  for (std::size_t i = first; i < end; ++i) write_group(json, *matched[i], view);
  json.EndArray();
  json.EndObject();
  json.EndObject();
  return pushgw::go_json(buffer);
}

}  // namespace flowgate::exporter
