#include "collectors/name_filter.hpp"

#include <stdexcept>

#include <gtest/gtest.h>

#include "collectors/host/host_collector_options.hpp"

namespace flowgate::collectors {
namespace {

TEST(NameFilter, ExcludesWhenThePatternMatchesAnywhereInTheName) {
  const NameFilter filter("docker", "--flag");
  EXPECT_TRUE(filter.excludes("/var/lib/docker/overlay"));
  EXPECT_FALSE(filter.excludes("/var/lib/containers"));
}

TEST(NameFilter, HonoursAnchors) {
  const NameFilter filter("^lo$", "--flag");
  EXPECT_TRUE(filter.excludes("lo"));
  EXPECT_FALSE(filter.excludes("lo0"));
  EXPECT_FALSE(filter.excludes("eth0"));
}

TEST(NameFilter, DefaultMountPointPatternKeepsRootAndRunButNotCredentials) {
  const NameFilter filter(HostCollectorOptions{}.mount_points_exclude, "--flag");
  EXPECT_FALSE(filter.excludes("/"));
  EXPECT_FALSE(filter.excludes("/run"));
  EXPECT_FALSE(filter.excludes("/device-data"));
  EXPECT_TRUE(filter.excludes("/dev"));
  EXPECT_TRUE(filter.excludes("/proc/sys/fs/binfmt_misc"));
  EXPECT_TRUE(filter.excludes("/run/credentials/getty.service"));
}

TEST(NameFilter, RejectsAPatternThatDoesNotCompileNamingTheFlagAndRe2sReason) {
  try {
    NameFilter("(unclosed", "--collector.netdev.device-exclude");
    FAIL() << "no exception";
  } catch (const std::invalid_argument& error) {
    EXPECT_STREQ(error.what(),
                 "--collector.netdev.device-exclude: invalid regular expression \"(unclosed\": missing ): (unclosed");
  }
}

TEST(NameFilter, TakesNodeExportersGoSyntaxAsWritten) {
  const NameFilter any_case("(?i)^lo$", "--flag");
  EXPECT_TRUE(any_case.excludes("LO"));
  EXPECT_TRUE(any_case.excludes("lo"));
  EXPECT_FALSE(any_case.excludes("lo0"));
  const NameFilter classes(R"(^(veth|docker)\d*$|^\pL+\d+\z)", "--flag");
  EXPECT_TRUE(classes.excludes("docker0"));
  EXPECT_TRUE(classes.excludes("eth0"));
  EXPECT_FALSE(classes.excludes("wlp2s0"));
  // Perl-only constructs that Go refuses are refused here too, not read another way.
  EXPECT_THROW(NameFilter("^(?!lo).*", "--flag"), std::invalid_argument);
  EXPECT_THROW(NameFilter(R"((a)\1)", "--flag"), std::invalid_argument);
}

}  // namespace
}  // namespace flowgate::collectors
