#pragma once
// Whether a family's text 0.0.4 block carries everything its protobuf block
// would: then the store keeps only the text block and renders protobuf (and
// the model) from it on demand, and both come out exactly as if rendered from
// the family itself. Conservative: anything text writes differently from how
// its parser reads it back (exemplars, native histograms, created and sample
// timestamps, float or fractional counts, -0, NaN payloads, an implied +Inf
// bucket, unordered or NaN bounds, quoted names, reserved label names, a
// series twice) keeps the protobuf block.

#include "exposition/model.hpp"

namespace flowgate::pushgw {

// `distinct_series`: no two series of `family` share their labels.
bool text_round_trips(const exposition::Family& family, bool distinct_series);

}  // namespace flowgate::pushgw
