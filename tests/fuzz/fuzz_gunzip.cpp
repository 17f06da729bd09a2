// gunzip must never crash, read out of bounds or inflate past its cap; what
// it inflates must survive GzipWriter and gunzip again.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "exposition/gzip.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace flowgate::exposition;
  constexpr std::size_t kCap = 1 << 20;
  auto inflated = gunzip(std::string_view(reinterpret_cast<const char*>(data), size), kCap);
  if (!inflated) return 0;
  if (inflated->size() > kCap) std::abort();
  GzipWriter writer(1);
  std::string compressed;
  writer.write(*inflated, compressed);
  writer.finish(compressed);
  auto again = gunzip(compressed, kCap);
  if (!again || *again != *inflated) std::abort();
  return 0;
}
