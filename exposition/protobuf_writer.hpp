#pragma once
// Protobuf delimited writer internals behind exposition/writer.hpp and the
// assembler. A family's sample block is the encoded `metric` fields (field 4)
// of a MetricFamily message, so blocks from many groups concatenate into one
// message; the assembler prefixes the length and the name/help/type/unit fields.

#include <span>
#include <string>
#include <string_view>

#include "exposition/writer.hpp"

namespace flowgate::exposition {

void write_protobuf_samples(const Family& family, std::string& out);

// Appends varint(length) + the header fields of one MetricFamily whose
// `metric` fields total `samples_size` bytes; the caller appends the blocks.
void write_protobuf_header(const FamilyHeader& header, std::size_t samples_size, std::string& out);

}  // namespace flowgate::exposition
