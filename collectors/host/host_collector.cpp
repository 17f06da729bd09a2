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
// a scrape never mixes families from two different moments.
std::optional<MetricFamilies> HostCollector::gather() const {
  const auto proc_stat_text = read_proc_file(options_.procfs + "/stat");
  const auto meminfo_text = read_proc_file(options_.procfs + "/meminfo");
  const auto net_dev_text = read_proc_file(options_.procfs + "/net/dev");
  if (!proc_stat_text || !meminfo_text || !net_dev_text) return std::nullopt;
  const auto proc_stat = parse_proc_stat(*proc_stat_text);
  if (!proc_stat) return std::nullopt;

  const StatgrabBuffer<sg_host_info> host(sg_get_host_info_r);
  const StatgrabBuffer<sg_cpu_stats> cpu(sg_get_cpu_stats_r);
  const StatgrabBuffer<sg_load_stats> load(sg_get_load_stats_r);
  const StatgrabBuffer<sg_mem_stats> memory(sg_get_mem_stats_r);
  const StatgrabBuffer<sg_swap_stats> swap(sg_get_swap_stats_r);
  const StatgrabBuffer<sg_fs_stats> filesystems(sg_get_fs_stats_r);
  const StatgrabBuffer<sg_disk_io_stats> disks(sg_get_disk_io_stats_r);
  const StatgrabBuffer<sg_network_io_stats> interfaces(sg_get_network_io_stats_r);
  const StatgrabBuffer<sg_process_stats> processes(sg_get_process_stats_r);
  if (host.first() == nullptr || cpu.first() == nullptr || load.first() == nullptr || memory.first() == nullptr ||
      swap.first() == nullptr || !filesystems || !disks || !interfaces || !processes) {
    return std::nullopt;
  }

  // libstatgrab and /proc/stat count CPU time in USER_HZ ticks.
  static const double ticks_per_second = static_cast<double>(::sysconf(_SC_CLK_TCK));
  MetricFamilies families;
  append_cpu_families(*proc_stat, ticks_per_second, host.first()->ncpus, families);
  append_kernel_counter_families(*cpu.first(), *proc_stat, families);
  append_load_families(*load.first(), families);
  append_memory_families(*memory.first(), *swap.first(), *meminfo_text, families);
  append_filesystem_families(filesystems.entries(), mount_points_exclude_, fs_types_exclude_, families);
  append_disk_families(disks.entries(), diskstats_device_exclude_, families);
  const auto drops = parse_net_dev_drops(*net_dev_text);
  append_network_families(interfaces.entries(), drops, netdev_device_exclude_, families);
  append_process_families(*proc_stat, processes.entries(), families);
  append_time_families(*proc_stat, now_seconds(), families);
  return families;
}

}  // namespace flowgate::collectors
