#include <gtest/gtest.h>

#include <sstream>

#include "exporter/flag_help.hpp"
#include "exporter/flags.hpp"

namespace flowgate::exporter {
namespace {

boost::system::result<Flags, FlagError> parse(std::initializer_list<std::string_view> args) {
  std::vector<std::string_view> list(args);
  return parse_flags(list);
}

TEST(Flags, DefaultsMatchThePushgatewayWherePresent) {
  auto flags = parse({});
  ASSERT_TRUE(flags);
  EXPECT_EQ(flags->listen_addresses, std::vector<std::string>{":9091"});
  EXPECT_EQ(flags->telemetry_path, "/metrics");
  EXPECT_EQ(flags->route_prefix, "");
  EXPECT_EQ(flags->persistence_interval, std::chrono::minutes(5));
  EXPECT_EQ(flags->persistence_file, "data/flowgate.db");
  EXPECT_EQ(flags->max_body_bytes, std::size_t{64} << 20);
  EXPECT_TRUE(flags->collector_host);
  EXPECT_FALSE(flags->enable_lifecycle);
}

TEST(Flags, ConnectionCapPerAddressAndBodyBudgetTakeZeroForNoLimit) {
  auto defaults = parse({});
  ASSERT_TRUE(defaults);
  EXPECT_EQ(defaults->max_connections_per_ip, 64u);
  EXPECT_EQ(defaults->max_inflight_body_bytes, std::size_t{256} << 20);
  EXPECT_EQ(defaults->values.at("web.max-inflight-body-bytes"), "268435456");
  auto set = parse({"--web.max-connections-per-ip=0", "--web.max-inflight-body-bytes=1GiB"});
  ASSERT_TRUE(set);
  EXPECT_EQ(set->max_connections_per_ip, 0u);
  EXPECT_EQ(set->max_inflight_body_bytes, std::size_t{1} << 30);
  EXPECT_FALSE(parse({"--web.max-inflight-body-bytes=lots"}));
  EXPECT_FALSE(parse({"--web.max-connections-per-ip=-1"}));
}

TEST(Flags, AcceptsEqualsAndSeparateValue) {
  auto flags = parse({"--web.telemetry-path=/a", "--log.level", "debug"});
  ASSERT_TRUE(flags);
  EXPECT_EQ(flags->telemetry_path, "/a");
  EXPECT_EQ(flags->log_level, LogLevel::debug);
}

TEST(Flags, RepeatedListenAddressReplacesTheDefault) {
  auto flags = parse({"--web.listen-address=127.0.0.1:0", "--web.listen-address", "[::1]:9091"});
  ASSERT_TRUE(flags);
  EXPECT_EQ(flags->listen_addresses, (std::vector<std::string>{"127.0.0.1:0", "[::1]:9091"}));
}

TEST(Flags, BooleansTakeNoPrefixAndExplicitValues) {
  auto flags = parse({"--no-collector.host", "--web.enable-lifecycle", "--web.enable-admin-api=false"});
  ASSERT_TRUE(flags);
  EXPECT_FALSE(flags->collector_host);
  EXPECT_TRUE(flags->enable_lifecycle);
  EXPECT_FALSE(flags->enable_admin_api);
}

TEST(Flags, EmptyPersistenceFileMeansMemoryOnly) {
  auto flags = parse({"--persistence.file="});
  ASSERT_TRUE(flags);
  EXPECT_EQ(flags->persistence_file, "");
}

TEST(Flags, RoutePrefixDefaultsToPathOfExternalUrl) {
  auto flags = parse({"--web.external-url=https://example.com/push/gw/"});
  ASSERT_TRUE(flags);
  EXPECT_EQ(flags->route_prefix, "/push/gw");
}

TEST(Flags, RoutePrefixIsNormalized) {
  auto flags = parse({"--web.route-prefix=pg/", "--web.external-url=https://x/other"});
  ASSERT_TRUE(flags);
  EXPECT_EQ(flags->route_prefix, "/pg");
  EXPECT_EQ(parse({"--web.route-prefix=/"})->route_prefix, "");
}

TEST(Flags, UnknownFlagIsAnErrorNamingIt) {
  auto flags = parse({"--web.listen-adress=:1"});
  ASSERT_FALSE(flags);
  EXPECT_EQ(flags.error().message, "unknown long flag '--web.listen-adress'");
}

TEST(Flags, MissingValueIsAnError) {
  auto flags = parse({"--log.level"});
  ASSERT_FALSE(flags);
  EXPECT_EQ(flags.error().message, "expected argument for flag '--log.level'");
}

TEST(Flags, InvalidEnumValueIsAnError) {
  EXPECT_FALSE(parse({"--log.level=verbose"}));
  EXPECT_FALSE(parse({"--log.format=xml"}));
}

TEST(Flags, NoPrefixOnANonBooleanIsUnknown) { EXPECT_FALSE(parse({"--no-log.level"})); }

TEST(Flags, PrefectUrlDefaultsToTheEnvironment) {
  std::vector<std::string_view> none;
  auto flags = parse_flags(none, "http://prefect:4200/api");
  ASSERT_TRUE(flags);
  EXPECT_EQ(flags->prefect_api_url, "http://prefect:4200/api");
}

TEST(Flags, DurationsCombineUnits) {
  std::chrono::milliseconds d{};
  ASSERT_TRUE(parse_duration("1h30m", d));
  EXPECT_EQ(d, std::chrono::minutes(90));
  ASSERT_TRUE(parse_duration("250ms", d));
  EXPECT_EQ(d, std::chrono::milliseconds(250));
  ASSERT_TRUE(parse_duration("1d", d));
  EXPECT_EQ(d, std::chrono::hours(24));
  EXPECT_FALSE(parse_duration("5", d));
  EXPECT_FALSE(parse_duration("m", d));
  EXPECT_FALSE(parse_duration("5 m", d));
}

TEST(Flags, ByteSizesAreBase2) {
  std::size_t n = 0;
  ASSERT_TRUE(parse_byte_size("64MiB", n));
  EXPECT_EQ(n, std::size_t{64} << 20);
  ASSERT_TRUE(parse_byte_size("1KB", n));
  EXPECT_EQ(n, 1024u);
  ASSERT_TRUE(parse_byte_size("512", n));
  EXPECT_EQ(n, 512u);
  EXPECT_FALSE(parse_byte_size("12XB", n));
  EXPECT_FALSE(parse({"--push.max-body-bytes=0"}));
}

TEST(Flags, PushLimitsDefaultFarAboveANormalDeployment) {
  auto flags = parse({});
  ASSERT_TRUE(flags);
  EXPECT_EQ(flags->max_labels_per_series, 64u);
  EXPECT_EQ(flags->max_grouping_labels, 32u);
  EXPECT_EQ(flags->max_label_name_bytes, 256u);
  EXPECT_EQ(flags->max_label_value_bytes, 8192u);
  EXPECT_EQ(flags->max_series_per_push, 100'000u);
  EXPECT_EQ(flags->max_series_per_group, 100'000u);
  EXPECT_EQ(flags->max_groups, 100'000u);
  EXPECT_EQ(flags->max_store_bytes, std::size_t{4} << 30);
  EXPECT_EQ(flags->values.at("push.max-store-bytes"), std::to_string(std::size_t{4} << 30));
}

TEST(Flags, PushLimitsTakeCountsAndByteSizesAndZeroTurnsThemOff) {
  auto flags = parse({"--push.max-labels-per-series=10", "--push.max-grouping-labels", "0",
                      "--push.max-label-name-bytes=1KiB", "--push.max-label-value-bytes=64", "--push.max-series-per-push=5",
                      "--push.max-series-per-group=6", "--push.max-groups=7", "--push.max-store-bytes=1GiB"});
  ASSERT_TRUE(flags);
  EXPECT_EQ(flags->max_labels_per_series, 10u);
  EXPECT_EQ(flags->max_grouping_labels, 0u);
  EXPECT_EQ(flags->max_label_name_bytes, 1024u);
  EXPECT_EQ(flags->max_label_value_bytes, 64u);
  EXPECT_EQ(flags->max_series_per_push, 5u);
  EXPECT_EQ(flags->max_series_per_group, 6u);
  EXPECT_EQ(flags->max_groups, 7u);
  EXPECT_EQ(flags->max_store_bytes, std::size_t{1} << 30);
  EXPECT_EQ(flags->values.at("push.max-groups"), "7");
  EXPECT_FALSE(parse({"--push.max-groups=-1"}));
  EXPECT_FALSE(parse({"--push.max-labels-per-series=many"}));
  EXPECT_FALSE(parse({"--push.max-store-bytes=4TB"}));
}

TEST(Flags, HelpListsEveryFlagWithItsDefault) {
  std::string help = help_text();
  auto flags = parse({});
  ASSERT_TRUE(flags);
  for (const auto& [name, value] : flags->values) {
    EXPECT_NE(help.find(name), std::string::npos) << name;
  }
  EXPECT_NE(help.find("(default: :9091)"), std::string::npos);
  EXPECT_NE(help.find("--[no-]collector.host"), std::string::npos);
}

// A flag's value default is Flags' member initializer and --help spells it in
// the flag's row: giving every flag the default --help shows changes nothing.
TEST(Flags, HelpShowsTheDefaultEachFlagStartsWith) {
  const std::string help = help_text();
  std::vector<std::string> given;  // "--name=default"
  std::istringstream lines(help);
  std::string name;
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("  --")) {
      name = line.substr(4, line.find_first_of("= ", 4) - 4);
      if (name.starts_with("[no-]")) name.erase(0, 5);
    } else if (!line.starts_with("      (default: ")) {
      continue;  // a help sentence
    }
    const auto at = line.find("(default: ");
    // Two defaults come from elsewhere (the environment, another flag).
    if (at == std::string::npos || name == "prefect.api-url" || name == "prefect.state-file") continue;
    std::string text = line.substr(at + 10, line.size() - at - 11);
    given.push_back("--" + name + "=" + (text == "\"\"" ? "" : text));
  }
  ASSERT_GT(given.size(), 40u);
  std::vector<std::string_view> args(given.begin(), given.end());
  auto explicit_defaults = parse_flags(args);
  auto defaults = parse({});
  ASSERT_TRUE(explicit_defaults) << explicit_defaults.error().message;
  ASSERT_TRUE(defaults);
  EXPECT_EQ(explicit_defaults->values, defaults->values);
}

TEST(Flags, StatusValuesListEveryFlag) {
  auto flags = parse({"--web.listen-address=a:1", "--web.listen-address=b:2"});
  ASSERT_TRUE(flags);
  EXPECT_EQ(flags->values.at("web.listen-address"), "a:1,b:2");
  EXPECT_EQ(flags->values.at("persistence.interval"), "5m0s");  // Go's Duration.String(), as the Pushgateway shows it
}

TEST(Flags, StatusValuesSpellDurationsAsGoDoes) {
  auto flags = parse({"--persistence.interval=1h30m", "--web.read-header-timeout=1500ms", "--web.idle-timeout=250ms"});
  ASSERT_TRUE(flags);
  EXPECT_EQ(flags->values.at("persistence.interval"), "1h30m0s");
  EXPECT_EQ(flags->values.at("web.read-header-timeout"), "1.5s");
  EXPECT_EQ(flags->values.at("web.idle-timeout"), "250ms");
}

TEST(Flags, HelpIsWrappedToTheWidthAskedFor) {
  for (std::size_t width : {80u, 120u}) {
    std::istringstream lines(help_text({width, {}}));
    std::size_t count = 0;
    for (std::string line; std::getline(lines, line); ++count) {
      // Only a single word longer than a line (a default regular expression) may run over.
      std::string_view rest(line);
      rest.remove_prefix(line.find_first_not_of(' '));
      if (rest.starts_with("(default: ")) rest.remove_prefix(10);
      if (line.size() > width) {
        EXPECT_EQ(rest.find(' '), std::string::npos) << line;
      }
    }
    EXPECT_GT(count, 100u);
  }
}

TEST(Flags, HelpShowsTheEnvironmentsPrefectUrlAsTheValueItIs) {
  EXPECT_NE(help_text({80, "http://prefect:4200/api"}).find("(default: http://prefect:4200/api (from $PREFECT_API_URL))"),
            std::string::npos);
  EXPECT_NE(help_text({80, {}}).find("(default: \"\" ($PREFECT_API_URL when set))"), std::string::npos);
}

TEST(Flags, AnInvalidValueSaysWhatWasExpected) {
  const std::pair<const char*, const char*> cases[] = {
      {"--push.group-ttl=soon", "invalid value 'soon' for flag '--push.group-ttl': expected a duration such as 0, 30s"},
      {"--prefect.poll-interval=0s", "expected a positive duration"},
      {"--web.enable-lifecycle=yes", "expected true or false"},
      {"--push.max-body-bytes=4TB", "expected a positive size such as 1048576, 512KiB"},
      {"--log.level=loud", "expected one of debug, info, warn, error"},
      {"--push.max-groups=-1", "expected a whole number"},
  };
  for (const auto& [flag, message] : cases) {
    std::vector<std::string_view> args{flag};
    const auto parsed = parse_flags(args);
    ASSERT_FALSE(parsed) << flag;
    EXPECT_NE(parsed.error().message.find(message), std::string::npos) << parsed.error().message;
  }
}

TEST(Flags, ADurationOfZeroNeedsNoUnitAsInPrometheus) {
  const auto flags = parse({"--push.group-ttl=0", "--otlp.series-ttl=0"});
  ASSERT_TRUE(flags);
  EXPECT_EQ(flags->group_ttl.count(), 0);
  EXPECT_EQ(flags->values.at("otlp.series-ttl"), "0s");
}

TEST(Flags, CollectorsTurnOnAndOffAsNodeExportersDo) {
  auto flags = parse({"--no-collector.filesystem", "--path.rootfs=/host", "--path.procfs=/host/proc",
                      "--path.sysfs=/host/sys"});
  ASSERT_TRUE(flags);
  EXPECT_FALSE(flags->host_parts.filesystem);
  EXPECT_TRUE(flags->host_parts.cpu);
  EXPECT_TRUE(flags->collector_process);
  EXPECT_EQ(flags->path_rootfs, "/host");
  EXPECT_EQ(flags->path_procfs, "/host/proc");
  EXPECT_EQ(flags->values.at("collector.filesystem"), "false");

  flags = parse({"--collector.disable-defaults", "--collector.cpu", "--collector.netdev"});
  ASSERT_TRUE(flags);
  EXPECT_TRUE(flags->collector_host) << "a host part named turns the host collector on";
  EXPECT_TRUE(flags->host_parts.cpu);
  EXPECT_TRUE(flags->host_parts.netdev);
  EXPECT_FALSE(flags->host_parts.meminfo);
  EXPECT_FALSE(flags->host_parts.filesystem);
  EXPECT_FALSE(flags->collector_process);

  flags = parse({"--collector.disable-defaults", "--collector.process"});
  ASSERT_TRUE(flags);
  EXPECT_TRUE(flags->collector_process);
  EXPECT_FALSE(flags->collector_host);
  EXPECT_FALSE(flags->host_parts.any());
}

TEST(Flags, TheManPageAndCompletionsNameEveryFlag) {
  const std::string man = man_page("1.2.3");
  EXPECT_TRUE(man.starts_with(".TH FLOWGATE 1")) << man.substr(0, 80);
  const std::string bash = completion_script(Shell::bash);
  const std::string zsh = completion_script(Shell::zsh);
  EXPECT_NE(bash.find("complete -o default -F _flowgate flowgate"), std::string::npos);
  EXPECT_TRUE(zsh.starts_with("#compdef flowgate"));
  auto flags = parse({});
  ASSERT_TRUE(flags);
  for (const auto& [name, value] : flags->values) {
    std::string roff_name;
    for (char c : name) roff_name += c == '-' ? std::string("\\-") : std::string(1, c);
    EXPECT_NE(man.find(roff_name), std::string::npos) << name;
    EXPECT_NE(bash.find("--" + name + " "), std::string::npos) << name;
    EXPECT_NE(zsh.find("--" + name + " "), std::string::npos) << name;
  }
  EXPECT_NE(bash.find("--no-collector.host "), std::string::npos);
}

}  // namespace
}  // namespace flowgate::exporter
