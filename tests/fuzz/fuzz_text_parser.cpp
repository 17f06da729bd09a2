// parse_text must never crash or read out of bounds. What it accepts must
// write to a body it accepts again; from then on writing and parsing is a
// fixed point. (The first write may normalize: -0 becomes 0, a histogram gains
// its +Inf bucket, gauge histograms are typed histogram.) Pushed into a store,
// what it accepts must leave a scrape the Go parser accepts (push_invariant.hpp).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <unordered_map>

#include "exposition/text_parser.hpp"
#include "exposition/writer.hpp"
#include "tests/fuzz/push_invariant.hpp"

namespace {

using namespace flowgate::exposition;

// A histogram `x` beside a family named `x_sum`, `x_count` or `x_bucket` (a
// summary beside `x_sum` or `x_count`) writes lines that read back as one
// family: text cannot carry both. The parser accepts such bodies, as Go's
// does; the Pushgateway's consistency check (client_golang's registry) then
// rejects them, so they never reach a writer. Not a round-trip case.
bool has_suffix_collision(const Families& families) {
  std::unordered_map<std::string_view, MetricType> types;
  for (const auto& f : families) types.emplace(f.name, f.type);
  for (const auto& f : families) {
    for (std::string_view suffix : {"_sum", "_count", "_bucket"}) {
      const std::string_view name = f.name;
      if (name.size() <= suffix.size() || !name.ends_with(suffix)) continue;
      const auto base = types.find(name.substr(0, name.size() - suffix.size()));
      if (base == types.end()) continue;
      const bool histogram = base->second == MetricType::histogram || base->second == MetricType::gauge_histogram;
      if (histogram || (base->second == MetricType::summary && suffix != "_bucket")) return true;
    }
  }
  return false;
}

}  // namespace

namespace {

void check(std::string_view body, NameValidation names) {
  ParseBounds bounds;
  bounds.names = names;
  auto parsed = parse_text(body, bounds);
  if (!parsed) return;
  // The store is the one that refuses suffix collisions: they go through it.
  if (!has_suffix_collision(*parsed)) {
    auto normalized = parse_text(write(Format::text, *parsed), bounds);
    if (!normalized) std::abort();
    auto again = parse_text(write(Format::text, *normalized), bounds);
    if (!again || !identical(*again, *normalized)) std::abort();
  }
  if (auto violation = flowgate::fuzz::push_invariant_violation(std::move(*parsed), names)) {
    std::fprintf(stderr, "push invariant broken: %s\n", violation->c_str());
    std::abort();
  }
}

}  // namespace

// Every body is read twice: with legacy names and with UTF-8 names
// (--push.enable-utf8-names), whose quoted forms must round-trip too.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  check(body, NameValidation::legacy);
  check(body, NameValidation::utf8);
  return 0;
}
