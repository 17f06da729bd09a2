#include "pushgw/series_hash.hpp"

namespace flowgate::pushgw {

namespace {

// FNV-1a over the bytes with 0xFF separators (a byte UTF-8 text never holds),
// finished with MurmurHash3's fmix64 so nearby inputs spread over all bits.
struct Hasher {
  std::uint64_t state = 0xcbf29ce484222325ULL;
  void add(std::string_view bytes) {
    for (char c : bytes) {
      state ^= static_cast<std::uint8_t>(c);
      state *= 0x100000001b3ULL;
    }
    state ^= 0xFFu;
    state *= 0x100000001b3ULL;
  }
  std::uint64_t finish() const {
    std::uint64_t h = state;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
  }
};

}  // namespace

std::uint64_t series_hash(std::string_view family_name, const exposition::Labels& sorted_labels) {
  Hasher hasher;
  hasher.add(family_name);
  for (const auto& label : sorted_labels) {
    hasher.add(label.name);
    hasher.add(label.value);
  }
  return hasher.finish();
}

}  // namespace flowgate::pushgw
