#include "exposition/parse_error.hpp"

#include <string_view>

namespace flowgate::exposition {

std::string ParseError::describe() const {
  // Protobuf rules are spelled "protobuf-..."; their positions count messages and bytes.
  const bool protobuf = std::string_view(rule).starts_with("protobuf");
  std::string out = protobuf ? "family " : "line ";
  out += std::to_string(line);
  out += protobuf ? ", byte " : ", column ";
  out += std::to_string(column);
  out += ": ";
  out += message;
  return out;
}

}  // namespace flowgate::exposition
