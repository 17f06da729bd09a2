#include "exporter/web_assets.hpp"

namespace flowgate::exporter {

const WebAsset* find_web_asset(std::string_view name) {
  for (const auto& asset : web_asset_table()) {
    if (asset.name == name) return &asset;
  }
  return nullptr;
}

}  // namespace flowgate::exporter
