#include "exporter/groups_page.hpp"

#include "exporter/html_escape.hpp"
#include "exporter/web_page.hpp"

namespace flowgate::exporter {

Reply groups_page(const StatusInfo& info) {
  std::string html = page_start(UiPage::groups, info.telemetry_path);
  html += "<div id=\"groups-page\" data-admin=\"";
  html += info.admin_api_enabled ? "true" : "false";
  html += "\" data-grafana-url=\"" + html_escape(info.grafana_url) + "\">\n";
  html +=
      "<h1>Groups</h1>\n"
      "<form class=\"toolbar\" role=\"search\" id=\"filter-form\">\n"
      "<label for=\"filter\">Filter by label or metric name</label>\n"
      "<input id=\"filter\" name=\"match\" type=\"search\" autocomplete=\"off\" spellcheck=\"false\" "
      "placeholder=\"job=backup  or  records_processed\" aria-describedby=\"filter-help\">\n"
      "<p id=\"filter-help\" class=\"hint\">Each word must match: <code>name=value</code> a grouping label, "
      "any other word a label or a metric name.</p>\n";
  if (info.admin_api_enabled) {
    html += "<button type=\"button\" id=\"wipe\" class=\"danger\">Delete all groups…</button>\n";
  }
  html +=
      "</form>\n"
      "<p id=\"summary\" role=\"status\" aria-live=\"polite\">Loading groups…</p>\n"
      "<ol id=\"groups\" class=\"groups\"></ol>\n"
      "<nav class=\"pager\" aria-label=\"Pages\">\n"
      "<button type=\"button\" id=\"prev\" disabled>Previous page</button>\n"
      "<span id=\"page\"></span>\n"
      "<button type=\"button\" id=\"next\" disabled>Next page</button>\n"
      "</nav>\n"
      "<noscript><p>The groups list needs JavaScript; the same data is at "
      "<a href=\"api/v1/groups\">api/v1/groups</a> and <a href=\"api/v1/metrics\">api/v1/metrics</a>.</p></noscript>\n"
      "<dialog id=\"confirm\" aria-labelledby=\"confirm-title\" aria-describedby=\"confirm-text\">\n"
      "<form method=\"dialog\">\n<h2 id=\"confirm-title\">Delete?</h2>\n<p id=\"confirm-text\"></p>\n"
      "<div class=\"actions\"><button value=\"cancel\" id=\"confirm-cancel\" autofocus>Cancel</button>\n"
      "<button value=\"delete\" id=\"confirm-ok\" class=\"danger\">Delete</button></div>\n"
      "</form>\n</dialog>\n</div>\n";
  html += page_end(true);
  return html_reply(std::move(html));
}

}  // namespace flowgate::exporter
