#include "exporter/prefect_setup.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string_view>

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
    log_tag_refusal();
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
  // Once per new refusal: a tag seen at every poll is refused once.
  void log_tag_refusal() {
    const auto& refusal = collector_->last_tag_refusal();
    if (refusal.empty() || refusal == logged_tag_refusal_) return;
    logger_.log(LogLevel::warn, FLOWGATE_CALLER, "Prefect tag not used as a label value", {{"err", refusal}});
    logged_tag_refusal_ = refusal;
  }

  std::unique_ptr<prefect::PrefectCollector> collector_;
  Logger& logger_;
  // Touched by refresh() only (one thread at a time).
  std::string logged_error_;
  std::string logged_state_error_;
  std::string logged_tag_refusal_;
};

// A whole number from one of the exporter's variables; `fallback` when unset.
boost::system::result<std::size_t, PrefectSetupError> exporter_number(const std::string& text, std::string_view name,
                                                                      std::size_t fallback, std::size_t most) {
  using Number = boost::system::result<std::size_t, PrefectSetupError>;
  const std::string value = trimmed(text);
  if (value.empty()) return Number(boost::system::in_place_value, fallback);
  std::size_t number = 0;
  if (!parse_count(value, number) || number > most) {
    return PrefectSetupError("$" + std::string(name) + "='" + value + "' is not a whole number from 0 to " +
                             std::to_string(most) + " (read with --prefect.compat-prefecthq)");
  }
  return Number(boost::system::in_place_value, number);
}

// PrefectHQ's exporter's settings, with its defaults (its code's: an
// OFFSET_MINUTES of 3, not its README's 5).
std::optional<PrefectSetupError> read_compat_environment(const PrefectEnvironment& environment,
                                                         prefect::PrefectCollectorOptions& options) {
  constexpr std::size_t kMinutesInAYear = 525'600;
  auto offset = exporter_number(environment.offset_minutes, "OFFSET_MINUTES", 3, kMinutesInAYear);
  if (!offset) return offset.error();
  auto page = exporter_number(environment.pagination_limit, "PAGINATION_LIMIT", 200, 200);  // Prefect's cap
  if (!page) return page.error();
  if (*page == 0) return PrefectSetupError("$PAGINATION_LIMIT='0': a page holds at least 1 row");
  auto failed_offset =
      exporter_number(environment.failed_runs_offset_minutes, "FAILED_RUNS_OFFSET_MINUTES", 10080, kMinutesInAYear);
  if (!failed_offset) return failed_offset.error();
  auto failed_limit = exporter_number(environment.failed_runs_limit, "FAILED_RUNS_LIMIT", 10, 10'000);
  if (!failed_limit) return failed_limit.error();
  auto& compat = options.model.compat;
  compat.enabled = true;
  compat.offset = std::chrono::minutes(*offset);
  compat.failed_offset = std::chrono::minutes(*failed_offset);
  compat.failed_limit = *failed_limit;
  compat.flow_run_name_label = environment.enable_flow_run_name_label == "True";
  options.plan.page_size = *page;
  // The exporter sets the basic header first and the bearer one over it.
  if (!options.api_key.empty()) options.auth_string.clear();
  return std::nullopt;
}

// The exporter compares with "True" only; "true" or "1" is off there and
// here, which surprises: say so once.
void warn_about_lowercase_true(const Flags& flags, const PrefectEnvironment& environment, Logger& logger) {
  const std::string& value = environment.enable_flow_run_name_label;
  if (!flags.prefect_compat_prefecthq || value.empty() || value == "True" || value == "False") return;
  logger.log(LogLevel::warn, FLOWGATE_CALLER,
             "ENABLE_FLOW_RUN_NAME_LABEL is on only for the exact text True, as in PrefectHQ's exporter; "
             "the flow_run_name label stays off",
             {{"value", value}});
}

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
  if (flags.prefect_compat_prefecthq) {
    if (auto error = read_compat_environment(environment, options)) return *error;
  }
  options.proxy = environment.proxy;
  options.proxy.proxy_url = flags.prefect_proxy_url;
  options.client.csrf = flags.prefect_csrf;
  options.model.tag_labels = prefect::split_tag_labels(flags.prefect_tag_labels);
  if (auto refused = prefect::check_tag_labels(options.model.tag_labels)) return PrefectSetupError(*refused);
  options.model.tag_values_per_label = flags.prefect_tag_values_limit;
  // Tags are not among what flowgate reads from an event: with tag labels
  // the flow-run families move at the poll only.
  options.events = flags.prefect_events && options.model.tag_labels.empty();
  options.event_stream.verify_tls = options.client.verify_tls;
  return options;
}

std::unique_ptr<collectors::Collector> make_prefect_collector(const Flags& flags, Logger& logger) {
  if (flags.prefect_api_url.empty()) return nullptr;
  const PrefectEnvironment environment{environment_variable("PREFECT_API_KEY"),
                                       environment_variable("PREFECT_API_AUTH_STRING"),
                                       environment_variable("OFFSET_MINUTES"),
                                       environment_variable("PAGINATION_LIMIT"),
                                       environment_variable("FAILED_RUNS_OFFSET_MINUTES"),
                                       environment_variable("FAILED_RUNS_LIMIT"),
                                       environment_variable("ENABLE_FLOW_RUN_NAME_LABEL"),
                                       prefect::proxy_settings_from(environment_variable)};
  warn_about_lowercase_true(flags, environment, logger);
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
    if (!collector) {
      const auto& message = collector.error().message;
      // The proxy's sentence names its flag or variable; the API URL's does not.
      const bool about_proxy = message.starts_with("the proxy URL");
      throw std::runtime_error(about_proxy ? message : "invalid --prefect.api-url: " + message);
    }
    const auto& proxy = (*collector)->client_proxy();
    const std::string events = (*collector)->events_on() ? "on"
                               : !flags.prefect_events   ? "off"
                               : proxy                   ? "off (a proxy is in use)"
                                                         : "off (--prefect.tag-labels)";
    logger.log(LogLevel::info, FLOWGATE_CALLER, "Prefect collector on",
               {{"url", flags.prefect_api_url}, {"auth", auth}, {"state_file", flags.prefect_state_file},
                {"proxy", proxy ? proxy->name : "none"},
                {"events", events}});
    return std::make_unique<LoggedPrefectCollector>(std::move(*collector), logger);
  } catch (const std::invalid_argument& error) {  // a regex that does not compile
    throw std::runtime_error(error.what());
  }
}

}  // namespace flowgate::exporter
