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

TEST(NameFilter, RejectsAPatternThatDoesNotCompileNamingTheFlag) {
  try {
    NameFilter("(unclosed", "--collector.netdev.device-exclude");
    FAIL() << "no exception";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("--collector.netdev.device-exclude"), std::string::npos);
  }
}

}  // namespace
}  // namespace flowgate::collectors
