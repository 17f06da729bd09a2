#include "collectors/host/host_collector.hpp"

#include <unistd.h>

#include <string>
#include <utility>

#include <statgrab.h>

#include "collectors/host/host_families.hpp"
#include "collectors/host/net_dev.hpp"
#include "collectors/host/statgrab_buffer.hpp"
#include "collectors/proc_file.hpp"
#include "collectors/proc_stat.hpp"

namespace flowgate::collectors {
namespace {

double now_seconds() {
  const std::chrono::duration<double> since_epoch = std::chrono::system_clock::now().time_since_epoch();
  return since_epoch.count();
}

}  // namespace

HostCollector::HostCollector(HostCollectorOptions options)
    : GatheringCollector("host", options.interval),
      options_(std::move(options)),
      mount_points_exclude_(options_.mount_points_exclude, "--collector.filesystem.mount-points-exclude"),
      fs_types_exclude_(options_.fs_types_exclude, "--collector.filesystem.fs-types-exclude"),
      netdev_device_exclude_(options_.netdev_device_exclude, "--collector.netdev.device-exclude"),
      diskstats_device_exclude_(options_.diskstats_device_exclude, "--collector.diskstats.device-exclude") {
  ensure_statgrab_initialised();
}

// All or nothing: a refresh that cannot read one source publishes nothing, so
// a scrape never mixes families from two different moments. A part that is
// off reads nothing.
std::optional<MetricFamilies> HostCollector::gather() const {
  const HostParts& parts = options_.parts;
  MetricFamilies families;
  std::optional<ProcStat> proc_stat;  // /proc/stat: cpu, stat
  if (parts.cpu || parts.stat) {
    const auto text = read_proc_file(options_.procfs + "/stat");
    if (text) proc_stat = parse_proc_stat(*text);
    if (!proc_stat) return std::nullopt;
  }
  if (parts.cpu && !gather_cpu(*proc_stat, families)) return std::nullopt;
  if (parts.stat && !gather_stat(*proc_stat, families)) return std::nullopt;
  if (parts.loadavg) {
    const StatgrabBuffer<sg_load_stats> load(sg_get_load_stats_r);
    if (load.first() == nullptr) return std::nullopt;
    append_load_families(*load.first(), families);
  }
  if (parts.meminfo && !gather_memory(families)) return std::nullopt;
  if (parts.filesystem) {
    const StatgrabBuffer<sg_fs_stats> filesystems(sg_get_fs_stats_r);
    if (!filesystems) return std::nullopt;
    append_filesystem_families(filesystems.entries(), mount_points_exclude_, fs_types_exclude_, options_.rootfs,
                               families);
  }
  if (parts.diskstats) {
    const StatgrabBuffer<sg_disk_io_stats> disks(sg_get_disk_io_stats_r);
    if (!disks) return std::nullopt;
    append_disk_families(disks.entries(), diskstats_device_exclude_, families);
  }
  if (parts.netdev && !gather_network(families)) return std::nullopt;
  if (parts.time) append_time_family(now_seconds(), families);
  return families;
}

bool HostCollector::gather_cpu(const ProcStat& proc_stat, MetricFamilies& families) const {
  const StatgrabBuffer<sg_host_info> host(sg_get_host_info_r);
  if (host.first() == nullptr) return false;
  // libstatgrab and /proc/stat count CPU time in USER_HZ ticks.
  static const double ticks_per_second = static_cast<double>(::sysconf(_SC_CLK_TCK));
  append_cpu_families(proc_stat, ticks_per_second, host.first()->ncpus, families);
  return true;
}

bool HostCollector::gather_stat(const ProcStat& proc_stat, MetricFamilies& families) const {
  const StatgrabBuffer<sg_cpu_stats> cpu(sg_get_cpu_stats_r);
  const StatgrabBuffer<sg_process_stats> processes(sg_get_process_stats_r);
  if (cpu.first() == nullptr || !processes) return false;
  append_kernel_counter_families(*cpu.first(), proc_stat, families);
  append_process_families(proc_stat, processes.entries(), families);
  append_boot_time_family(proc_stat, families);
  return true;
}

bool HostCollector::gather_memory(MetricFamilies& families) const {
  const auto meminfo_text = read_proc_file(options_.procfs + "/meminfo");
  const StatgrabBuffer<sg_mem_stats> memory(sg_get_mem_stats_r);
  const StatgrabBuffer<sg_swap_stats> swap(sg_get_swap_stats_r);
  if (!meminfo_text || memory.first() == nullptr || swap.first() == nullptr) return false;
  append_memory_families(*memory.first(), *swap.first(), *meminfo_text, families);
  return true;
}

bool HostCollector::gather_network(MetricFamilies& families) const {
  const auto net_dev_text = read_proc_file(options_.procfs + "/net/dev");
  const StatgrabBuffer<sg_network_io_stats> interfaces(sg_get_network_io_stats_r);
  if (!net_dev_text || !interfaces) return false;
  append_network_families(interfaces.entries(), parse_net_dev_drops(*net_dev_text), netdev_device_exclude_, families);
  return true;
}

}  // namespace flowgate::collectors
