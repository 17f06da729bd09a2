#include "pushgw/otlp_state.hpp"

namespace flowgate::pushgw {

std::string otlp_series_key(std::string_view family, const exposition::Labels& labels) {
  std::string key(family);
  for (const auto& label : labels) key.append(1, '\xff').append(label.name).append(1, '\xfe').append(label.value);
  return key;
}

}  // namespace flowgate::pushgw
