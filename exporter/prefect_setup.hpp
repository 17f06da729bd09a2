#pragma once
// Turns the --prefect.* flags, $PREFECT_API_KEY / $PREFECT_API_AUTH_STRING and
// the secret files into the Prefect collector, the way Prefect's own clients
// read their settings. prefect_collector_options() is pure (the environment
// and the files come in as values); make_prefect_collector() reads them, and
// wraps the collector so that a failing Prefect (or state file write) is
// logged once per change of its error, not at every poll, and a state file
// not used at start once. Secrets never reach a log line or an error.

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/system/result.hpp>

#include "collectors/collector.hpp"
#include "collectors/prefect/prefect_collector.hpp"
#include "exporter/flags.hpp"
#include "exporter/log.hpp"
#include "exposition/message_error.hpp"

namespace flowgate::exporter {

// The process environment the Prefect settings default to; unset is empty.
struct PrefectEnvironment {
  std::string api_key;      // $PREFECT_API_KEY
  std::string auth_string;  // $PREFECT_API_AUTH_STRING
  // PrefectHQ's exporter's settings, read only with --prefect.compat-prefecthq.
  std::string offset_minutes{};              // $OFFSET_MINUTES
  std::string pagination_limit{};            // $PAGINATION_LIMIT
  std::string failed_runs_offset_minutes{};  // $FAILED_RUNS_OFFSET_MINUTES
  std::string failed_runs_limit{};           // $FAILED_RUNS_LIMIT
  std::string enable_flow_run_name_label{};  // $ENABLE_FLOW_RUN_NAME_LABEL
  collectors::prefect::ProxySettings proxy{};  // $HTTPS_PROXY, $NO_PROXY, ... (proxy_url unused)
};

using PrefectSetupError = exposition::MessageError;  // names the flag; never holds a secret

// Reads a whole file; nullopt when it cannot be read.
using SecretFileReader = std::function<std::optional<std::string>(const std::string& path)>;

// The collector's options from the flags (call only when prefect_api_url is
// set). A secret file wins over its variable; its content is trimmed of
// surrounding whitespace (files usually end with a newline). Errors: an
// unreadable or empty secret file,
// an API URL with user:password@ in it. With --prefect.compat-prefecthq the
// exporter's variables are read as it reads them (whole numbers; booleans on
// only for the exact text "True"), an unreadable number or a
// PAGINATION_LIMIT above Prefect's 200 is an error naming the variable, and
// a key wins over an auth string (its precedence, not Prefect's client's).
boost::system::result<collectors::prefect::PrefectCollectorOptions, PrefectSetupError> prefect_collector_options(
    const Flags& flags, const PrefectEnvironment& environment, const SecretFileReader& read_file);

// nullptr when --prefect.api-url is empty; else the collector, its failures
// logged through `logger` (warn when an error appears or changes, info when
// polls succeed again). Throws std::runtime_error on a misconfiguration
// (bad URL, unreadable secret file, bad regex), as App's other collectors do.
std::unique_ptr<collectors::Collector> make_prefect_collector(const Flags& flags, Logger& logger);

}  // namespace flowgate::exporter
