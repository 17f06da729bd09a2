#pragma once
// Loopback ports for tests that start real servers. A port found free can be
// taken by someone else before the server binds it; servers that can bind
// port 0 and report theirs are preferred, this is for those that cannot.

#include <chrono>
#include <cstdint>

namespace flowgate::test_support {

// A TCP port on 127.0.0.1 that was free a moment ago. Throws std::runtime_error
// when no socket can be bound at all.
std::uint16_t free_loopback_port();

// True once something accepts TCP connections on 127.0.0.1:port, false when
// `timeout` passes first.
bool wait_for_port(std::uint16_t port, std::chrono::milliseconds timeout);

}  // namespace flowgate::test_support
