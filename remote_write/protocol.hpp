#pragma once
// The remote write protocol a destination speaks. Its own header so the
// destination's values (destination.hpp) name a version without pulling in
// the encoder (write_request.hpp).

#include <cstdint>

namespace flowgate::remote_write {

// v1: prometheus.WriteRequest (remote write 1.0); v2:
// io.prometheus.write.v2.Request (2.0).
enum class Protocol : std::uint8_t { v1, v2 };

}  // namespace flowgate::remote_write
