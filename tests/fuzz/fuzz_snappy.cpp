// The snappy decoders (framing and block format) must never crash, read out
// of bounds or pass their output bound; what they accept must compress and
// uncompress back to the same bytes.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "exposition/snappy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace flowgate::exposition;
  constexpr std::size_t kMaxOutput = 1 << 20;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  if (auto frames = snappy_uncompress_frames(body, kMaxOutput)) {
    if (frames->size() > kMaxOutput) std::abort();
    auto again = snappy_uncompress_frames(snappy_compress_frames(*frames), kMaxOutput);
    if (!again || *again != *frames) std::abort();
  }
  if (auto block = snappy_uncompress_block(body, kMaxOutput)) {
    if (block->size() > kMaxOutput) std::abort();
    auto again = snappy_uncompress_block(snappy_compress_block(*block), kMaxOutput);
    if (!again || *again != *block) std::abort();
  }
  return 0;
}
