#include "pushgw/series_hash.hpp"

namespace flowgate::pushgw {

std::uint64_t series_hash(std::string_view family_name, const exposition::Labels& sorted_labels) {
  SeriesHasher hasher;
  hasher.add(family_name);
  for (const auto& label : sorted_labels) {
    hasher.add(label.name);
    hasher.add(label.value);
  }
  return hasher.finish();
}

}  // namespace flowgate::pushgw
