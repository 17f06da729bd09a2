#include "collectors/host/host_collector.hpp"

#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "collectors/host/host_families.hpp"
#include "collectors/host/meminfo.hpp"
#include "collectors/proc_file.hpp"
#include "collectors/proc_stat.hpp"
#include "tests/collectors/family_lookup.hpp"
#include "tests/collectors/procfs_link.hpp"

namespace flowgate::collectors {
namespace {

using testing::find_family;
using testing::find_value;
using testing::label_values;

MetricFamilies refreshed(HostCollectorOptions options = {}) {
  HostCollector collector(std::move(options));
  EXPECT_TRUE(collector.refresh());
  return collector.Collect();
}

ProcStat read_proc_stat() {
  const auto text = read_proc_file("/proc/stat");
  EXPECT_TRUE(text);
  auto stat = parse_proc_stat(text.value_or(""));
  EXPECT_TRUE(stat);
  return stat.value_or(ProcStat{});
}

std::uint64_t read_meminfo(std::string_view field) {
  return meminfo_bytes(read_proc_file("/proc/meminfo").value_or(""), field).value_or(0);
}

TEST(HostCollector, PublishesNothingBeforeTheFirstRefresh) {
  const HostCollector collector({});
  EXPECT_TRUE(collector.Collect().empty());
  EXPECT_FALSE(collector.last_success());
}

TEST(HostCollector, RefreshPublishesTheNodeExporterFamilies) {
  HostCollector collector({});
  ASSERT_TRUE(collector.refresh());
  EXPECT_TRUE(collector.last_success());
  EXPECT_GT(collector.last_duration_seconds(), 0.0);
  const auto families = collector.Collect();
  for (const char* name :
       {"node_cpu_seconds_total", "node_load1", "node_load5", "node_load15", "node_memory_MemTotal_bytes",
        "node_memory_MemFree_bytes", "node_memory_MemAvailable_bytes", "node_memory_Cached_bytes",
        "node_memory_Buffers_bytes", "node_memory_SwapTotal_bytes", "node_memory_SwapFree_bytes",
        "node_filesystem_size_bytes", "node_filesystem_free_bytes", "node_filesystem_avail_bytes",
        "node_filesystem_readonly", "node_filesystem_files", "node_filesystem_files_free",
        "node_disk_read_bytes_total", "node_disk_written_bytes_total", "node_network_receive_bytes_total",
        "node_network_transmit_bytes_total", "node_network_receive_packets_total",
        "node_network_transmit_packets_total", "node_network_receive_errs_total", "node_network_transmit_errs_total",
        "node_network_receive_drop_total", "node_network_transmit_drop_total", "node_procs_running",
        "node_procs_blocked", "node_boot_time_seconds", "node_time_seconds", "flowgate_host_cpus",
        "node_cpu_guest_seconds_total", "node_context_switches_total", "node_forks_total", "node_intr_total",
        "flowgate_host_processes"}) {
    EXPECT_NE(find_family(families, name), nullptr) << name;
  }
}

// --collector.<name>: a part that is off reads nothing (procfs points nowhere,
// which only cpu, stat, meminfo and netdev read) and publishes nothing.
TEST(HostCollector, APartThatIsOffReadsNothingAndPublishesNothing) {
  HostCollectorOptions options;
  options.parts = HostParts{false, false, true, false, false, false, false, true};  // loadavg, time
  options.procfs = "/nonexistent";
  std::vector<std::string> names;
  for (const auto& family : refreshed(options)) names.push_back(family.name);
  EXPECT_EQ(names, (std::vector<std::string>{"node_load1", "node_load5", "node_load15", "node_time_seconds"}));
  options.parts.meminfo = true;
  HostCollector reading_procfs(options);
  EXPECT_FALSE(reading_procfs.refresh()) << "meminfo reads <procfs>/meminfo";
}

TEST(HostCollector, MemTotalEqualsProcMeminfo) {
  const auto families = refreshed();
  EXPECT_EQ(find_value(families, "node_memory_MemTotal_bytes"), static_cast<double>(read_meminfo("MemTotal")));
}

TEST(HostCollector, MemoryGaugesAgreeWithProcMeminfoWithinTolerance) {
  const auto families = refreshed();
  constexpr double kTolerance = 256.0 * 1024 * 1024;
  for (const char* field : {"MemFree", "MemAvailable", "Cached", "Buffers", "SwapTotal", "SwapFree"}) {
    const auto value = find_value(families, "node_memory_" + std::string(field) + "_bytes");
    ASSERT_TRUE(value) << field;
    EXPECT_NEAR(*value, static_cast<double>(read_meminfo(field)), kTolerance) << field;
  }
}

TEST(HostCollector, CpuSecondsLieBetweenTwoReadingsOfProcStat) {
  const auto before = read_proc_stat();
  const auto families = refreshed();
  const auto after = read_proc_stat();
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  ASSERT_EQ(before.cpus.size(), after.cpus.size());
  ASSERT_FALSE(before.cpus.empty());
  for (std::size_t cpu = 0; cpu < before.cpus.size(); ++cpu) {
    for (std::size_t mode = 0; mode < kCpuModes.size(); ++mode) {
      const auto value = find_value(families, "node_cpu_seconds_total",
                                    {{"cpu", before.cpus[cpu].cpu}, {"mode", std::string(kCpuModes[mode])}});
      ASSERT_TRUE(value) << before.cpus[cpu].cpu << " " << kCpuModes[mode];
      EXPECT_GE(*value, static_cast<double>(before.cpus[cpu].ticks[mode]) / ticks);
      EXPECT_LE(*value, static_cast<double>(after.cpus[cpu].ticks[mode]) / ticks);
    }
  }
}

TEST(HostCollector, CpuSeriesCoverEveryOnlineCpuAndNodeExporterMode) {
  const auto families = refreshed();
  const auto cpus = static_cast<std::size_t>(::sysconf(_SC_NPROCESSORS_ONLN));
  const auto cpu_labels = label_values(families, "node_cpu_seconds_total", "cpu");
  EXPECT_EQ(cpu_labels.size(), cpus * kCpuModes.size());
  EXPECT_EQ(std::count(cpu_labels.begin(), cpu_labels.end(), "0"), static_cast<long>(kCpuModes.size()));
  EXPECT_EQ(find_value(families, "flowgate_host_cpus"), static_cast<double>(cpus));
}

TEST(HostCollector, RootFilesystemMatchesStatvfs) {
  const auto families = refreshed();
  struct statvfs root {};
  ASSERT_EQ(::statvfs("/", &root), 0);
  const auto block = static_cast<double>(root.f_frsize);
  EXPECT_EQ(find_value(families, "node_filesystem_size_bytes", {{"mountpoint", "/"}}),
            static_cast<double>(root.f_blocks) * block);
  EXPECT_EQ(find_value(families, "node_filesystem_files", {{"mountpoint", "/"}}), static_cast<double>(root.f_files));
  const auto avail = find_value(families, "node_filesystem_avail_bytes", {{"mountpoint", "/"}});
  ASSERT_TRUE(avail);
  EXPECT_NEAR(*avail, static_cast<double>(root.f_bavail) * block, 1e9);
  EXPECT_EQ(find_value(families, "node_filesystem_readonly", {{"mountpoint", "/"}}),
            (root.f_flag & ST_RDONLY) != 0 ? 1.0 : 0.0);
}

TEST(HostCollector, SkipsPseudoFilesystemsByDefault) {
  const auto families = refreshed();
  for (const auto& fstype : label_values(families, "node_filesystem_size_bytes", "fstype")) {
    EXPECT_TRUE(fstype != "proc" && fstype != "sysfs" && fstype != "devpts" && fstype != "cgroup" &&
                fstype != "cgroup2" && fstype != "devtmpfs")
        << fstype;
  }
  for (const auto& mountpoint : label_values(families, "node_filesystem_size_bytes", "mountpoint")) {
    EXPECT_FALSE(mountpoint.starts_with("/proc") || mountpoint.starts_with("/sys") || mountpoint.starts_with("/dev"))
        << mountpoint;
  }
}

TEST(HostCollector, SkipsTheLoopbackInterfaceByDefault) {
  const auto devices = label_values(refreshed(), "node_network_receive_bytes_total", "device");
  EXPECT_EQ(std::count(devices.begin(), devices.end(), "lo"), 0);
}

TEST(HostCollector, ReportsTheLoopbackInterfaceWhenNotExcluded) {
  HostCollectorOptions options;
  options.netdev_device_exclude = "^$";
  const auto families = refreshed(options);
  EXPECT_TRUE(find_value(families, "node_network_receive_bytes_total", {{"device", "lo"}}));
  EXPECT_TRUE(find_value(families, "node_network_receive_drop_total", {{"device", "lo"}}));
}

TEST(HostCollector, BootTimeIsProcStatBtimeAndTimeIsTheWallClock) {
  const auto families = refreshed();
  EXPECT_EQ(find_value(families, "node_boot_time_seconds"), static_cast<double>(read_proc_stat().boot_time_seconds));
  const std::chrono::duration<double> now = std::chrono::system_clock::now().time_since_epoch();
  const auto time = find_value(families, "node_time_seconds");
  ASSERT_TRUE(time);
  EXPECT_NEAR(*time, now.count(), 5.0);
}

TEST(HostCollector, CountsThisProcessAmongTheHostsProcesses) {
  const auto families = refreshed();
  double processes = 0;
  for (const char* state : {"running", "sleeping", "stopped", "zombie", "unknown"}) {
    processes += find_value(families, "flowgate_host_processes", {{"state", state}}).value_or(0);
  }
  EXPECT_GE(processes, 1.0);
  EXPECT_GE(find_value(families, "node_procs_running").value_or(0), 1.0);
}

TEST(HostCollector, KeepsThePreviousFamiliesWhenARefreshFails) {
  const testing::ProcfsLink procfs;
  HostCollectorOptions options;
  options.procfs = procfs.path();
  HostCollector collector(options);
  ASSERT_TRUE(collector.refresh());
  const auto before = collector.Collect();
  procfs.remove();
  EXPECT_FALSE(collector.refresh());
  EXPECT_FALSE(collector.last_success());
  const auto after = collector.Collect();
  ASSERT_EQ(after.size(), before.size());
  EXPECT_EQ(find_value(after, "node_time_seconds"), find_value(before, "node_time_seconds"));
}

TEST(HostCollector, RejectsAnExcludeRegexThatDoesNotCompile) {
  HostCollectorOptions options;
  options.netdev_device_exclude = "^(lo";
  EXPECT_THROW(HostCollector{options}, std::invalid_argument);
}

TEST(HostCollector, CollectDuringRefreshSeesEitherNothingOrAWholeRefresh) {
  HostCollector collector({});
  std::atomic<bool> done{false};
  std::thread refresher([&] {
    for (int i = 0; i < 5; ++i) collector.refresh();
    done = true;
  });
  std::size_t whole_size = 0;
  while (!done) {
    const auto families = collector.Collect();
    if (families.empty()) continue;
    if (whole_size == 0) whole_size = families.size();
    EXPECT_EQ(families.size(), whole_size);
  }
  refresher.join();
}

// The filters, fed hand-made libstatgrab records.

sg_fs_stats filesystem(const char* device, const char* fstype, const char* mountpoint) {
  sg_fs_stats fs{};
  fs.device_name = const_cast<char*>(device);
  fs.fs_type = const_cast<char*>(fstype);
  fs.mnt_point = const_cast<char*>(mountpoint);
  fs.size = 1000;
  return fs;
}

TEST(FilesystemFamilies, SkipExcludedMountPointsTypesAndRepeatedMounts) {
  const HostCollectorOptions defaults;
  const std::vector<sg_fs_stats> filesystems = {
      filesystem("/dev/vda", "ext4", "/"),
      filesystem("/dev/vda", "ext4", "/"),
      filesystem("tmpfs", "tmpfs", "/dev/shm"),
      filesystem("cgroup", "cgroup", "/cgroup-elsewhere"),
      filesystem("overlay", "overlay", "/mnt/merged"),
      filesystem("/dev/vdb", "xfs", "/var/lib/docker/volumes/x"),
      filesystem("/dev/vdc", "xfs", "/data"),
  };
  MetricFamilies families;
  append_filesystem_families(filesystems, NameFilter(defaults.mount_points_exclude, "mounts"),
                             NameFilter(defaults.fs_types_exclude, "types"), "/", families);
  EXPECT_EQ(label_values(families, "node_filesystem_size_bytes", "mountpoint"),
            (std::vector<std::string>{"/", "/data"}));
}

// --path.rootfs=/host: the host's mounts as the host names them; the
// container's own left out; the excludes match the host's names.
TEST(FilesystemFamilies, UnderARootfsReportOnlyItsMountsWithThePrefixTakenOff) {
  const HostCollectorOptions defaults;
  const std::vector<sg_fs_stats> filesystems = {
      filesystem("overlay", "ext4", "/"),         filesystem("/dev/vda", "ext4", "/host"),
      filesystem("/dev/vdc", "xfs", "/host/data"), filesystem("proc", "ext4", "/host/proc"),
      filesystem("/dev/vdd", "xfs", "/hostile"),
  };
  MetricFamilies families;
  append_filesystem_families(filesystems, NameFilter(defaults.mount_points_exclude, "mounts"),
                             NameFilter(defaults.fs_types_exclude, "types"), "/host/", families);
  EXPECT_EQ(label_values(families, "node_filesystem_size_bytes", "mountpoint"),
            (std::vector<std::string>{"/", "/data"}));
  EXPECT_EQ(mount_point_under("/host", "/host"), "/");
  EXPECT_EQ(mount_point_under("/x", "/"), "/x");
  EXPECT_EQ(mount_point_under("/hostile", "/host"), std::nullopt);
}

sg_disk_io_stats disk(const char* name) {
  sg_disk_io_stats stats{};
  stats.disk_name = const_cast<char*>(name);
  return stats;
}

TEST(DiskFamilies, SkipLoopRamDevicesAndPartitionsByDefault) {
  const HostCollectorOptions defaults;
  const std::vector<sg_disk_io_stats> disks = {disk("loop0"), disk("ram1"),    disk("vda"),      disk("vda1"),
                                               disk("sda2"),  disk("nvme0n1"), disk("nvme0n1p1"), disk("zram0")};
  MetricFamilies families;
  append_disk_families(disks, NameFilter(defaults.diskstats_device_exclude, "disks"), families);
  EXPECT_EQ(label_values(families, "node_disk_read_bytes_total", "device"),
            (std::vector<std::string>{"vda", "nvme0n1", "zram0"}));
}

}  // namespace
}  // namespace flowgate::collectors
