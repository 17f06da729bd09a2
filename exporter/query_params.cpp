#include "exporter/query_params.hpp"

#include <algorithm>
#include <optional>

#include <boost/url/pct_string_view.hpp>

#include "exposition/names.hpp"
#include "pushgw/json_writer.hpp"

namespace flowgate::exporter {
namespace {

std::optional<std::string> decoded(std::string_view component) {
  std::string plus_as_space(component);
  std::replace(plus_as_space.begin(), plus_as_space.end(), '+', ' ');
  auto encoded = boost::urls::make_pct_string_view(plus_as_space);
  if (!encoded) return std::nullopt;
  return encoded->decode();
}

}  // namespace

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

Reply api_bad_request(std::string_view message) {
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

}  // namespace flowgate::exporter
