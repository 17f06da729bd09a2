#pragma once
// The 64-bit identity of one series (family name + sorted labels) that the
// duplicate-series check compares instead of label sets. A collision between
// two different series is ~n²/2^65 likely (1e-7 at a million series) and
// would only make a push fail; it never corrupts stored data.

#include <cstdint>
#include <string_view>

#include "exposition/model.hpp"

namespace flowgate::pushgw {

std::uint64_t series_hash(std::string_view family_name, const exposition::Labels& sorted_labels);

}  // namespace flowgate::pushgw
