#pragma once
// RFC 3339 time stamps in UTC ("2026-11-23T07:43:14.248853529Z"), the form of
// Go's time.RFC3339 and RFC3339Nano, for the JSON APIs, the status page, the
// logs and the Prefect API. Pure functions; safe from any thread.

#include <chrono>
#include <string>

namespace flowgate::exposition {

using UnixNanos = std::chrono::sys_time<std::chrono::nanoseconds>;

// What follows the seconds. The fixed forms truncate to their unit;
// `go_nanos` is Go's RFC3339Nano: up to nine digits, trailing zeros dropped,
// nothing at all for a whole second.
enum class SecondFraction { none, millis, micros, nanos, go_nanos };

std::string format_rfc3339(UnixNanos at, SecondFraction fraction);

// Unix seconds as a double (how the store keeps push times), to the nearest
// nanosecond.
UnixNanos unix_nanos(double unix_seconds);

}  // namespace flowgate::exposition
