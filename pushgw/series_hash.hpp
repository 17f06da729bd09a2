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

// The same hash fed piece by piece (the family name, then each label's name
// and value), for labels that are not an exposition::Labels.
class SeriesHasher {
 public:
  void add(std::string_view bytes) {
    // FNV-1a over the bytes with 0xFF separators (a byte UTF-8 text never
    // holds), finished with MurmurHash3's fmix64 so nearby inputs spread
    // over all bits.
    for (char c : bytes) {
      state_ ^= static_cast<std::uint8_t>(c);
      state_ *= 0x100000001b3ULL;
    }
    state_ ^= 0xFFu;
    state_ *= 0x100000001b3ULL;
  }
  std::uint64_t finish() const {
    std::uint64_t h = state_;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
  }

 private:
  std::uint64_t state_ = 0xcbf29ce484222325ULL;
};

}  // namespace flowgate::pushgw
