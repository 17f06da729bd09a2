// pushgw::parse_grouping_key on arbitrary paths. Oracle: an accepted key has
// sorted, unique, valid label names including a non-empty job, and survives
// the UI's delete path (delete_path) unchanged.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "pushgw/grouping_key.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace flowgate::pushgw;
  const std::string_view path(reinterpret_cast<const char*>(data), size);
  const auto key = parse_grouping_key(path);
  if (!key) return 0;
  bool has_job = false;
  for (std::size_t i = 0; i < key->labels.size(); ++i) {
    const auto& label = key->labels[i];
    if (i > 0 && !(key->labels[i - 1].name < label.name)) std::abort();
    if (label.name.empty() || label.name.starts_with("__")) std::abort();
    if (label.name == "job") has_job = !label.value.empty();
  }
  if (!has_job) std::abort();
  const auto again = parse_grouping_key(delete_path(*key));
  if (!again || !(*again == *key) || again->id() != key->id()) std::abort();
  return 0;
}
