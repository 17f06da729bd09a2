#pragma once
// Text 0.0.4 writer internals behind exposition/writer.hpp.

#include <string>

#include "exposition/writer.hpp"

namespace flowgate::exposition {

void write_text_header(const FamilyHeader& header, std::string& out);
void write_text_samples(const Family& family, std::string& out);

}  // namespace flowgate::exposition
