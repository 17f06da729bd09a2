#include "collectors/process/process_collector.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "collectors/host/meminfo.hpp"
#include "collectors/proc_file.hpp"
#include "collectors/proc_stat.hpp"
#include "tests/collectors/family_lookup.hpp"
#include "tests/collectors/procfs_link.hpp"

namespace flowgate::collectors {
namespace {

using testing::find_family;
using testing::find_value;

MetricFamilies refreshed() {
  ProcessCollector collector;
  EXPECT_TRUE(collector.refresh());
  return collector.Collect();
}

// /proc/self/status has the same "Name:  value kB" layout as meminfo.
double status_field(std::string_view field) {
  const auto value = meminfo_bytes(read_proc_file("/proc/self/status").value_or(""), field);
  EXPECT_TRUE(value) << field;
  return static_cast<double>(value.value_or(0));
}

double rlimit_soft(int resource) {
  rlimit limit{};
  EXPECT_EQ(::getrlimit(resource, &limit), 0);
  return limit.rlim_cur == RLIM_INFINITY ? static_cast<double>(std::numeric_limits<std::uint64_t>::max())
                                         : static_cast<double>(limit.rlim_cur);
}

TEST(ProcessCollector, PublishesTheClientGolangFamiliesWithTheirTypes) {
  const auto families = refreshed();
  ASSERT_EQ(families.size(), 8u);
  EXPECT_EQ(find_family(families, "process_cpu_seconds_total")->type, prometheus::MetricType::Counter);
  for (const char* gauge :
       {"process_resident_memory_bytes", "process_virtual_memory_bytes", "process_virtual_memory_max_bytes",
        "process_open_fds", "process_max_fds", "process_start_time_seconds", "process_threads"}) {
    const auto* family = find_family(families, gauge);
    ASSERT_NE(family, nullptr) << gauge;
    EXPECT_EQ(family->type, prometheus::MetricType::Gauge) << gauge;
  }
}

TEST(ProcessCollector, MemoryAgreesWithProcSelfStatusWithinTolerance) {
  const auto families = refreshed();
  constexpr double kTolerance = 16.0 * 1024 * 1024;
  EXPECT_NEAR(find_value(families, "process_resident_memory_bytes").value_or(0), status_field("VmRSS"), kTolerance);
  EXPECT_NEAR(find_value(families, "process_virtual_memory_bytes").value_or(0), status_field("VmSize"), kTolerance);
}

TEST(ProcessCollector, ThreadsEqualProcSelfStatus) {
  EXPECT_EQ(find_value(refreshed(), "process_threads"), status_field("Threads"));
}

TEST(ProcessCollector, LimitsEqualGetrlimit) {
  const auto families = refreshed();
  EXPECT_EQ(find_value(families, "process_max_fds"), rlimit_soft(RLIMIT_NOFILE));
  EXPECT_EQ(find_value(families, "process_virtual_memory_max_bytes"), rlimit_soft(RLIMIT_AS));
}

TEST(ProcessCollector, OpenFdsCountsANewlyOpenedDescriptor) {
  ProcessCollector collector;
  ASSERT_TRUE(collector.refresh());
  const auto before = find_value(collector.Collect(), "process_open_fds").value_or(0);
  const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(collector.refresh());
  const auto after = find_value(collector.Collect(), "process_open_fds").value_or(0);
  ::close(fd);
  EXPECT_EQ(after, before + 1);
}

TEST(ProcessCollector, StartTimeLiesBetweenBootAndNow) {
  const auto families = refreshed();
  const auto boot = parse_proc_stat(read_proc_file("/proc/stat").value_or(""));
  ASSERT_TRUE(boot);
  const std::chrono::duration<double> now = std::chrono::system_clock::now().time_since_epoch();
  const auto start = find_value(families, "process_start_time_seconds");
  ASSERT_TRUE(start);
  EXPECT_GE(*start, static_cast<double>(boot->boot_time_seconds));
  EXPECT_LE(*start, now.count() + 1.0);
}

TEST(ProcessCollector, CpuSecondsNeverDecrease) {
  ProcessCollector collector;
  ASSERT_TRUE(collector.refresh());
  const auto first = find_value(collector.Collect(), "process_cpu_seconds_total").value_or(-1);
  volatile double spin = 0;
  for (int i = 0; i < 20'000'000; ++i) spin = spin + std::sqrt(static_cast<double>(i));
  ASSERT_TRUE(collector.refresh());
  const auto second = find_value(collector.Collect(), "process_cpu_seconds_total").value_or(-1);
  EXPECT_GE(first, 0.0);
  EXPECT_GE(second, first);
}

TEST(ProcessCollector, KeepsThePreviousFamiliesWhenProcfsDisappears) {
  const testing::ProcfsLink procfs;
  ProcessCollector collector({.procfs = procfs.path()});
  ASSERT_TRUE(collector.refresh());
  procfs.remove();
  EXPECT_FALSE(collector.refresh());
  EXPECT_FALSE(collector.last_success());
  EXPECT_EQ(collector.Collect().size(), 8u);
}

TEST(ProcessCollector, PublishesNothingWhenProcfsIsMissing) {
  ProcessCollector collector({.procfs = "/nonexistent-procfs"});
  EXPECT_FALSE(collector.refresh());
  EXPECT_TRUE(collector.Collect().empty());
}

}  // namespace
}  // namespace flowgate::collectors
