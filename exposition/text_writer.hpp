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

// `a="x",b="y"` with `\`, `"` and LF escaped; no braces.
void append_label_pairs(const Labels& labels, std::string& out);

// Appends `text` with `\` and LF escaped, and `"` too when `escape_quotes`
// (label values, OpenMetrics HELP) - text 0.0.4 HELP leaves quotes alone.
void append_escaped(std::string_view text, bool escape_quotes, std::string& out);

}  // namespace flowgate::exposition
