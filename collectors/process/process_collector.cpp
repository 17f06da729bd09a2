#include "collectors/process/process_collector.hpp"

#include <dirent.h>
#include <unistd.h>

#include <cstring>
#include <utility>

#include "collectors/metric_family_builder.hpp"
#include "collectors/proc_file.hpp"
#include "collectors/proc_stat.hpp"
#include "collectors/process/process_limits.hpp"
#include "collectors/process/process_stat.hpp"

namespace flowgate::collectors {
namespace {

using prometheus::MetricType;

// Entries of <procfs>/self/fd, which (as in client_golang) include the
// descriptor that reads the directory.
std::optional<double> count_open_fds(const std::string& fd_dir) {
  DIR* dir = ::opendir(fd_dir.c_str());
  if (dir == nullptr) return std::nullopt;
  double count = 0;
  while (const dirent* entry = ::readdir(dir)) {
    if (std::strcmp(entry->d_name, ".") != 0 && std::strcmp(entry->d_name, "..") != 0) ++count;
  }
  ::closedir(dir);
  return count;
}

}  // namespace

ProcessCollector::ProcessCollector(ProcessCollectorOptions options)
    : GatheringCollector("process", options.interval), options_(std::move(options)) {}

std::optional<MetricFamilies> ProcessCollector::gather() const {
  const std::string self = options_.procfs + "/self";
  const auto stat_text = read_proc_file(self + "/stat");
  const auto limits_text = read_proc_file(self + "/limits");
  const auto system_stat_text = read_proc_file(options_.procfs + "/stat");
  if (!stat_text || !limits_text || !system_stat_text) return std::nullopt;
  const auto stat = parse_process_stat(*stat_text);
  const auto system_stat = parse_proc_stat(*system_stat_text);
  const auto max_fds = soft_limit(*limits_text, "Max open files");
  const auto max_address_space = soft_limit(*limits_text, "Max address space");
  const auto open_fds = count_open_fds(self + "/fd");
  if (!stat || !system_stat || !max_fds || !max_address_space || !open_fds) return std::nullopt;

  static const double ticks_per_second = static_cast<double>(::sysconf(_SC_CLK_TCK));
  static const double page_bytes = static_cast<double>(::sysconf(_SC_PAGESIZE));
  const double cpu_seconds = static_cast<double>(stat->user_ticks + stat->system_ticks) / ticks_per_second;
  const double start_seconds =
      static_cast<double>(system_stat->boot_time_seconds) + static_cast<double>(stat->start_ticks) / ticks_per_second;

  MetricFamilies families;
  families.push_back(single_sample_family("process_cpu_seconds_total",
                                          "Total user and system CPU time spent in seconds.", MetricType::Counter,
                                          cpu_seconds));
  families.push_back(single_sample_family("process_max_fds", "Maximum number of open file descriptors.",
                                          MetricType::Gauge, *max_fds));
  families.push_back(single_sample_family("process_open_fds", "Number of open file descriptors.", MetricType::Gauge,
                                          *open_fds));
  families.push_back(single_sample_family("process_resident_memory_bytes", "Resident memory size in bytes.",
                                          MetricType::Gauge,
                                          static_cast<double>(stat->resident_pages) * page_bytes));
  families.push_back(single_sample_family("process_start_time_seconds",
                                          "Start time of the process since unix epoch in seconds.", MetricType::Gauge,
                                          start_seconds));
  families.push_back(single_sample_family("process_threads", "Number of OS threads in the process.",
                                          MetricType::Gauge, static_cast<double>(stat->threads)));
  families.push_back(single_sample_family("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                                          MetricType::Gauge, static_cast<double>(stat->virtual_bytes)));
  families.push_back(single_sample_family("process_virtual_memory_max_bytes",
                                          "Maximum amount of virtual memory available in bytes.", MetricType::Gauge,
                                          *max_address_space));
  return families;
}

}  // namespace flowgate::collectors
