// parse_text must never crash or read out of bounds. What it accepts must
// write to a body it accepts again; from then on writing and parsing is a
// fixed point. (The first write may normalize: -0 becomes 0, a histogram gains
// its +Inf bucket, gauge histograms are typed histogram.)

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "exposition/text_parser.hpp"
#include "exposition/writer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace flowgate::exposition;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto parsed = parse_text(body);
  if (!parsed) return 0;
  auto normalized = parse_text(write(Format::text, *parsed));
  if (!normalized) std::abort();
  auto again = parse_text(write(Format::text, *normalized));
  if (!again || !identical(*again, *normalized)) std::abort();
  return 0;
}
