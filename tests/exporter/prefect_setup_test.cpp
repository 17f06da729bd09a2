#include <gtest/gtest.h>

#include <map>

#include "exporter/flag_help.hpp"
#include "exporter/flags.hpp"
#include "exporter/prefect_setup.hpp"

namespace flowgate::exporter {
namespace {

using namespace std::chrono_literals;

Flags parse(std::initializer_list<std::string_view> args, std::string_view environment_url = "http://p:4200/api") {
  std::vector<std::string_view> list(args);
  auto flags = parse_flags(list, environment_url);
  EXPECT_TRUE(flags) << flags.error().message;
  return *flags;
}

// Files by path; a path not listed cannot be read.
SecretFileReader files(std::map<std::string, std::string> contents) {
  return [contents = std::move(contents)](const std::string& path) -> std::optional<std::string> {
    if (auto found = contents.find(path); found != contents.end()) return found->second;
    return std::nullopt;
  };
}

TEST(PrefectFlags, DefaultsAreThoseOfTheDesignNote) {
  auto flags = parse({}, "");
  EXPECT_EQ(flags.prefect_api_url, "");
  EXPECT_EQ(flags.prefect_poll_interval, 30s);
  EXPECT_EQ(flags.prefect_inventory_interval, 5min);
  EXPECT_EQ(flags.prefect_poll_timeout, 1min);
  EXPECT_EQ(flags.prefect_request_timeout, 10s);
  EXPECT_EQ(flags.prefect_stuck_running_after, 1h);
  EXPECT_EQ(flags.prefect_finished_overlap, 2min);
  EXPECT_EQ(flags.prefect_failure_info_limit, 10u);
  EXPECT_FALSE(flags.prefect_tls_insecure_skip_verify);
  EXPECT_EQ(flags.values.at("prefect.poll-interval"), "30s");
  EXPECT_EQ(flags.values.at("prefect.inventory-interval"), "5m0s");
}

TEST(PrefectFlags, TheFlagWinsOverPrefectApiUrlFromTheEnvironment) {
  EXPECT_EQ(parse({"--prefect.api-url=http://other:4200/api"}).prefect_api_url, "http://other:4200/api");
  EXPECT_EQ(parse({"--prefect.api-url="}).prefect_api_url, "");
}

TEST(PrefectFlags, ZeroIntervalsAreRefused) {
  for (auto flag : {"--prefect.poll-interval=0s", "--prefect.inventory-interval=0s", "--prefect.poll-timeout=0s",
                    "--prefect.request-timeout=0s", "--prefect.stuck-running-after=0s"}) {
    std::vector<std::string_view> args{flag};
    EXPECT_FALSE(parse_flags(args)) << flag;
  }
}

TEST(PrefectFlags, EveryPrefectFlagIsInTheHelpText) {
  const auto help = help_text();
  for (auto name : {"prefect.api-url", "prefect.api-key-file", "prefect.auth-string-file", "prefect.poll-interval",
                    "prefect.inventory-interval", "prefect.poll-timeout", "prefect.request-timeout",
                    "prefect.stuck-running-after", "prefect.finished-overlap", "prefect.failure-info-limit",
                    "prefect.flows-include", "prefect.flows-exclude", "prefect.deployments-include",
                    "prefect.deployments-exclude", "prefect.tls-insecure-skip-verify", "prefect.state-file",
                    "prefect.proxy-url", "prefect.csrf", "prefect.tag-labels", "prefect.tag-values-limit",
                    "prefect.events"}) {
    EXPECT_NE(help.find(name), std::string::npos) << name;  // booleans show as --[no-]name
  }
}

TEST(PrefectFlags, TheStateFileLivesNextToThePersistenceFileUnlessGiven) {
  EXPECT_EQ(parse({}).prefect_state_file, "data/prefect-state.json");  // --persistence.file=data/flowgate.db
  EXPECT_EQ(parse({"--persistence.file=/var/lib/flowgate/db"}).prefect_state_file,
            "/var/lib/flowgate/prefect-state.json");
  EXPECT_EQ(parse({"--persistence.file=flowgate.db"}).prefect_state_file, "prefect-state.json");
  EXPECT_EQ(parse({"--persistence.file="}).prefect_state_file, "");
  EXPECT_EQ(parse({"--persistence.file=", "--prefect.state-file=/s/p.json"}).prefect_state_file, "/s/p.json");
  EXPECT_EQ(parse({"--prefect.state-file="}).prefect_state_file, "");
  EXPECT_EQ(parse({"--persistence.file=/d/db"}).values.at("prefect.state-file"), "/d/prefect-state.json");
}

TEST(PrefectSetup, FlagsBecomeTheCollectorsOptions) {
  auto flags = parse({"--prefect.poll-interval=15s", "--prefect.inventory-interval=10m",
                      "--prefect.poll-timeout=5s", "--prefect.request-timeout=2s",
                      "--prefect.stuck-running-after=30m", "--prefect.finished-overlap=5m",
                      "--prefect.failure-info-limit=3", "--prefect.flows-include=^etl",
                      "--prefect.flows-exclude=test", "--prefect.deployments-include=prod",
                      "--prefect.deployments-exclude=^tmp", "--prefect.tls-insecure-skip-verify"});
  auto options = prefect_collector_options(flags, {}, files({}));
  ASSERT_TRUE(options) << options.error().message;
  EXPECT_EQ(options->api_url, "http://p:4200/api");
  EXPECT_EQ(options->interval, 15s);
  EXPECT_EQ(options->inventory_interval, 10min);
  EXPECT_EQ(options->poll_timeout, 5s);
  EXPECT_EQ(options->client.request_timeout, 2s);
  EXPECT_FALSE(options->client.verify_tls);
  EXPECT_EQ(options->model.stuck_running_after, 30min);
  EXPECT_EQ(options->model.finished_overlap, 5min);
  EXPECT_EQ(options->plan.finished_overlap, 5min);
  EXPECT_EQ(options->model.failure_info_limit, 3u);
  EXPECT_EQ(options->flows_include, "^etl");
  EXPECT_EQ(options->flows_exclude, "test");
  EXPECT_EQ(options->deployments_include, "prod");
  EXPECT_EQ(options->deployments_exclude, "^tmp");
  EXPECT_TRUE(options->api_key.empty());
  EXPECT_TRUE(options->auth_string.empty());
  EXPECT_EQ(options->state_file, "data/prefect-state.json");
}

TEST(PrefectSetup, ProxyCsrfAndTagFlagsBecomeTheCollectorsOptions) {
  auto flags = parse({"--prefect.proxy-url=http://proxy:3128", "--prefect.csrf", "--prefect.tag-labels=env, team",
                      "--prefect.tag-values-limit=5"});
  PrefectEnvironment environment;
  environment.proxy.https_proxy = "http://env-proxy:1";
  environment.proxy.no_proxy = "internal";
  auto options = prefect_collector_options(flags, environment, files({}));
  ASSERT_TRUE(options) << options.error().message;
  EXPECT_EQ(options->proxy.proxy_url, "http://proxy:3128");
  EXPECT_EQ(options->proxy.https_proxy, "http://env-proxy:1");
  EXPECT_EQ(options->proxy.no_proxy, "internal");
  EXPECT_TRUE(options->client.csrf);
  EXPECT_EQ(options->model.tag_labels, (std::vector<std::string>{"env", "team"}));
  EXPECT_EQ(options->model.tag_values_per_label, 5u);
  EXPECT_FALSE(parse({}).prefect_csrf);
  EXPECT_EQ(parse({}).prefect_tag_values_limit, 20u);
}

TEST(PrefectSetup, RefusesATagLabelThatCannotFormALabelName) {
  auto options = prefect_collector_options(parse({"--prefect.tag-labels=env,cost-center"}), {}, files({}));
  ASSERT_FALSE(options);
  EXPECT_NE(options.error().message.find("--prefect.tag-labels: \"cost-center\" cannot follow tag_"), std::string::npos)
      << options.error().message;
}

TEST(PrefectSetup, RefusesAProxyUrlItCannotUse) {
  Logger logger(LogLevel::error);
  try {
    make_prefect_collector(parse({"--prefect.proxy-url=socks5://proxy:1080"}), logger);
    ADD_FAILURE() << "a socks5 proxy must stop the start";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("--prefect.proxy-url"), std::string::npos) << error.what();
  }
}

TEST(PrefectSetup, TheEventStreamIsOnUnlessTurnedOffAndVerifiesTlsAsThePollsDo) {
  auto on = prefect_collector_options(parse({}), {}, files({}));
  ASSERT_TRUE(on);
  EXPECT_TRUE(on->events);
  EXPECT_TRUE(on->event_stream.verify_tls);
  auto off = prefect_collector_options(parse({"--no-prefect.events", "--prefect.tls-insecure-skip-verify"}), {},
                                       files({}));
  ASSERT_TRUE(off);
  EXPECT_FALSE(off->events);
  EXPECT_FALSE(off->event_stream.verify_tls);
  // Events carry no tags flowgate reads: with tag labels the flow-run families move at the poll.
  auto tagged = prefect_collector_options(parse({"--prefect.tag-labels=env"}), {}, files({}));
  ASSERT_TRUE(tagged);
  EXPECT_FALSE(tagged->events);
}

TEST(PrefectSetup, PollTimeoutMayExceedThePollInterval) {
  // A slow poll delays the next one (the scheduler never overlaps them); it is not a failure.
  auto options = prefect_collector_options(parse({"--prefect.poll-interval=1s"}), {}, files({}));
  ASSERT_TRUE(options);
  EXPECT_EQ(options->poll_timeout, 1min);
}

TEST(PrefectSetup, SecretsComeFromTheEnvironmentWhenNoFileIsGiven) {
  auto options = prefect_collector_options(parse({}), {"pnu_key", "admin:pass", {}}, files({}));
  ASSERT_TRUE(options);
  EXPECT_EQ(options->api_key, "pnu_key");
  EXPECT_EQ(options->auth_string, "admin:pass");
}

TEST(PrefectSetup, SecretFilesWinOverTheEnvironmentAndLoseTheirNewline) {
  auto flags = parse({"--prefect.api-key-file=/run/key", "--prefect.auth-string-file=/run/auth"});
  auto options = prefect_collector_options(flags, {"env_key", "env:auth", {}},
                                           files({{"/run/key", "pnu_file\n"}, {"/run/auth", " u:p \r\n"}}));
  ASSERT_TRUE(options);
  EXPECT_EQ(options->api_key, "pnu_file");
  EXPECT_EQ(options->auth_string, "u:p");
}

TEST(PrefectSetup, UnreadableOrEmptySecretFileIsAnErrorNamingTheFlagNotTheSecret) {
  auto unreadable = prefect_collector_options(parse({"--prefect.api-key-file=/nope"}), {"env_key", "", {}}, files({}));
  ASSERT_FALSE(unreadable);
  EXPECT_EQ(unreadable.error().message, "cannot read --prefect.api-key-file /nope");
  auto empty = prefect_collector_options(parse({"--prefect.auth-string-file=/e"}), {}, files({{"/e", "\n"}}));
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().message, "--prefect.auth-string-file /e is empty");
}

