#include "pushgw/label_rules.hpp"

#include "exposition/names.hpp"

namespace flowgate::pushgw {

bool is_reserved_label_name(std::string_view name) { return name.starts_with("__"); }

std::string quoted(std::string_view text) { return exposition::quoted_for_message(text, text.size()); }

std::string quoted_start(std::string_view text, std::size_t max_bytes) {
  return exposition::quoted_for_message(text, max_bytes);
}

}  // namespace flowgate::pushgw
