#include <gtest/gtest.h>

#include "collectors/host/meminfo.hpp"
#include "collectors/host/net_dev.hpp"
#include "collectors/proc_stat.hpp"
#include "collectors/proc_text.hpp"
#include "collectors/process/process_limits.hpp"
#include "collectors/process/process_stat.hpp"

namespace flowgate::collectors {
namespace {

constexpr std::string_view kProcStat =
    "cpu  4194 138 2475 184854 834 0 95 14 0 0\n"
    "cpu0 1208 63 840 94165 42 1 24 6 11 12\n"
    "cpu1 2985 75 1634 90688 792 2 71 7 0 0\n"
    "intr 299734 0 0\n"
    "ctxt 579855\n"
    "btime 1795436390\n"
    "processes 12874\n"
    "procs_running 3\n"
    "procs_blocked 1\n";

TEST(ParseProcStat, ReadsEachCpuInNodeExporterModeOrder) {
  const auto stat = parse_proc_stat(kProcStat);
  ASSERT_TRUE(stat);
  ASSERT_EQ(stat->cpus.size(), 2u);
  EXPECT_EQ(stat->cpus[0].cpu, "0");
  EXPECT_EQ(stat->cpus[1].cpu, "1");
  // user nice system idle iowait irq softirq steal
  const std::array<std::uint64_t, 8> cpu1 = {2985, 75, 1634, 90688, 792, 2, 71, 7};
  EXPECT_EQ(stat->cpus[1].ticks, cpu1);
}

TEST(ParseProcStat, ReadsGuestTimeSeparatelyFromTheEightModes) {
  const auto stat = parse_proc_stat(kProcStat);
  ASSERT_TRUE(stat);
  const std::array<std::uint64_t, 2> guest = {11, 12};
  EXPECT_EQ(stat->cpus[0].guest_ticks, guest);
  EXPECT_EQ(stat->cpus[0].ticks[7], 6u);
}

TEST(ParseProcStat, ReadsBootTimeAndTaskCounts) {
  const auto stat = parse_proc_stat(kProcStat);
  ASSERT_TRUE(stat);
  EXPECT_EQ(stat->boot_time_seconds, 1795436390u);
  EXPECT_EQ(stat->procs_running, 3u);
  EXPECT_EQ(stat->procs_blocked, 1u);
  EXPECT_EQ(stat->forks, 12874u);
}

TEST(ParseProcStat, RejectsTextWithoutBootTime) { EXPECT_FALSE(parse_proc_stat("cpu0 1 2 3 4\n")); }

TEST(ParseProcStat, RejectsNonNumericCpuTicks) {
  EXPECT_FALSE(parse_proc_stat("cpu0 1 x 3 4\nbtime 5\n"));
}

TEST(ParseProcStat, TreatsMissingTrailingModesAsZero) {
  const auto stat = parse_proc_stat("cpu0 1 2 3 4\nbtime 5\n");
  ASSERT_TRUE(stat);
  EXPECT_EQ(stat->cpus[0].ticks[3], 4u);
  EXPECT_EQ(stat->cpus[0].ticks[7], 0u);
}

TEST(MeminfoBytes, ConvertsKibibytesToBytes) {
  constexpr std::string_view kMeminfo =
      "MemTotal:       24684084 kB\nMemAvailable:   22000000 kB\nBuffers:           1234 kB\n"
      "HugePages_Total:       7\n";
  EXPECT_EQ(meminfo_bytes(kMeminfo, "MemAvailable"), 22000000ull * 1024);
  EXPECT_EQ(meminfo_bytes(kMeminfo, "Buffers"), 1234ull * 1024);
  EXPECT_EQ(meminfo_bytes(kMeminfo, "HugePages_Total"), 7u);
}

TEST(MeminfoBytes, MatchesWholeFieldNamesOnly) {
  EXPECT_FALSE(meminfo_bytes("SwapCached:  5 kB\n", "Cached"));
  EXPECT_FALSE(meminfo_bytes("MemTotal: 5 kB\n", "Mem"));
}

TEST(ParseNetDevDrops, ReadsReceiveAndTransmitDropsPerDevice) {
  constexpr std::string_view kNetDev =
      "Inter-|   Receive                                                |  Transmit\n"
      " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls "
      "carrier compressed\n"
      "    lo:    3293      31    0    0    0     0          0         0     3293      31    0    0    0     0       "
      "0          0\n"
      "  eth0: 246542602   10734    1    7    0     0          0         0   789060    7577    0    9    0     0       "
      "0          0\n";
  const auto devices = parse_net_dev_drops(kNetDev);
  ASSERT_EQ(devices.size(), 2u);
  EXPECT_EQ(devices[1].device, "eth0");
  EXPECT_EQ(devices[1].receive_drop, 7u);
  EXPECT_EQ(devices[1].transmit_drop, 9u);
}

TEST(ParseProcessStat, CountsFieldsAfterTheLastParenthesisOfTheCommand) {
  constexpr std::string_view kStat =
      "4242 (a (weird) name) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 7 0 123456 104857600 2560 "
      "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
  const auto stat = parse_process_stat(kStat);
  ASSERT_TRUE(stat);
  EXPECT_EQ(stat->user_ticks, 250u);
  EXPECT_EQ(stat->system_ticks, 50u);
  EXPECT_EQ(stat->threads, 7u);
  EXPECT_EQ(stat->start_ticks, 123456u);
  EXPECT_EQ(stat->virtual_bytes, 104857600u);
  EXPECT_EQ(stat->resident_pages, 2560u);
}

TEST(ParseProcessStat, RejectsATruncatedLine) { EXPECT_FALSE(parse_process_stat("1 (x) S 1 2 3\n")); }

TEST(SoftLimit, ReadsTheSoftColumnAndUnlimitedAsMaxUint64) {
  constexpr std::string_view kLimits =
      "Limit                     Soft Limit           Hard Limit           Units     \n"
      "Max address space         unlimited            unlimited            bytes     \n"
      "Max open files            1024                 1048576              files     \n";
  EXPECT_EQ(soft_limit(kLimits, "Max open files"), 1024.0);
  EXPECT_EQ(soft_limit(kLimits, "Max address space"), 18446744073709551615.0);
  EXPECT_FALSE(soft_limit(kLimits, "Max locked memory"));
}

TEST(SplitFields, DropsRunsOfBlanks) {
  const auto fields = split_fields("  a \t bb  c ");
  ASSERT_EQ(fields.size(), 3u);
  EXPECT_EQ(fields[1], "bb");
}

TEST(ParseU64, RejectsSignsTrailingJunkAndEmptyFields) {
  EXPECT_EQ(parse_u64("42"), 42u);
  EXPECT_FALSE(parse_u64("-1"));
  EXPECT_FALSE(parse_u64("4x"));
  EXPECT_FALSE(parse_u64(""));
}

}  // namespace
}  // namespace flowgate::collectors
