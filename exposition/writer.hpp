#pragma once
// Writers for the three scrape formats. A family is written in two parts so
// that the scrape path can render each group's samples once and assemble many
// groups' blocks under one header (see assembler.hpp):
//   header  = HELP/TYPE(/UNIT) lines, or the protobuf family fields
//   samples = the series lines, or the protobuf `metric` fields
// Blocks of the same family name and format can be concatenated in any order.
// Pure functions that append to `out`; safe from any thread.

#include <cstdint>
#include <string>
#include <string_view>

#include "exposition/model.hpp"
#include "exposition/name_escaping.hpp"

namespace flowgate::exposition {

enum class Format : std::uint8_t {
  text,         // text/plain; version=0.0.4
  openmetrics,  // application/openmetrics-text; version=1.0.0
  protobuf,     // application/vnd.google.protobuf; ...; encoding=delimited
};

std::string_view content_type(Format format);
// The same with `; escaping=<scheme>`, as Prometheus 3's expfmt announces the
// form of the names in a body (the Pushgateway 1.11 always adds it).
std::string content_type(Format format, NameEscaping escaping);

// Family metadata without samples; what one header is written from.
struct FamilyHeader {
  std::string_view name;
  std::string_view help;
  MetricType type = MetricType::untyped;
  std::string_view unit;
};

// Appends the samples of `family` in `format`, without the header.
void write_samples(Format format, const Family& family, std::string& out);

// Appends the header lines of a family (text and OpenMetrics). For protobuf,
// the header is written by the assembler together with the message length.
void write_header(Format format, const FamilyHeader& header, std::string& out);

// Convenience for tests and small bodies: a whole body (headers, samples and,
// for OpenMetrics, the final "# EOF").
std::string write(Format format, const Families& families);

}  // namespace flowgate::exposition
