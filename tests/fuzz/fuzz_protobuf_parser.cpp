// parse_protobuf must never crash or read out of bounds, and whatever it
// accepts must write and parse back to identical families and, pushed into a
// store, leave a scrape the Go parser accepts (push_invariant.hpp).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "exposition/protobuf_parser.hpp"
#include "exposition/writer.hpp"
#include "tests/fuzz/push_invariant.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace flowgate::exposition;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto parsed = parse_protobuf(body);
  if (!parsed) return 0;
  auto again = parse_protobuf(write(Format::protobuf, *parsed));
  if (!again || !identical(*again, *parsed)) std::abort();
  if (auto violation = flowgate::fuzz::push_invariant_violation(std::move(*parsed))) {
    std::fprintf(stderr, "push invariant broken: %s\n", violation->c_str());
    std::abort();
  }
  return 0;
}
