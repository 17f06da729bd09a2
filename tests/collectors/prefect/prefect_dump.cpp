// Polls a Prefect server with the Prefect collector and prints what it
// publishes (text format) and what the polls cost, by hand (the e2e test
// runs the flowgate binary itself): prefect_dump <api-url> [polls] [seconds between polls].
// Credentials come from PREFECT_API_KEY / PREFECT_API_AUTH_STRING.

#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

#include <prometheus/text_serializer.h>

#include "collectors/prefect/prefect_collector.hpp"

int main(int argc, char** argv) {
  using namespace flowgate::collectors::prefect;
  if (argc < 2) {
    std::cerr << "usage: prefect_dump <api-url> [polls] [seconds between polls]\n";
    return 2;
  }
  PrefectCollectorOptions options;
  options.api_url = argv[1];
  if (const char* key = std::getenv("PREFECT_API_KEY")) options.api_key = key;
  if (const char* auth = std::getenv("PREFECT_API_AUTH_STRING")) options.auth_string = auth;
  const int polls = argc > 2 ? std::atoi(argv[2]) : 1;
  const int pause = argc > 3 ? std::atoi(argv[3]) : 0;
  auto collector = PrefectCollector::create(options);
  if (!collector) {
    std::cerr << collector.error().message << "\n";
    return 2;
  }
  bool ok = true;
  for (int i = 0; i < polls; ++i) {
    if (i > 0) std::this_thread::sleep_for(std::chrono::seconds(pause));
    const auto before = (*collector)->client_stats();
    ok = (*collector)->refresh();
    const auto& after = (*collector)->client_stats();
    std::cerr << "poll " << i + 1 << ": " << (ok ? "ok" : "failed: " + (*collector)->last_error())
              << ", requests " << after.requests - before.requests << ", response bytes "
              << after.response_bytes - before.response_bytes << ", seconds " << (*collector)->last_duration_seconds()
              << "\n";
  }
  std::cout << prometheus::TextSerializer().Serialize((*collector)->Collect());
  return ok ? 0 : 1;
}
