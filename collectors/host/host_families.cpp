#include "collectors/host/host_families.hpp"

#include <sys/statvfs.h>

#include <array>
#include <set>
#include <string>
#include <tuple>

#include "collectors/host/meminfo.hpp"
#include "collectors/metric_family_builder.hpp"

namespace flowgate::collectors {
namespace {

using prometheus::MetricType;

bool excluded(const NameFilter& exclude, const char* name) {
  return exclude.excludes(name == nullptr ? "" : name);
}

double as_double(unsigned long long value) { return static_cast<double>(value); }

std::string memory_name(std::string_view field) { return "node_memory_" + std::string(field) + "_bytes"; }

void append_memory(std::string_view field, double bytes, MetricFamilies& out) {
  out.push_back(single_sample_family(memory_name(field),
                                     "Memory information field " + std::string(field) + "_bytes.",
                                     MetricType::Gauge, bytes));
}

bool is_read_only(const char* mount_point) {
  struct statvfs info {};
  return ::statvfs(mount_point, &info) == 0 && (info.f_flag & ST_RDONLY) != 0;
}

}  // namespace

void append_cpu_families(const ProcStat& stat, double ticks_per_second, unsigned logical_cpus,
                         MetricFamilies& out) {
  auto seconds = make_family("node_cpu_seconds_total", "Seconds the CPUs spent in each mode.", MetricType::Counter);
  for (const auto& cpu : stat.cpus) {
    for (std::size_t mode = 0; mode < kCpuModes.size(); ++mode) {
      add_sample(seconds, static_cast<double>(cpu.ticks[mode]) / ticks_per_second,
                 {{"cpu", cpu.cpu}, {"mode", std::string(kCpuModes[mode])}});
    }
  }
  out.push_back(std::move(seconds));
  auto guest = make_family("node_cpu_guest_seconds_total", "Seconds the CPUs spent in guests (VMs) for each mode.",
                           MetricType::Counter);
  for (const auto& cpu : stat.cpus) {
    for (std::size_t mode = 0; mode < kCpuGuestModes.size(); ++mode) {
      add_sample(guest, static_cast<double>(cpu.guest_ticks[mode]) / ticks_per_second,
                 {{"cpu", cpu.cpu}, {"mode", std::string(kCpuGuestModes[mode])}});
    }
  }
  out.push_back(std::move(guest));
  // node_exporter has no CPU-count metric (dashboards count the idle series);
  // this one states what libstatgrab reports as online logical CPUs.
  out.push_back(single_sample_family("flowgate_host_cpus", "Number of logical CPUs online.", MetricType::Gauge,
                                     logical_cpus));
}

void append_kernel_counter_families(const sg_cpu_stats& cpu, const ProcStat& stat, MetricFamilies& out) {
  out.push_back(single_sample_family("node_context_switches_total", "Total number of context switches.",
                                     MetricType::Counter, as_double(cpu.context_switches)));
  out.push_back(single_sample_family("node_forks_total", "Total number of forks.", MetricType::Counter,
                                     as_double(stat.forks)));
  out.push_back(single_sample_family("node_intr_total", "Total number of interrupts serviced.", MetricType::Counter,
                                     as_double(cpu.interrupts)));
}

void append_load_families(const sg_load_stats& load, MetricFamilies& out) {
  out.push_back(single_sample_family("node_load1", "1m load average.", MetricType::Gauge, load.min1));
  out.push_back(single_sample_family("node_load5", "5m load average.", MetricType::Gauge, load.min5));
  out.push_back(single_sample_family("node_load15", "15m load average.", MetricType::Gauge, load.min15));
}

void append_memory_families(const sg_mem_stats& memory, const sg_swap_stats& swap,
                            std::string_view meminfo, MetricFamilies& out) {
  append_memory("MemTotal", as_double(memory.total), out);
  // On Linux libstatgrab's `free` is MemFree + Cached (memory_stats.c).
  append_memory("MemFree", as_double(memory.free - memory.cache), out);
  if (const auto available = meminfo_bytes(meminfo, "MemAvailable")) {
    append_memory("MemAvailable", as_double(*available), out);
  }
  append_memory("Cached", as_double(memory.cache), out);
  if (const auto buffers = meminfo_bytes(meminfo, "Buffers")) append_memory("Buffers", as_double(*buffers), out);
  append_memory("SwapTotal", as_double(swap.total), out);
  append_memory("SwapFree", as_double(swap.free), out);
}

std::optional<std::string> mount_point_under(std::string_view mount_point, std::string_view rootfs) {
  while (rootfs.size() > 1 && rootfs.back() == '/') rootfs.remove_suffix(1);
  if (rootfs.empty() || rootfs == "/") return std::string(mount_point);
  if (mount_point == rootfs) return std::string("/");
  if (mount_point.starts_with(rootfs) && mount_point[rootfs.size()] == '/') {
    return std::string(mount_point.substr(rootfs.size()));
  }
  return std::nullopt;
}

void append_filesystem_families(std::span<const sg_fs_stats> filesystems, const NameFilter& mount_points_exclude,
                                const NameFilter& fs_types_exclude, std::string_view rootfs, MetricFamilies& out) {
  auto size = make_family("node_filesystem_size_bytes", "Filesystem size in bytes.", MetricType::Gauge);
  auto free = make_family("node_filesystem_free_bytes", "Filesystem free space in bytes.", MetricType::Gauge);
  auto avail = make_family("node_filesystem_avail_bytes", "Filesystem space available to non-root users in bytes.",
                           MetricType::Gauge);
  auto files = make_family("node_filesystem_files", "Filesystem total file nodes.", MetricType::Gauge);
  auto files_free = make_family("node_filesystem_files_free", "Filesystem total free file nodes.", MetricType::Gauge);
  auto readonly = make_family("node_filesystem_readonly", "Filesystem read-only status.", MetricType::Gauge);

  // A filesystem mounted twice at the same point (bind mounts in
  // containers) would otherwise give duplicate series.
  std::set<std::tuple<std::string, std::string, std::string>> seen;
  for (const auto& fs : filesystems) {
    if (fs.mnt_point == nullptr) continue;
    const auto mount_point = mount_point_under(fs.mnt_point, rootfs);
    if (!mount_point || excluded(mount_points_exclude, mount_point->c_str()) ||
        excluded(fs_types_exclude, fs.fs_type)) {
      continue;
    }
    Labels labels{{"device", fs.device_name == nullptr ? "" : fs.device_name},
                  {"fstype", fs.fs_type == nullptr ? "" : fs.fs_type},
                  {"mountpoint", *mount_point}};
    if (!seen.emplace(labels[0].second, labels[1].second, labels[2].second).second) continue;
    add_sample(size, as_double(fs.size), labels);
    add_sample(free, as_double(fs.free), labels);
    add_sample(avail, as_double(fs.avail), labels);
    add_sample(files, as_double(fs.total_inodes), labels);
    add_sample(files_free, as_double(fs.free_inodes), labels);
    add_sample(readonly, is_read_only(fs.mnt_point) ? 1.0 : 0.0, labels);
  }
  for (auto* family : {&avail, &files, &files_free, &free, &readonly, &size}) out.push_back(std::move(*family));
}

void append_disk_families(std::span<const sg_disk_io_stats> disks, const NameFilter& device_exclude,
                          MetricFamilies& out) {
  auto read = make_family("node_disk_read_bytes_total", "The total number of bytes read successfully.",
                          MetricType::Counter);
  auto written = make_family("node_disk_written_bytes_total", "The total number of bytes written successfully.",
                             MetricType::Counter);
  for (const auto& disk : disks) {
    if (disk.disk_name == nullptr || excluded(device_exclude, disk.disk_name)) continue;
    const Labels labels{{"device", disk.disk_name}};
    add_sample(read, as_double(disk.read_bytes), labels);
    add_sample(written, as_double(disk.write_bytes), labels);
  }
  out.push_back(std::move(read));
  out.push_back(std::move(written));
}

void append_network_families(std::span<const sg_network_io_stats> interfaces, std::span<const NetDevDrops> drops,
                             const NameFilter& device_exclude, MetricFamilies& out) {
  struct Counter {
    const char* statistic;
    unsigned long long sg_network_io_stats::*field;
  };
  static constexpr std::array<Counter, 7> kCounters{{
      {"receive_bytes", &sg_network_io_stats::rx},
      {"receive_packets", &sg_network_io_stats::ipackets},
      {"receive_errs", &sg_network_io_stats::ierrors},
      {"transmit_bytes", &sg_network_io_stats::tx},
      {"transmit_packets", &sg_network_io_stats::opackets},
      {"transmit_errs", &sg_network_io_stats::oerrors},
      {"transmit_colls", &sg_network_io_stats::collisions},
  }};
  auto network_family = [](std::string_view statistic) {
    return make_family("node_network_" + std::string(statistic) + "_total",
                       "Network device statistic " + std::string(statistic) + ".", MetricType::Counter);
  };
  std::vector<prometheus::MetricFamily> families;
  for (const auto& counter : kCounters) families.push_back(network_family(counter.statistic));
  auto receive_drop = network_family("receive_drop");
  auto transmit_drop = network_family("transmit_drop");

  for (const auto& interface : interfaces) {
    if (interface.interface_name == nullptr || excluded(device_exclude, interface.interface_name)) continue;
    const Labels labels{{"device", interface.interface_name}};
    for (std::size_t i = 0; i < kCounters.size(); ++i) {
      add_sample(families[i], as_double(interface.*kCounters[i].field), labels);
    }
    for (const auto& device : drops) {
      if (device.device != interface.interface_name) continue;
      add_sample(receive_drop, as_double(device.receive_drop), labels);
      add_sample(transmit_drop, as_double(device.transmit_drop), labels);
    }
  }
  families.push_back(std::move(receive_drop));
  families.push_back(std::move(transmit_drop));
  for (auto& family : families) out.push_back(std::move(family));
}

void append_process_families(const ProcStat& stat, std::span<const sg_process_stats> processes,
                             MetricFamilies& out) {
  out.push_back(single_sample_family("node_procs_running", "Number of processes in runnable state.",
                                     MetricType::Gauge, as_double(stat.procs_running)));
  out.push_back(single_sample_family("node_procs_blocked", "Number of processes blocked waiting for I/O to complete.",
                                     MetricType::Gauge, as_double(stat.procs_blocked)));

  // Counted here rather than with sg_get_process_count_r, which reads its
  // argument as the wrong type and crashes in libstatgrab 0.92.1.
  static constexpr std::array<const char*, 5> kStates = {"running", "sleeping", "stopped", "zombie", "unknown"};
  std::array<double, kStates.size()> counts{};
  for (const auto& process : processes) {
    const auto state = static_cast<std::size_t>(process.state);
    ++counts[state < counts.size() ? state : std::size_t{SG_PROCESS_STATE_UNKNOWN}];
  }
  auto by_state = make_family("flowgate_host_processes",
                              "Processes on the host by state, as libstatgrab classifies them.", MetricType::Gauge);
  for (std::size_t i = 0; i < kStates.size(); ++i) add_sample(by_state, counts[i], {{"state", kStates[i]}});
  out.push_back(std::move(by_state));
}

void append_boot_time_family(const ProcStat& stat, MetricFamilies& out) {
  out.push_back(single_sample_family("node_boot_time_seconds", "Node boot time, in unixtime.", MetricType::Gauge,
                                     as_double(stat.boot_time_seconds)));
}

void append_time_family(double now_seconds, MetricFamilies& out) {
  out.push_back(single_sample_family("node_time_seconds", "System time in seconds since epoch (1970).",
                                     MetricType::Gauge, now_seconds));
}

}  // namespace flowgate::collectors
