#pragma once
// Soft limits from /proc/<pid>/limits. Pure parsing; the caller reads the file.

#include <optional>
#include <string_view>

namespace flowgate::collectors {

// The soft limit of the row named `limit` ("Max open files"), with
// "unlimited" as 2^64-1 as client_golang (procfs) reports it; nothing when
// the row is missing or unreadable.
std::optional<double> soft_limit(std::string_view limits, std::string_view limit);

}  // namespace flowgate::collectors
