// Test helper: sends a text exposition (stdin) to every destination of a
// remote write config file, as flowgate's queues send a batch: series as a
// scrape with honor_labels would store them, external labels added,
// write_relabel_configs applied, the destination's protocol with the
// fallback to 1.0, the retry policy and backoff. Prints one JSON line per
// destination with every attempt, for tests/remote_write/test_sender.py.
//   remote_write_send <config.yml> <timestamp_ms> <max_attempts> [name=value ...]   (target labels)

#include <cstdlib>
#include <iostream>
#include <iterator>
#include <string>

#include "exporter/config/remote_write_config.hpp"
#include "exposition/text_parser.hpp"
#include "remote_write/delivery.hpp"
#include "remote_write/relabel.hpp"
#include "remote_write/series.hpp"

namespace {

using namespace flowgate;

std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out + "\"";
}

std::string_view verdict_name(remote_write::Verdict verdict) {
  switch (verdict) {
    case remote_write::Verdict::delivered: return "delivered";
    case remote_write::Verdict::retry: return "retry";
    case remote_write::Verdict::drop: return "drop";
    case remote_write::Verdict::downgrade: return "downgrade";
  }
  return "?";
}

void print_report(const remote_write::Destination& destination, const remote_write::DeliveryReport& report) {
  std::cout << "{\"destination\":" << quoted(destination.name.empty() ? destination.url : destination.name)
            << ",\"outcome\":" << quoted(verdict_name(report.outcome)) << ",\"samples\":" << report.samples
            << ",\"attempts\":[";
  for (std::size_t i = 0; i < report.attempts.size(); ++i) {
    const auto& attempt = report.attempts[i];
    std::cout << (i ? "," : "") << "{\"protocol\":" << (attempt.protocol == remote_write::Protocol::v1 ? 1 : 2)
              << ",\"status\":" << attempt.reply.status << ",\"verdict\":"
              << quoted(verdict_name(attempt.judgement.verdict)) << ",\"reason\":" << quoted(attempt.judgement.reason)
              << ",\"wait_ms\":" << attempt.wait_after.count() << "}";
  }
  std::cout << "]}" << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: remote_write_send <config.yml> <timestamp_ms> <max_attempts> [name=value ...]\n";
    return 2;
  }
  auto config = exporter::load_remote_write_config(argv[1]);
  if (!config) {
    std::cerr << config.error().message << "\n";
    return 1;
  }
  exposition::Labels target = config->external_labels;
  for (int i = 4; i < argc; ++i) {
    const std::string pair = argv[i];
    const auto equals = pair.find('=');
    target.push_back({pair.substr(0, equals), pair.substr(equals + 1)});
  }
  const std::string text{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
  auto families = exposition::parse_text(text);
  if (!families) {
    std::cerr << families.error().describe() << "\n";
    return 1;
  }
  for (const auto& destination : config->destinations) {
    std::vector<remote_write::TimeSeries> series;
    for (const auto& family : *families) remote_write::append_series(family, target, std::atoll(argv[2]), series);
    remote_write::Relabeler(destination.write_relabel).apply(series);
    auto sender = remote_write::HttpSender::create(destination, "flowgate-test");
    if (!sender) {
      std::cerr << sender.error().message << "\n";
      return 1;
    }
    remote_write::Delivery delivery(std::move(*sender), destination.queue, destination.protocol);
    print_report(destination, delivery.send(series, std::strtoul(argv[3], nullptr, 10)));
  }
  return 0;
}
