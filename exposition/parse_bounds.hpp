#pragma once
// How much model one body may make a parser build. Checked while parsing, so
// that a hostile body is refused after the work its bound allows rather than
// after all of it: a series costs a few hundred bytes of model however few
// bytes of input it took, and a line of a million labels is cheap to send.
// Zero: no bound. With them, which names the body may use.

#include <cstddef>
#include <string_view>

#include "exposition/names.hpp"

namespace flowgate::exposition {

struct ParseBounds {
  std::size_t max_series = 0;             // series in the whole body (a histogram or summary is one)
  std::size_t max_labels_per_series = 0;  // labels of one series as written (le and quantile not counted)
  // Metric and label names: the legacy grammar, or any UTF-8 (quoted in text).
  NameValidation names = NameValidation::legacy;
};

// The ParseError rules of a refusal for a bound (protobuf prefixes "protobuf-").
inline constexpr std::string_view kTooManySeriesRule = "too-many-series";
inline constexpr std::string_view kTooManyLabelsRule = "too-many-labels";

}  // namespace flowgate::exposition
