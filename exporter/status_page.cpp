#include "exporter/status_page.hpp"

#include "exporter/build_info.hpp"
#include "exporter/html_escape.hpp"
#include "exposition/rfc3339.hpp"
#include "pushgw/grouping_key.hpp"
#include "pushgw/json_writer.hpp"

namespace flowgate::exporter {
namespace {

}  // namespace

namespace {

std::string rfc3339(double unix_seconds, exposition::SecondFraction fraction) {
  return exposition::format_rfc3339(exposition::unix_nanos(unix_seconds), fraction);
}

}  // namespace

Reply status_page(const pushgw::Snapshot& snapshot, const StatusInfo& info) {
  const auto& build = build_info();
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>flowgate</title>\n"
      "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
      "td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left}.failed{color:#b00}"
      "code{background:#f4f4f4}</style>\n"
      "<script>function del(url){fetch(url,{method:url.startsWith('api')?'PUT':'DELETE'})"
      ".then(function(r){if(r.ok){location.reload()}else{r.text().then(function(t){alert(r.status+' '+t)})}})}"
      "</script>\n</head>\n<body>\n<h1>flowgate</h1>\n<p>Version ";
  html += html_escape(build.version);
  html += " (revision " + html_escape(build.revision) + "), started " + rfc3339(info.start_time, exposition::SecondFraction::none) +
          ". <a href=\"metrics\">Metrics</a> · <a href=\"api/v1/status\">Status API</a> · "
          "<a href=\"api/v1/metrics\">Groups API</a></p>\n";
  auto groups = snapshot.groups();
  html += "<h2>Groups (" + std::to_string(groups.size()) + ")</h2>\n";
  if (info.admin_api_enabled && !groups.empty()) {
    html += "<p><button onclick=\"del('api/v1/admin/wipe')\">Delete all groups</button></p>\n";
  }
  for (const auto& group : groups) {
    html += "<h3>";
    for (const auto& label : group->key.labels) {
      html += "<code>" + html_escape(label.name) + "=\"" + html_escape(label.value) + "\"</code> ";
    }
    if (!group->last_push_successful()) html += "<span class=\"failed\">Last push failed!</span> ";
    html += "<button onclick=\"del('" + html_escape("metrics/" + pushgw::delete_path(group->key, info.names)) + "')\">Delete group</button></h3>\n";
    html += "<table><tr><th>family</th><th>type</th><th>help</th><th>last pushed</th></tr>\n";
    for (const auto& family : group->families) {
      html += "<tr><td>" + html_escape(family->name) + "</td><td>" +
              std::string(exposition::type_name(family->type)) + "</td><td>" + html_escape(family->help) +
              "</td><td>" + (family->pushed_at > 0 ? rfc3339(family->pushed_at, exposition::SecondFraction::none) : "never") + "</td></tr>\n";
    }
    html += "</table>\n";
  }
  html += "</body>\n</html>\n";
  Reply reply;
  reply.content_type = "text/html; charset=utf-8";
  reply.body = std::move(html);
  return reply;
}

Reply api_status(const StatusInfo& info) {
  const auto& build = build_info();
  pushgw::JsonBuffer buffer;
  pushgw::JsonWriter json(buffer);
  const auto pair = [&json](std::string_view name, std::string_view value) {
    pushgw::write_string(json, name);
    pushgw::write_string(json, value);
  };
  json.StartObject();
  pair("status", "success");
  pushgw::write_string(json, "data");
  json.StartObject();
  pushgw::write_string(json, "build_information");
  json.StartObject();
  pair("branch", build.branch);
  pair("buildDate", build.build_date);
  pair("buildUser", "");
  pair("goVersion", build.compiler);
  pair("revision", build.revision);
  pair("version", build.version);
  json.EndObject();
  pushgw::write_string(json, "flags");
  json.StartObject();
  if (info.flags != nullptr) {
    for (const auto& [name, value] : *info.flags) pair(name, value);
  }
  json.EndObject();
  pair("start_time", rfc3339(info.start_time, exposition::SecondFraction::nanos));
  json.EndObject();
  json.EndObject();
  Reply reply;
  reply.content_type = "application/json";
  reply.body = pushgw::go_json(buffer);
  return reply;
}

}  // namespace flowgate::exporter
