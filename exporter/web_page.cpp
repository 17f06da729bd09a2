#include "exporter/web_page.hpp"

#include "exporter/html_escape.hpp"

namespace flowgate::exporter {
namespace {

std::string nav_link(std::string_view href, std::string_view text, bool current) {
  std::string link = "<a href=\"" + html_escape(href) + "\"";
  if (current) link += " aria-current=\"page\"";
  return link + ">" + std::string(text) + "</a>";
}

}  // namespace

std::string page_start(UiPage current, std::string_view telemetry_path) {
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>flowgate · ";
  html += current == UiPage::groups ? "Groups" : "Status";
  html +=
      "</title>\n<link rel=\"icon\" href=\"data:,\">\n<link rel=\"stylesheet\" href=\"static/flowgate.css\">\n</head>\n<body>\n"
      "<a class=\"skip\" href=\"#main\">Skip to content</a>\n<header class=\"bar\">\n"
      "<span class=\"brand\">flowgate</span>\n<nav aria-label=\"Main\">";
  // The page sits at <prefix>/ or <prefix>/status: "./" is the groups page from both.
  html += nav_link("./", "Groups", current == UiPage::groups);
  html += nav_link("status", "Status", current == UiPage::status);
  const std::string_view relative = telemetry_path.starts_with('/') ? telemetry_path.substr(1) : telemetry_path;
  html += nav_link("./" + std::string(relative), "Metrics", false);
  html += "</nav>\n</header>\n<main id=\"main\" tabindex=\"-1\">\n";
  return html;
}

std::string page_end(bool script) {
  std::string html = "</main>\n";
  if (script) html += "<script src=\"static/flowgate.js\"></script>\n";
  return html + "</body>\n</html>\n";
}

Reply html_reply(std::string html) {
  Reply reply;
  reply.content_type = "text/html; charset=utf-8";
  reply.body = std::move(html);
  return reply;
}

}  // namespace flowgate::exporter