TEST(PrefectSetup, CredentialsInTheApiUrlAreRefusedWithoutEchoingThem) {
  auto options = prefect_collector_options(parse({"--prefect.api-url=http://admin:s3cret@p:4200/api"}), {},
                                           files({}));
  ASSERT_FALSE(options);
  EXPECT_EQ(options.error().message.find("s3cret"), std::string::npos);
  EXPECT_NE(options.error().message.find("--prefect.auth-string-file"), std::string::npos);
  EXPECT_TRUE(prefect_collector_options(parse({"--prefect.api-url=http://p:4200/api/a@b"}), {}, files({})));
}

TEST(PrefectSetup, CompatModeReadsTheExportersVariablesWithItsDefaultsAndPrecedence) {
  auto defaults = prefect_collector_options(parse({"--prefect.compat-prefecthq"}), {"key", "u:p"}, files({}));
  ASSERT_TRUE(defaults) << defaults.error().message;
  const auto& compat = defaults->model.compat;
  EXPECT_TRUE(compat.enabled);
  EXPECT_EQ(compat.offset, 3min);  // its code's default (its README says 5)
  EXPECT_EQ(compat.failed_offset, 10080min);
  EXPECT_EQ(compat.failed_limit, 10u);
  EXPECT_FALSE(compat.flow_run_name_label);
  EXPECT_EQ(defaults->plan.page_size, 200u);
  EXPECT_EQ(defaults->api_key, "key");
  EXPECT_TRUE(defaults->auth_string.empty());  // the exporter's bearer header wins over basic

  PrefectEnvironment environment{"", "u:p"};
  environment.offset_minutes = "60";
  environment.pagination_limit = "50";
  environment.failed_runs_offset_minutes = "0";
  environment.failed_runs_limit = "3";
  environment.enable_flow_run_name_label = "True";
  auto set = prefect_collector_options(parse({"--prefect.compat-prefecthq"}), environment, files({}));
  ASSERT_TRUE(set) << set.error().message;
  EXPECT_EQ(set->model.compat.offset, 60min);
  EXPECT_EQ(set->model.compat.failed_offset, 0min);
  EXPECT_EQ(set->model.compat.failed_limit, 3u);
  EXPECT_TRUE(set->model.compat.flow_run_name_label);
  EXPECT_EQ(set->plan.page_size, 50u);
  EXPECT_EQ(set->auth_string, "u:p");

  environment.enable_flow_run_name_label = "true";  // the exporter compares with "True" only
  EXPECT_FALSE(prefect_collector_options(parse({"--prefect.compat-prefecthq"}), environment, files({}))
                   ->model.compat.flow_run_name_label);
}

