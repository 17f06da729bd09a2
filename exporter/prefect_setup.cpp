#include "exporter/prefect_setup.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace flowgate::exporter {
namespace {

namespace prefect = collectors::prefect;

std::string trimmed(std::string_view text) {
  constexpr std::string_view space = " \t\r\n";
  const auto first = text.find_first_not_of(space);
  if (first == std::string_view::npos) return {};
  return std::string(text.substr(first, text.find_last_not_of(space) - first + 1));
}

// The secret from `file` when one is named, else the environment's value.
boost::system::result<std::string, PrefectSetupError> secret(const std::string& file, std::string_view flag,
                                                             const std::string& environment_value,
                                                             const SecretFileReader& read_file) {
  using Secret = boost::system::result<std::string, PrefectSetupError>;
  if (file.empty()) return Secret(boost::system::in_place_value, trimmed(environment_value));
  auto content = read_file(file);
  if (!content) return PrefectSetupError("cannot read --" + std::string(flag) + " " + file);
  auto value = trimmed(*content);
  if (value.empty()) return PrefectSetupError("--" + std::string(flag) + " " + file + " is empty");
  return Secret(boost::system::in_place_value, std::move(value));
}

// True for "scheme://user[:password]@host...", credentials a log or the
// status page would show.
bool has_userinfo(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return false;
  auto authority = url.substr(scheme + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  return authority.find('@') != std::string_view::npos;
}

std::optional<std::string> read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return content.str();
}

std::string environment_variable(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

// The Prefect collector with its failures logged once per change: a poll
// every 30 s against a server that is down must not write a line each time.
class LoggedPrefectCollector final : public collectors::Collector {
 public:
  LoggedPrefectCollector(std::unique_ptr<prefect::PrefectCollector> collector, Logger& logger)
      : collector_(std::move(collector)), logger_(logger) {
    if (const auto& warning = collector_->state_file_warning(); !warning.empty()) {
      logger_.log(LogLevel::warn, FLOWGATE_CALLER, "Prefect state file not used", {{"err", warning}});
    }
  }

  std::string_view name() const override { return collector_->name(); }
  std::chrono::milliseconds interval() const override { return collector_->interval(); }
  double last_duration_seconds() const override { return collector_->last_duration_seconds(); }
  bool last_success() const override { return collector_->last_success(); }
  void cancel() override { collector_->cancel(); }
  std::vector<prometheus::MetricFamily> Collect() const override { return collector_->Collect(); }

  bool refresh() override {
    const bool ok = collector_->refresh();
    auto error = collector_->last_error();
    if (error != logged_error_) {
      if (error.empty()) {
        logger_.log(LogLevel::info, FLOWGATE_CALLER, "Prefect API polls succeed again");
      } else {
        logger_.log(LogLevel::warn, FLOWGATE_CALLER,
                    "Prefect API poll failed; the last values stay published with prefect_up 0",
                    {{"err", error}});
      }
      logged_error_ = std::move(error);
    }
    auto state_error = collector_->state_file_error();
    if (state_error != logged_state_error_) {
      if (state_error.empty()) {
        logger_.log(LogLevel::info, FLOWGATE_CALLER, "Prefect state file written again");
      } else {
        logger_.log(LogLevel::warn, FLOWGATE_CALLER,
                    "cannot write the Prefect state file; counters would restart from zero after a restart",
                    {{"err", state_error}});
      }
      logged_state_error_ = std::move(state_error);
    }
    return ok;
  }

 private:
  std::unique_ptr<prefect::PrefectCollector> collector_;
  Logger& logger_;
  // Touched by refresh() only (one thread at a time).
  std::string logged_error_;
  std::string logged_state_error_;
};

}  // namespace

boost::system::result<prefect::PrefectCollectorOptions, PrefectSetupError> prefect_collector_options(
    const Flags& flags, const PrefectEnvironment& environment, const SecretFileReader& read_file) {
  if (has_userinfo(flags.prefect_api_url)) {
    return PrefectSetupError(
        "--prefect.api-url must not carry user:password@; use --prefect.auth-string-file or "
        "$PREFECT_API_AUTH_STRING");
  }
  auto api_key = secret(flags.prefect_api_key_file, "prefect.api-key-file", environment.api_key, read_file);
  if (!api_key) return api_key.error();
  auto auth_string =
      secret(flags.prefect_auth_string_file, "prefect.auth-string-file", environment.auth_string, read_file);
  if (!auth_string) return auth_string.error();

  prefect::PrefectCollectorOptions options;
  options.api_url = flags.prefect_api_url;
  options.api_key = std::move(*api_key);
  options.auth_string = std::move(*auth_string);
  options.interval = flags.prefect_poll_interval;
  options.inventory_interval = flags.prefect_inventory_interval;
  options.poll_timeout = flags.prefect_poll_timeout;
  options.client.request_timeout = flags.prefect_request_timeout;
  options.client.verify_tls = !flags.prefect_tls_insecure_skip_verify;
  const auto overlap = std::chrono::duration_cast<std::chrono::seconds>(flags.prefect_finished_overlap);
  options.plan.finished_overlap = overlap;
  options.model.finished_overlap = overlap;
  options.model.stuck_running_after = std::chrono::duration_cast<std::chrono::seconds>(flags.prefect_stuck_running_after);
  options.model.failure_info_limit = flags.prefect_failure_info_limit;
  options.flows_include = flags.prefect_flows_include;
  options.flows_exclude = flags.prefect_flows_exclude;
  options.deployments_include = flags.prefect_deployments_include;
  options.deployments_exclude = flags.prefect_deployments_exclude;
  options.state_file = flags.prefect_state_file;
  options.events = flags.prefect_events;
  options.event_stream.verify_tls = options.client.verify_tls;
  return options;
}

std::unique_ptr<collectors::Collector> make_prefect_collector(const Flags& flags, Logger& logger) {
  if (flags.prefect_api_url.empty()) return nullptr;
  const PrefectEnvironment environment{environment_variable("PREFECT_API_KEY"),
                                       environment_variable("PREFECT_API_AUTH_STRING")};
  auto options = prefect_collector_options(flags, environment, read_whole_file);
  if (!options) throw std::runtime_error(options.error().message);
  const std::string auth = !options->auth_string.empty() ? "basic" : !options->api_key.empty() ? "bearer" : "none";
  // One line per episode: the stream reports a disconnect once, not at every retry.
  options->on_event_stream_change = [&logger](bool connected, const std::string& why) {
    if (connected) {
      logger.log(LogLevel::info, FLOWGATE_CALLER, "Prefect event stream connected", {{"detail", why}});
    } else {
      logger.log(LogLevel::warn, FLOWGATE_CALLER,
                 "Prefect event stream down; polls alone update the Prefect metrics until it reconnects",
                 {{"err", why}});
    }
  };
  try {
    auto collector = prefect::PrefectCollector::create(std::move(*options));
    if (!collector) throw std::runtime_error("invalid --prefect.api-url: " + collector.error().message);
    logger.log(LogLevel::info, FLOWGATE_CALLER, "Prefect collector on",
               {{"url", flags.prefect_api_url}, {"auth", auth}, {"state_file", flags.prefect_state_file},
                {"events", flags.prefect_events ? "on" : "off"}});
    return std::make_unique<LoggedPrefectCollector>(std::move(*collector), logger);
  } catch (const std::invalid_argument& error) {  // a regex that does not compile
    throw std::runtime_error(error.what());
  }
}

}  // namespace flowgate::exporter
