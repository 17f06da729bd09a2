#pragma once
// Turns one refresh's raw readings into node_exporter-named families. Pure
// apart from the statvfs() behind node_filesystem_readonly, so tests can feed
// hand-made libstatgrab structs through the same filters.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <prometheus/metric_family.h>
#include <statgrab.h>

#include "collectors/host/net_dev.hpp"
#include "collectors/name_filter.hpp"
#include "collectors/proc_stat.hpp"

namespace flowgate::collectors {

using MetricFamilies = std::vector<prometheus::MetricFamily>;

// node_cpu_seconds_total{cpu,mode}, node_cpu_guest_seconds_total{cpu,mode}
// and flowgate_host_cpus.
void append_cpu_families(const ProcStat& stat, double ticks_per_second, unsigned logical_cpus,
                         MetricFamilies& out);

// node_context_switches_total and node_intr_total (libstatgrab), and
// node_forks_total (/proc/stat).
void append_kernel_counter_families(const sg_cpu_stats& cpu, const ProcStat& stat, MetricFamilies& out);

// node_load1, node_load5, node_load15.
void append_load_families(const sg_load_stats& load, MetricFamilies& out);

// node_memory_{MemTotal,MemFree,MemAvailable,Cached,Buffers,SwapTotal,SwapFree}_bytes;
// the two libstatgrab lacks come from the text of /proc/meminfo.
void append_memory_families(const sg_mem_stats& memory, const sg_swap_stats& swap,
                            std::string_view meminfo, MetricFamilies& out);

// A mount point as the host sees it when its root is mounted at `rootfs`
// (node_exporter's --path.rootfs, e.g. /host in a container): the prefix
// taken off ("/host/var" is "/var", "/host" is "/"); nullopt for a mount
// outside it (the container's own). "/" keeps every mount point as it is.
std::optional<std::string> mount_point_under(std::string_view mount_point, std::string_view rootfs);

// node_filesystem_*{device,fstype,mountpoint}, skipping mounts outside
// `rootfs`, excluded mount points (as the host sees them) and types, and
// repeated mounts of the same device, type and point.
void append_filesystem_families(std::span<const sg_fs_stats> filesystems, const NameFilter& mount_points_exclude,
                                const NameFilter& fs_types_exclude, std::string_view rootfs, MetricFamilies& out);

// node_disk_{read,written}_bytes_total{device}, skipping excluded devices.
void append_disk_families(std::span<const sg_disk_io_stats> disks, const NameFilter& device_exclude,
                          MetricFamilies& out);

// node_network_{receive,transmit}_{bytes,packets,errs,drop}_total{device} and
// node_network_transmit_colls_total, skipping excluded devices; drops come
// from /proc/net/dev and are left out for a device it does not list.
void append_network_families(std::span<const sg_network_io_stats> interfaces, std::span<const NetDevDrops> drops,
                             const NameFilter& device_exclude, MetricFamilies& out);

// node_procs_running, node_procs_blocked (kernel counts of runnable and
// blocked tasks) and flowgate_host_processes{state} (libstatgrab's states).
void append_process_families(const ProcStat& stat, std::span<const sg_process_stats> processes,
                             MetricFamilies& out);

// node_boot_time_seconds (node_exporter's stat collector has it).
void append_boot_time_family(const ProcStat& stat, MetricFamilies& out);

// node_time_seconds.
void append_time_family(double now_seconds, MetricFamilies& out);

}  // namespace flowgate::collectors
