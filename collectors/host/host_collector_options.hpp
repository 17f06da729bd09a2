#pragma once
// What the host collector gathers and how often. The exclude patterns are
// read by NameFilter (collectors/name_filter.hpp); the defaults are
// node_exporter 1.5's.

#include <chrono>
#include <string>

namespace flowgate::collectors {

// The parts of the host collector, named as node_exporter's collectors
// (--collector.<name>): each can be turned off, and one that is off reads
// nothing (a hanging network filesystem stops only `filesystem`).
struct HostParts {
  bool cpu = true;         // node_cpu_*
  bool stat = true;        // node_context_switches_total, node_intr_total, node_forks_total, node_procs_*,
                           // node_boot_time_seconds, flowgate_host_processes
  bool loadavg = true;     // node_load1, node_load5, node_load15
  bool meminfo = true;     // node_memory_*
  bool filesystem = true;  // node_filesystem_*
  bool diskstats = true;   // node_disk_*
  bool netdev = true;      // node_network_*
  bool time = true;        // node_time_seconds

  bool any() const { return cpu || stat || loadavg || meminfo || filesystem || diskstats || netdev || time; }
};

struct HostCollectorOptions {
  HostParts parts;
  // --collector.filesystem.mount-points-exclude
  std::string mount_points_exclude =
      "^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)";
  // --collector.filesystem.fs-types-exclude
  std::string fs_types_exclude =
      "^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|"
      "iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|"
      "sysfs|tracefs)$";
  // --collector.netdev.device-exclude
  std::string netdev_device_exclude = "^lo$";
  // --collector.diskstats.device-exclude (partitions, ram and loop devices)
  std::string diskstats_device_exclude = "^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\\d+n\\d+p)\\d+$";
  // Where procfs is mounted (node_exporter's --path.procfs); the per-CPU
  // times, the procs_* counts and btime come from <procfs>/stat, MemAvailable
  // and Buffers from <procfs>/meminfo, drops from <procfs>/net/dev.
  std::string procfs = "/proc";
  // Where the host's root is mounted (node_exporter's --path.rootfs): only
  // mounts under it are reported, as the host sees them ("/" : all as they are).
  std::string rootfs = "/";
  std::chrono::milliseconds interval{15'000};
};

}  // namespace flowgate::collectors
