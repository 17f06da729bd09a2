#pragma once
// The frame every web UI page shares: the document head (the embedded
// stylesheet, a viewport for phones), a navigation bar naming the current
// page, and the close. Every URL is relative, so the pages work under
// --web.route-prefix and behind --web.external-url's proxy path alike.

#include <string>
#include <string_view>

#include "exporter/exchange.hpp"

namespace flowgate::exporter {

enum class UiPage { groups, status };

// Everything up to and including the opening <main>; `telemetry_path` is
// --web.telemetry-path (linked as "Metrics").
std::string page_start(UiPage current, std::string_view telemetry_path);

// </main> and the end of the document; with `script`, the embedded
// flowgate.js is loaded first.
std::string page_end(bool script);

// A 200 text/html reply of `html`.
Reply html_reply(std::string html);

}  // namespace flowgate::exporter