TEST(PrefectSetup, CompatModeRefusesUnreadableNumbersNamingTheVariable) {
  struct Case {
    std::string name;
    std::string PrefectEnvironment::*variable;
    std::string value;
    std::string most;
  };
  for (const auto& [name, variable, value, most] :
       {Case{"OFFSET_MINUTES", &PrefectEnvironment::offset_minutes, "5m", "525600"},
        Case{"PAGINATION_LIMIT", &PrefectEnvironment::pagination_limit, "500", "200"},
        Case{"FAILED_RUNS_LIMIT", &PrefectEnvironment::failed_runs_limit, "-1", "10000"}}) {
    PrefectEnvironment environment;
    environment.*variable = value;
    auto options = prefect_collector_options(parse({"--prefect.compat-prefecthq"}), environment, files({}));
    ASSERT_FALSE(options) << name;
    EXPECT_EQ(options.error().message,
              "$" + name + "='" + value + "' is not a whole number from 0 to " + most + " (read with --prefect.compat-prefecthq)");
  }
  PrefectEnvironment ignored;
  ignored.offset_minutes = "soon";  // read only in compat mode
  EXPECT_TRUE(prefect_collector_options(parse({}), ignored, files({})));
}

TEST(PrefectSetup, CompatModeWithoutAnApiUrlPollsTheExportersDefault) {
  EXPECT_EQ(parse({"--prefect.compat-prefecthq"}, "").prefect_api_url, "http://localhost:4200/api");
  EXPECT_EQ(parse({"--prefect.compat-prefecthq"}, "http://p:4200/api").prefect_api_url, "http://p:4200/api");
  EXPECT_EQ(parse({"--prefect.compat-prefecthq", "--prefect.api-url="}, "").prefect_api_url, "");
  EXPECT_EQ(parse({}, "").prefect_api_url, "");
}

TEST(PrefectSetup, NoApiUrlMeansNoCollector) {
  Logger logger(LogLevel::error);
  EXPECT_EQ(make_prefect_collector(parse({}, ""), logger), nullptr);
}

TEST(PrefectSetup, MisconfigurationsStopTheStartWithTheFlagsName) {
  Logger logger(LogLevel::error);
  EXPECT_THROW(make_prefect_collector(parse({"--prefect.api-url=ftp://p/api"}), logger), std::runtime_error);
  try {
    make_prefect_collector(parse({"--prefect.flows-include=("}), logger);
    ADD_FAILURE() << "a regex that does not compile must throw";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("--prefect.flows-include"), std::string::npos) << error.what();
  }
}

TEST(PrefectSetup, TheCollectorIsNamedPrefectAndPollsOnTheFlagsInterval) {
  Logger logger(LogLevel::error);
  auto collector = make_prefect_collector(parse({"--prefect.poll-interval=7s"}), logger);
  ASSERT_NE(collector, nullptr);
  EXPECT_EQ(collector->name(), "prefect");
  EXPECT_EQ(collector->interval(), 7s);
}

}  // namespace
}  // namespace flowgate::exporter
