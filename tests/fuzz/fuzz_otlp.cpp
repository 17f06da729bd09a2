// The OTLP decoders (protobuf or JSON, chosen at build time by
// FLOWGATE_FUZZ_OTLP_JSON) must never crash or read out of bounds, and what
// they accept must translate into families that, pushed into a store, leave a
// scrape the Go parser accepts (push_invariant.hpp). Each body is translated
// twice against a delta state, so the delta → cumulative path runs too; then
// ingested twice into a store (the upsert, type check and OTLP state paths)
// and swept.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "exposition/otlp_decode.hpp"
#include "exposition/otlp_translate.hpp"
#include "pushgw/group_store.hpp"
#include "pushgw/otlp_ingest.hpp"
#include "tests/fuzz/push_invariant.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace flowgate::exposition::otlp;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  DecodeBounds bounds;  // as the exporter bounds a push, so a run is not spent on one huge body
  bounds.max_points = 10'000;
  bounds.max_attributes_per_point = 64;
  bounds.max_buckets_per_point = 1'000;
#ifdef FLOWGATE_FUZZ_OTLP_JSON
  auto decoded = decode_json(body, bounds);
#else
  auto decoded = decode_protobuf(body, bounds);
#endif
  if (!decoded) return 0;
  DeltaState state;
  for (int round = 0; round < 2; ++round) {
    Translation translation = translate(*decoded, {}, state);
    for (auto& [key, entry] : translation.delta_updates) state[key] = entry;
    for (auto& group : translation.groups) {
      if (auto violation = flowgate::fuzz::push_invariant_violation(std::move(group.families))) {
        std::fprintf(stderr, "push invariant broken: %s\n", violation->c_str());
        std::abort();
      }
    }
  }
  flowgate::pushgw::GroupStore store(flowgate::pushgw::StoreOptions{});
  flowgate::pushgw::OtlpIngest ingest(store, {});
  (void)ingest.ingest(*decoded, 100);
  (void)ingest.ingest(*decoded, 200);
  (void)ingest.sweep(1'000);
  return 0;
}
