#include "exporter/admin_delete.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "exporter/group_selector.hpp"
#include "exporter/query_params.hpp"
#include "exposition/names.hpp"
#include "pushgw/json_writer.hpp"

namespace flowgate::exporter {

namespace {

struct DeleteQuery {
  std::vector<GroupSelector> selectors;
  bool dry_run = false;
};

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
  if (!query) return api_bad_request(query.error());
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
