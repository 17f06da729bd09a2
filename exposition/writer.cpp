#include "exposition/writer.hpp"

#include "exposition/openmetrics_writer.hpp"
#include "exposition/protobuf_writer.hpp"
#include "exposition/text_writer.hpp"

namespace flowgate::exposition {

std::string_view content_type(Format format) {
  switch (format) {
    case Format::text: return "text/plain; version=0.0.4; charset=utf-8";
    case Format::openmetrics: return "application/openmetrics-text; version=1.0.0; charset=utf-8";
    case Format::protobuf:
      return "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";
  }
  return "text/plain; version=0.0.4; charset=utf-8";
}

std::string content_type(Format format, NameEscaping escaping) {
  std::string type(content_type(format));
  type += "; escaping=";
  type += escaping_param(escaping);
  return type;
}

void write_samples(Format format, const Family& family, std::string& out) {
  switch (format) {
    case Format::text: write_text_samples(family, out); return;
    case Format::openmetrics: write_openmetrics_samples(family, out); return;
    case Format::protobuf: write_protobuf_samples(family, out); return;
  }
}

void write_header(Format format, const FamilyHeader& header, std::string& out) {
  switch (format) {
    case Format::text: write_text_header(header, out); return;
    case Format::openmetrics: write_openmetrics_header(header, out); return;
    case Format::protobuf: return;  // written with the message length by the assembler
  }
}

std::string write(Format format, const Families& families) {
  std::string out;
  std::string samples;
  for (const Family& family : families) {
    const FamilyHeader header{family.name, family.help, family.type, family.unit};
    if (format == Format::protobuf) {
      samples.clear();
      write_protobuf_samples(family, samples);
      write_protobuf_header(header, samples.size(), out);
      out += samples;
    } else {
      write_header(format, header, out);
      write_samples(format, family, out);
    }
  }
  if (format == Format::openmetrics) out += "# EOF\n";
  return out;
}

}  // namespace flowgate::exposition
