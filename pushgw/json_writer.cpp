#include "pushgw/json_writer.hpp"

namespace flowgate::pushgw {

std::string go_json(const JsonBuffer& buffer) {
  std::string out;
  out.reserve(buffer.GetSize());
  for (char c : std::string_view(buffer.GetString(), buffer.GetSize())) {
    switch (c) {
      case '<': out += "\\u003c"; break;
      case '>': out += "\\u003e"; break;
      case '&': out += "\\u0026"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace flowgate::pushgw
