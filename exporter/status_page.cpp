#include "exporter/status_page.hpp"

#include <cmath>
#include <cstdio>

#include "exporter/build_info.hpp"
#include "exporter/html_escape.hpp"
#include "exporter/web_page.hpp"
#include "exposition/rfc3339.hpp"
#include "pushgw/json_writer.hpp"

namespace flowgate::exporter {
namespace {

std::string rfc3339(double unix_seconds, exposition::SecondFraction fraction) {
  return exposition::format_rfc3339(exposition::unix_nanos(unix_seconds), fraction);
}

std::string time_text(double unix_seconds) {
  return unix_seconds > 0 ? rfc3339(unix_seconds, exposition::SecondFraction::none) : "never";
}

std::string bytes_text(std::uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(units)) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", value, units[unit]);
  return text;
}

std::string seconds_text(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, seconds < 10 ? "%.3f s" : "%.0f s", seconds);
  return text;
}

// A two-column table under a heading: each row's name and its value (already HTML).
class Section {
 public:
  Section(std::string& html, std::string_view id, std::string_view title) : html_(html) {
    html_ += "<section aria-labelledby=\"" + std::string(id) + "\">\n<h2 id=\"" + std::string(id) + "\">" +
             std::string(title) + "</h2>\n<table class=\"facts\">\n";
  }
  ~Section() { html_ += "</table>\n</section>\n"; }
  Section(const Section&) = delete;
  Section& operator=(const Section&) = delete;
  void row(std::string_view name, std::string_view value_html) {
    html_ += "<tr><th scope=\"row\">" + html_escape(name) + "</th><td>" + std::string(value_html) + "</td></tr>\n";
  }
  void text_row(std::string_view name, std::string_view text) { row(name, html_escape(text)); }

 private:
  std::string& html_;
};

std::string state_badge(bool ok, std::string_view ok_text, std::string_view bad_text) {
  return std::string("<span class=\"badge ") + (ok ? "ok\">" : "bad\">") + std::string(ok ? ok_text : bad_text) +
         "</span>";
}

void build_section(std::string& html, const StatusInfo& info, double now) {
  const auto& build = build_info();
  Section section(html, "build", "Build information");
  section.text_row("Version", build.version);
  section.text_row("Revision", build.revision);
  section.text_row("Branch", build.branch);
  section.text_row("Build date", build.build_date);
  section.text_row("Compiler", build.compiler);
  section.text_row("Started", time_text(info.start_time));
  section.text_row("Uptime", seconds_text(std::max(0.0, now - info.start_time)));
}

void persistence_section(std::string& html, const StoreKeeperFigures& figures) {
  Section section(html, "persistence", "Persistence");
  if (!figures.persistent) {
    section.row("State", state_badge(false, "", "memory only") +
                             " groups are lost on restart (--persistence.file is empty)");
    return;
  }
  section.row("State", state_badge(figures.log.write_failures == 0, "writing", "write failures"));
  section.text_row("Write-ahead log size", bytes_text(figures.log.bytes));
  section.text_row("Records since start", std::to_string(figures.log.records));
  section.text_row("Log write failures", std::to_string(figures.log.write_failures));
  section.text_row("Last compaction", time_text(figures.last_compaction_time));
  section.text_row("Last compaction took", seconds_text(figures.last_compaction_seconds));
  section.text_row("Compactions (failed)", std::to_string(figures.compactions) + " (" +
                                               std::to_string(figures.compaction_failures) + ")");
  section.text_row("Groups expired", std::to_string(figures.groups_expired));
  section.text_row("Recovered at start", std::to_string(figures.recovery.snapshot_groups) +
                                             " groups from the snapshot, " +
                                             std::to_string(figures.recovery.records_replayed) +
                                             " log records replayed in " + seconds_text(figures.recovery_seconds));
}

std::string collector_state(const CollectorHealth& collector) {
  if (collector.ok) return state_badge(true, "up", "") + " last refresh took " + seconds_text(collector.seconds);
  std::string html = state_badge(false, "", collector.seconds > 0 ? "failing" : "not polled yet");
  if (!collector.detail.empty()) html += " " + html_escape(collector.detail);
  return html;
}

void collectors_section(std::string& html, const StatusInfo& info, const std::vector<CollectorHealth>& collectors) {
  Section section(html, "collectors", "Collectors");
  const CollectorHealth* prefect = nullptr;
  for (const auto& collector : collectors) {
    if (collector.name == "prefect") prefect = &collector;
    section.row(collector.name, collector_state(collector));
  }
  if (collectors.empty()) section.text_row("None", "no collector is enabled");
  std::string api_url;
  if (info.flags != nullptr) {
    if (auto found = info.flags->find("prefect.api-url"); found != info.flags->end()) api_url = found->second;
  }
  if (prefect != nullptr) {
    section.row("Prefect API", html_escape(api_url) + " " + collector_state(*prefect));
  } else {
    section.text_row("Prefect API", "not configured (--prefect.api-url is empty)");
  }
}

void flags_section(std::string& html, const StatusInfo& info) {
  Section section(html, "flags", "Flags");
  if (info.flags == nullptr) return;
  for (const auto& [name, value] : *info.flags) section.row("--" + name, "<code>" + html_escape(value) + "</code>");
}

}  // namespace

Reply status_page(const StatusInfo& info, double now_seconds) {
  std::string html = page_start(UiPage::status, info.telemetry_path);
  html += "<h1>Status</h1>\n";
  build_section(html, info, now_seconds);
  if (info.runtime) {
    const RuntimeState state = info.runtime();
    persistence_section(html, state.persistence);
    collectors_section(html, info, state.collectors);
  }
  flags_section(html, info);
  html += page_end(false);
  return html_reply(std::move(html));
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
