// pushgw::parse_grouping_key on arbitrary paths, with legacy and with UTF-8
// names. Oracle: an accepted key has sorted, unique, valid label names
// including a non-empty job, and survives the UI's delete path (delete_path)
// unchanged, which holds only bytes safe in a URL and a page's script.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "pushgw/grouping_key.hpp"

namespace {

using namespace flowgate::pushgw;
using flowgate::exposition::NameValidation;

bool safe_in_a_script(std::string_view path) {
  for (const char c : path) {
    const bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!word && c != ':' && c != '@' && c != '/' && c != '=' && c != '-') return false;
  }
  return true;
}

void check(std::string_view path, NameValidation names) {
  const auto key = parse_grouping_key(path, names);
  if (!key) return;
  bool has_job = false;
  for (std::size_t i = 0; i < key->labels.size(); ++i) {
    const auto& label = key->labels[i];
    if (i > 0 && !(key->labels[i - 1].name < label.name)) std::abort();
    if (label.name.empty() || label.name.starts_with("__")) std::abort();
    if (label.name == "job") has_job = !label.value.empty();
  }
  if (!has_job) std::abort();
  const std::string spelled = delete_path(*key, names);
  if (!safe_in_a_script(spelled)) std::abort();
  const auto again = parse_grouping_key(spelled, names);
  if (!again || !(*again == *key) || again->id() != key->id()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view path(reinterpret_cast<const char*>(data), size);
  check(path, NameValidation::legacy);
  check(path, NameValidation::utf8);
  return 0;
}
