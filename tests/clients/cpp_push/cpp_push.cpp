// Pushes a small registry to a Pushgateway-compatible server with prometheus-cpp's
// Gateway, unchanged, so the e2e tests can check what a C++ client really sends.
//
//   flowgate_cpp_push --url http://127.0.0.1:9091 --job J [--grouping k=v]...
//                     [--value V] [--add | --delete] [--user U --password P]
//
// Pushes gauge cpp_push_gauge=V, counter cpp_push_events_total=V and histogram
// cpp_push_duration_seconds with one observation V. Prints the HTTP status and
// exits 0 iff it is 200 or 202.
#include <prometheus/counter.h>
#include <prometheus/gateway.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <charconv>
#include <cstdio>
#include <system_error>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace {

enum class Action { kPush, kPushAdd, kDelete };

struct Options {
  std::string url;
  std::string job;
  prometheus::Labels grouping;
  double value = 1.0;
  Action action = Action::kPush;
  std::string user;
  std::string password;
};

int usage(const char* why) {
  std::fprintf(stderr,
               "cpp_push: %s\nusage: flowgate_cpp_push --url URL --job J [--grouping k=v]... "
               "[--value V] [--add|--delete] [--user U --password P]\n",
               why);
  return 2;
}

// Gateway wants host and port apart; it glues them back with ':'.
bool split_url(const std::string& url, std::string& host, std::string& port) {
  const auto scheme_end = url.find("://");
  const auto authority_start = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  const auto colon = url.rfind(':');
  if (colon == std::string::npos || colon < authority_start) {
    return false;
  }
  host = url.substr(0, colon);
  port = url.substr(colon + 1);
  while (!port.empty() && port.back() == '/') {
    port.pop_back();
  }
  return !port.empty();
}

bool parse_options(int argc, char** argv, Options& options) {
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto arg = args[i];
    const auto has_next = i + 1 < args.size();
    if (arg == "--add") {
      options.action = Action::kPushAdd;
    } else if (arg == "--delete") {
      options.action = Action::kDelete;
    } else if (!has_next) {
      return false;
    } else if (arg == "--url") {
      options.url = args[++i];
    } else if (arg == "--job") {
      options.job = args[++i];
    } else if (arg == "--value") {
      const auto text = args[++i];
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), options.value);
      if (error != std::errc{} || end != text.data() + text.size()) {
        return false;
      }
    } else if (arg == "--user") {
      options.user = args[++i];
    } else if (arg == "--password") {
      options.password = args[++i];
    } else if (arg == "--grouping") {
      const auto pair = args[++i];
      const auto eq = pair.find('=');
      if (eq == std::string_view::npos) {
        return false;
      }
      options.grouping.emplace(std::string(pair.substr(0, eq)), std::string(pair.substr(eq + 1)));
    } else {
      return false;
    }
  }
  return !options.url.empty() && !options.job.empty();
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!parse_options(argc, argv, options)) {
    return usage("bad arguments");
  }
  std::string host;
  std::string port;
  if (!split_url(options.url, host, port)) {
    return usage("--url needs scheme://host:port");
  }

  auto registry = std::make_shared<prometheus::Registry>();
  prometheus::BuildGauge().Name("cpp_push_gauge").Help("Value given on the command line.")
      .Register(*registry).Add({}).Set(options.value);
  prometheus::BuildCounter().Name("cpp_push_events_total").Help("Incremented by the value.")
      .Register(*registry).Add({}).Increment(options.value);
  prometheus::BuildHistogram().Name("cpp_push_duration_seconds").Help("One observation of the value.")
      .Register(*registry).Add({}, prometheus::Histogram::BucketBoundaries{0.5, 1.0, 5.0})
      .Observe(options.value);

  prometheus::Gateway gateway(host, port, options.job, options.grouping, options.user,
                              options.password);
  gateway.RegisterCollectable(registry);

  int status = 0;
  switch (options.action) {
    case Action::kPush:
      status = gateway.Push();
      break;
    case Action::kPushAdd:
      status = gateway.PushAdd();
      break;
    case Action::kDelete:
      // Gateway::Delete() drops the grouping labels from the URL (it deletes the
      // job-only group); DeleteForInstance() deletes the group that was pushed.
      status = options.grouping.empty() ? gateway.Delete() : gateway.DeleteForInstance();
      break;
  }
  std::printf("%d\n", status);
  return status == 200 || status == 202 ? 0 : 1;
}
