#pragma once
// Fields of /proc/meminfo libstatgrab does not report (MemAvailable,
// Buffers). Pure parsing; the caller reads the file.

#include <cstdint>
#include <optional>
#include <string_view>

namespace flowgate::collectors {

// The value of `field` ("MemAvailable") in bytes, or nothing when absent.
std::optional<std::uint64_t> meminfo_bytes(std::string_view meminfo, std::string_view field);

}  // namespace flowgate::collectors
