#pragma once
// What the host collector gathers and how often. The exclude patterns are
// read by NameFilter (collectors/name_filter.hpp); the defaults are
// node_exporter 1.5's.

#include <chrono>
#include <string>

namespace flowgate::collectors {

struct HostCollectorOptions {
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
  std::chrono::milliseconds interval{15'000};
};

}  // namespace flowgate::collectors
