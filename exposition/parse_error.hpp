#pragma once
// The error every exposition parser returns: where the problem is, which rule
// it broke, and one sentence a person pushing from a script understands.

#include <cstddef>
#include <string>
#include <utility>

namespace flowgate::exposition {

struct ParseError {
  ParseError() = default;
  ParseError(std::size_t line_number, std::size_t column_number, std::string rule_id, std::string sentence)
      : line(line_number), column(column_number), rule(std::move(rule_id)), message(std::move(sentence)) {}

  // Text formats: 1-based line and byte column. Protobuf: line is the 1-based
  // index of the MetricFamily message, column the 1-based byte offset.
  std::size_t line = 0;
  std::size_t column = 0;
  // Stable, kebab-case, e.g. "label-value-escape"; the protobuf parser's
  // rules start with "protobuf-", which is how describe() picks its wording.
  std::string rule;
  std::string message;  // one sentence, no trailing newline

  // "line 3, column 7: <message>"; the protobuf parser says "family 2, byte 40: <message>".
  std::string describe() const;
};

}  // namespace flowgate::exposition
