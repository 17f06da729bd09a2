#include "exporter/content_negotiation.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>
#include <string>
#include <vector>

namespace flowgate::exporter {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

struct MediaRange {
  std::string type;  // lower case, e.g. "text/plain", "*/*"
  std::vector<std::pair<std::string, std::string>> params;  // q removed
  double q = 1;
};

std::vector<MediaRange> parse_list(std::string_view header) {
  std::vector<MediaRange> out;
  while (!header.empty()) {
    auto comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    MediaRange range;
    bool first = true;
    while (true) {
      auto semi = item.find(';');
      std::string_view part = trim(item.substr(0, semi));
      if (first) {
        range.type = lower(part);
        first = false;
      } else if (auto eq = part.find('='); eq != std::string_view::npos) {
        std::string key = lower(trim(part.substr(0, eq)));
        std::string_view value = trim(part.substr(eq + 1));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
        if (key == "q") {
          double q = 0;
          auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), q);
          range.q = ec == std::errc{} ? q : 0;
        } else {
          range.params.emplace_back(std::move(key), std::string(value));
        }
      }
      if (semi == std::string_view::npos) break;
      item = item.substr(semi + 1);
    }
    if (!range.type.empty()) out.push_back(std::move(range));
  }
  return out;
}

std::string_view param(const MediaRange& range, std::string_view key) {
  for (const auto& [k, v] : range.params) {
    if (k == key) return v;
  }
  return {};
}

// The format a media range asks for, if flowgate speaks it.
std::optional<exposition::Format> format_of(const MediaRange& range) {
  if (range.type == "application/vnd.google.protobuf" &&
      param(range, "proto") == "io.prometheus.client.MetricFamily" && param(range, "encoding") == "delimited") {
    return exposition::Format::protobuf;
  }
  if (range.type == "application/openmetrics-text") return exposition::Format::openmetrics;
  if (range.type == "text/plain") {
    auto version = param(range, "version");
    if (version.empty() || version == "0.0.4") return exposition::Format::text;
  }
  return std::nullopt;
}

}  // namespace

Negotiated negotiate(std::string_view accept) {
  auto ranges = parse_list(accept);
  std::stable_sort(ranges.begin(), ranges.end(), [](const MediaRange& a, const MediaRange& b) { return a.q > b.q; });
  // As client_golang's expfmt.Negotiate: only explicitly named types count, so
  // "*/*" (curl's default) gets text; an escaping parameter counts from every
  // range read on the way, matched or not.
  Negotiated negotiated;
  for (const auto& range : ranges) {
    if (range.q <= 0) continue;
    if (auto escaping = exposition::parse_escaping_param(param(range, "escaping"))) negotiated.escaping = *escaping;
    if (auto format = format_of(range)) {
      negotiated.format = *format;
      return negotiated;
    }
  }
  return negotiated;
}

exposition::Format negotiate_format(std::string_view accept) { return negotiate(accept).format; }

bool accepts_gzip(std::string_view accept_encoding) {
  for (const auto& range : parse_list(accept_encoding)) {
    if ((range.type == "gzip" || range.type == "x-gzip") && range.q > 0) return true;
  }
  return false;
}

}  // namespace flowgate::exporter
