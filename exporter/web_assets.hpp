#pragma once
// The web UI's static files (exporter/web/*), compiled into the binary by
// cmake/embed_web_assets.cmake and served under <route prefix>/static/.

#include <span>
#include <string_view>

namespace flowgate::exporter {

struct WebAsset {
  std::string_view name;          // file name, e.g. "flowgate.js"
  std::string_view content_type;
  std::string_view body;
};

// Every embedded file (generated code).
std::span<const WebAsset> web_asset_table();

// The file called `name`, or null.
const WebAsset* find_web_asset(std::string_view name);

}  // namespace flowgate::exporter
