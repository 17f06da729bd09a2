#include "exporter/admin_delete.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include <boost/url/pct_string_view.hpp>

#include "exporter/group_selector.hpp"
#include "exposition/names.hpp"
#include "pushgw/json_writer.hpp"

namespace flowgate::exporter {

namespace {

struct DeleteQuery {
  std::vector<GroupSelector> selectors;
  bool dry_run = false;
};

Reply bad_request(std::string message) {
  Reply reply;
  reply.status = 400;
  reply.content_type = "application/json";
  pushgw::JsonBuffer buffer;
  pushgw::JsonWriter json(buffer);
  json.StartObject();
  json.Key("status");
  json.String("error");
  json.Key("errorType");
  json.String("bad_data");
  json.Key("error");
  pushgw::write_string(json, message);
  json.EndObject();
  reply.body = pushgw::go_json(buffer);
  return reply;
}

// One query component percent-decoded, '+' as a space (as Go's
// url.ParseQuery reads them, so `match[]=` may come with raw brackets).
std::optional<std::string> decoded(std::string_view component) {
  std::string plus_as_space(component);
  std::replace(plus_as_space.begin(), plus_as_space.end(), '+', ' ');
  auto encoded = boost::urls::make_pct_string_view(plus_as_space);
  if (!encoded) return std::nullopt;
  return encoded->decode();
}

struct QueryParam {
  std::string key;
  std::string value;
};

boost::system::result<std::vector<QueryParam>, std::string> query_params(std::string_view target) {
  std::vector<QueryParam> params;
  const auto question = target.find('?');
  std::string_view query = question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto equals = pair.find('=');
    auto key = decoded(pair.substr(0, equals));
    auto value = decoded(equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1));
    if (!key || !value) return "query " + exposition::quoted_for_message(pair) + ": bad percent-encoding";
    params.push_back({std::move(*key), std::move(*value)});
  }
  return params;
}

boost::system::result<DeleteQuery, std::string> parse_query(std::string_view target) {
  auto params = query_params(target);
  if (!params) return params.error();
  DeleteQuery query;
  for (const auto& param : *params) {
    if (param.key == "match[]") {
      auto selector = GroupSelector::parse(param.value);
      if (!selector) return "match[] " + exposition::quoted_for_message(param.value) + ": " + selector.error();
      if (selector->matches({})) {
        return "match[] " + exposition::quoted_for_message(param.value) +
               " would match every group (each of its matchers accepts an empty value); name a label that must "
               "not be empty, e.g. {job=\"etl\"}, or remove everything with PUT /api/v1/admin/wipe";
      }
      query.selectors.push_back(std::move(*selector));
    } else if (param.key == "dry_run") {
      if (param.value != "true" && param.value != "false") {
        return "dry_run " + exposition::quoted_for_message(param.value) + ": must be true or false";
      }
      query.dry_run = param.value == "true";
    } else {
      return "unknown parameter " + exposition::quoted_for_message(param.key) + " (known: match[], dry_run)";
    }
  }
  if (query.selectors.empty()) {
    return std::string("give at least one match[] selector, e.g. match[]={job=\"etl\",instance=~\"tmp-.*\"}");
  }
  return query;
}

void write_groups(const std::vector<pushgw::GroupingKey>& keys, pushgw::JsonWriter& json) {
  json.StartArray();
  for (const auto& key : keys) {
    json.StartObject();
    for (const auto& label : key.labels) {
      json.Key(label.name.data(), static_cast<rapidjson::SizeType>(label.name.size()));
      pushgw::write_string(json, label.value);
    }
    json.EndObject();
  }
  json.EndArray();
}

}  // namespace

Reply delete_groups_reply(const Request& request, pushgw::GroupStore& store) {
  auto query = parse_query(request.target);
  if (!query) return bad_request(query.error());
  const auto removal = store.remove_matching(
      [&selectors = query->selectors](const pushgw::GroupingKey& key) {
        for (const auto& selector : selectors) {
          if (selector.matches(key.labels)) return true;
        }
        return false;
      },
      query->dry_run);
  Reply reply;
  reply.status = removal.error ? pushgw::http_status(removal.error->kind) : 200;
  reply.content_type = "application/json";
  reply.commit_ticket = removal.ticket;
  pushgw::JsonBuffer buffer;
  pushgw::JsonWriter json(buffer);
  json.StartObject();
  json.Key("status");
  json.String(removal.error ? "error" : "success");
  if (removal.error) {
    json.Key("error");
    pushgw::write_string(json, removal.error->message);
  }
  json.Key("data");
  json.StartObject();
  json.Key("dry_run");
  json.Bool(query->dry_run);
  json.Key("deleted");
  json.Uint64(query->dry_run ? 0 : removal.removed.size());
  json.Key("groups");
  write_groups(removal.removed, json);
  json.EndObject();
  json.EndObject();
  reply.body = pushgw::go_json(buffer);
  return reply;
}

}  // namespace flowgate::exporter
