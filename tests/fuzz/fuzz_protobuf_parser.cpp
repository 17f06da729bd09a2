// parse_protobuf must never crash or read out of bounds, and whatever it
// accepts must write and parse back to identical families.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "exposition/protobuf_parser.hpp"
#include "exposition/writer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace flowgate::exposition;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto parsed = parse_protobuf(body);
  if (!parsed) return 0;
  auto again = parse_protobuf(write(Format::protobuf, *parsed));
  if (!again || !identical(*again, *parsed)) std::abort();
  return 0;
}
