#pragma once
// The push fuzzers' invariant, also replayed over their seed corpora in the
// ordinary build: any push flowgate accepts must leave a scrape the Go parser
// accepts. Families a parser accepted are pushed (PUT) into a fresh in-memory
// store under {job="fuzz"}; when the store accepts them, the text scrape is
// assembled from the store's blocks as the exporter assembles it and must
// parse back with exposition::parse_text (which follows Go's text parser)
// with every name inside the legacy grammar. The other renderings a push
// feeds (OpenMetrics, protobuf, the JSON API) are produced too, so that a
// stored push that crashes or hangs them is found.
//
// With UTF-8 names (a store as --push.enable-utf8-names makes it) the text
// scrape quotes the names outside the grammar and must parse back with UTF-8
// names, and the scrape a legacy client gets (escaping=underscores, protobuf)
// must carry only legacy names.

#include <optional>
#include <string>

#include "exposition/model.hpp"
#include "exposition/names.hpp"

namespace flowgate::fuzz {

// nullopt when the invariant holds (or the store refused the push); else what broke it.
std::optional<std::string> push_invariant_violation(
    exposition::Families families, exposition::NameValidation names = exposition::NameValidation::legacy);

}  // namespace flowgate::fuzz
