#pragma once
// Text 0.0.4 writer internals behind exposition/writer.hpp, plus the label
// and HELP escaping the OpenMetrics writer shares. Pure functions appending to
// `out`; safe from any thread.

#include <string>
#include <string_view>

#include "exposition/writer.hpp"

namespace flowgate::exposition {

void write_text_header(const FamilyHeader& header, std::string& out);
void write_text_samples(const Family& family, std::string& out);

// `a="x",b="y"` with `\`, `"` and LF escaped; no braces. A label name
// outside the legacy grammar is quoted (`"a.b"="x"`), as Prometheus 3 writes it.
void append_label_pairs(const Labels& labels, std::string& out);

// A metric or label name: as it is when it is a legacy metric name, else
// quoted and escaped like a label value.
void append_name(std::string_view name, std::string& out);

// Opens a sample line: `name<suffix>` then `{pairs` when there are labels,
// or, for a `quoted` name (needs_escaping(name)), `{"name<suffix>"` then
// `,pairs`. Returns whether a '{' is open for the caller to close.
bool open_sample(std::string_view name, bool quoted, std::string_view suffix, std::string_view pairs,
                 std::string& out);

// Appends `text` with `\` and LF escaped, and `"` too when `escape_quotes`
// (label values, OpenMetrics HELP) - text 0.0.4 HELP leaves quotes alone.
void append_escaped(std::string_view text, bool escape_quotes, std::string& out);

}  // namespace flowgate::exposition
