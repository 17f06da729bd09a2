#pragma once
// A string as a double-quoted, escaped literal the way Go writes one in JSON
// (encoding/json) and in logfmt (go-logfmt): \" \\ \n \r \t and \u00XX for
// other control characters; JSON also escapes <, > and & as \u003c etc.

#include <string>
#include <string_view>

namespace flowgate::exporter {

enum class QuoteStyle { logfmt, json };

void append_quoted(std::string& out, std::string_view text, QuoteStyle style);

}  // namespace flowgate::exporter
