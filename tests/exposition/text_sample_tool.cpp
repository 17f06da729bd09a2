// The C++ end of the cross-checks that run outside C++:
//   text_sample_tool <text|openmetrics|model-json> <lint|openmetrics|expfmt> <seed> <count>
//       writes generated families;
//   text_sample_tool verdicts
//       reads "id<TAB>hex body" lines and prints "id<TAB>OK" or
//       "id<TAB>ERR <line> <rule>" for each body, as parse_text judges it.
// `lint` families satisfy promtool's lint; `openmetrics` families are valid
// OpenMetrics; `expfmt` families avoid float histogram counts, which the
// prometheus/common release we compare with truncates. model-json dumps the families themselves, so a checker can
// compare what a parser read with what was meant.

#include <charconv>
#include <cstdio>
#include <iostream>
#include <cstdlib>
#include <string>
#include <string_view>

#include "exposition/number_format.hpp"
#include "exposition/text_parser.hpp"
#include "exposition/writer.hpp"
#include "tests/support/family_generator.hpp"

namespace {

using namespace flowgate::exposition;

void json_string(std::string_view text, std::string& out) {
  out += '"';
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      constexpr std::string_view kHex = "0123456789abcdef";
      out += "\\u00";
      out += kHex[static_cast<unsigned char>(c) >> 4];
      out += kHex[static_cast<unsigned char>(c) & 0xF];
    } else {
      out += c;
    }
  }
  out += '"';
}

// Numbers travel as Go-formatted strings ("NaN", "+Inf" included).
void json_number(double value, std::string& out) {
  out += '"';
  append_double(value, out);
  out += '"';
}

void json_labels(const Labels& labels, std::string& out) {
  out += '{';
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ',';
    json_string(labels[i].name, out);
    out += ':';
    json_string(labels[i].value, out);
  }
  out += '}';
}

void json_timestamp(const std::optional<Timestamp>& timestamp, std::string& out) {
  if (!timestamp) {
    out += "null";
    return;
  }
  out += '[' + std::to_string(timestamp->seconds) + ',' + std::to_string(timestamp->nanos) + ']';
}

void json_exemplar(const Exemplar& exemplar, std::string& out) {
  out += "{\"labels\":";
  json_labels(exemplar.labels, out);
  out += ",\"value\":";
  json_number(exemplar.value, out);
  out += ",\"timestamp\":";
  json_timestamp(exemplar.timestamp, out);
  out += '}';
}

void json_metric(const Metric& metric, std::string& out) {
  out += "{\"labels\":";
  json_labels(metric.labels, out);
  out += ",\"value\":";
  json_number(metric.value, out);
  out += ",\"timestamp_ms\":" + (metric.timestamp_ms ? std::to_string(*metric.timestamp_ms) : "null");
  out += ",\"count\":";
  json_number(metric.sample_count, out);
  out += ",\"sum\":";
  json_number(metric.sample_sum, out);
  out += ",\"quantiles\":[";
  for (std::size_t i = 0; i < metric.quantiles.size(); ++i) {
    if (i > 0) out += ',';
    out += '[';
    json_number(metric.quantiles[i].quantile, out);
    out += ',';
    json_number(metric.quantiles[i].value, out);
    out += ']';
  }
  out += "],\"buckets\":[";
  for (std::size_t i = 0; i < metric.buckets.size(); ++i) {
    if (i > 0) out += ',';
    out += '[';
    json_number(metric.buckets[i].upper_bound, out);
    out += ',';
    json_number(metric.buckets[i].cumulative_count, out);
    out += ',';
    if (metric.buckets[i].exemplar) {
      json_exemplar(*metric.buckets[i].exemplar, out);
    } else {
      out += "null";
    }
    out += ']';
  }
  out += "],\"exemplar\":";
  if (metric.exemplars.empty()) {
    out += "null";
  } else {
    json_exemplar(metric.exemplars.front(), out);
  }
  out += ",\"created\":";
  json_timestamp(metric.created, out);
  out += '}';
}

std::string json(const Families& families) {
  std::string out = "[";
  for (std::size_t f = 0; f < families.size(); ++f) {
    const Family& family = families[f];
    if (f > 0) out += ",\n";
    out += "{\"name\":";
    json_string(family.name, out);
    out += ",\"help\":";
    json_string(family.help, out);
    out += ",\"type\":";
    json_string(family.type == MetricType::gauge_histogram ? "gauge_histogram" : type_name(family.type), out);
    out += ",\"unit\":";
    json_string(family.unit, out);
    out += ",\"metrics\":[";
    for (std::size_t m = 0; m < family.metrics.size(); ++m) {
      if (m > 0) out += ',';
      json_metric(family.metrics[m], out);
    }
    out += "]}";
  }
  out += "]\n";
  return out;
}

int print_verdicts() {
  std::string line;
  while (std::getline(std::cin, line)) {
    const std::size_t tab = line.find('\t');
    if (tab == std::string::npos) return 2;
    std::string body;
    for (std::size_t i = tab + 1; i + 1 < line.size(); i += 2) {
      unsigned value = 0;
      std::from_chars(line.data() + i, line.data() + i + 2, value, 16);
      body += static_cast<char>(value);
    }
    const auto parsed = parse_text(body);
    std::cout << std::string_view(line).substr(0, tab) << '\t'
              << (parsed ? "OK" : "ERR " + std::to_string(parsed.error().line) + " " + parsed.error().rule) << '\n';
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string_view(argv[1]) == "verdicts") return print_verdicts();
  if (argc != 5) {
    std::fputs("usage: text_sample_tool <text|openmetrics|model-json> <lint|openmetrics|expfmt> <seed> <count>\n", stderr);
    return 2;
  }
  const std::string_view output = argv[1];
  const std::string_view profile = argv[2];
  flowgate::test_support::GeneratorOptions options;
  if (profile == "lint") {
    options.lint_clean = true;
  } else if (profile == "openmetrics") {
    options.openmetrics_valid = true;
    options.exemplars = true;
    options.created = true;
    options.units = true;
  } else if (profile == "expfmt") {
    options.float_counts = false;
  } else {
    std::fputs("profile must be lint, openmetrics or expfmt\n", stderr);
    return 2;
  }
  const auto families = flowgate::test_support::generate_families(std::strtoull(argv[3], nullptr, 10),
                                                                   std::strtoull(argv[4], nullptr, 10), options);
  std::string out;
  if (output == "text") {
    out = write(Format::text, families);
  } else if (output == "openmetrics") {
    out = write(Format::openmetrics, families);
  } else if (output == "model-json") {
    out = json(families);
  } else {
    std::fputs("output must be text, openmetrics or model-json\n", stderr);
    return 2;
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}
