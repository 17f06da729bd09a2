#pragma once
// UTF-8 validation as Go's utf8.ValidString has it (what the Pushgateway
// applies to label values): no overlong forms, no surrogates, nothing past
// U+10FFFF. Pure function; safe from any thread.

#include <string_view>

namespace flowgate::exposition {

bool is_valid_utf8(std::string_view bytes);

}  // namespace flowgate::exposition
