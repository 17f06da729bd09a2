#pragma once
// HTTP's Retry-After (RFC 9110, 10.2.3), read the way every client of
// flowgate's (the Prefect collector, remote write) honours it. Pure.

#include <chrono>
#include <optional>
#include <string_view>

namespace flowgate::exposition {

// Retry-After as delay-seconds or an IMF-fixdate ("Wed, 21 Oct 2015
// 07:28:00 GMT"); nullopt when unreadable. Dates in the past give 0.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now);

}  // namespace flowgate::exposition
