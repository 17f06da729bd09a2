#include "exporter/collector_scheduler.hpp"

namespace flowgate::exporter {

CollectorScheduler::CollectorScheduler(std::vector<collectors::Collector*> collectors, RefreshObserver on_refresh)
    : collectors_(std::move(collectors)), on_refresh_(std::move(on_refresh)) {}

CollectorScheduler::~CollectorScheduler() { stop(); }

void CollectorScheduler::start() {
  for (auto* collector : collectors_) {
    threads_.emplace_back([this, collector] { run(*collector); });
  }
}

void CollectorScheduler::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  // A refresh in progress (a Prefect API that does not answer) must not hold the stop.
  for (auto* collector : collectors_) collector->cancel();
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

void CollectorScheduler::refresh_once(collectors::Collector& collector) {
  // A collector's failure is a value (false); an exception would be a bug
  // in it, and must not take the exporter down with it.
  try {
    collector.refresh();
  } catch (...) {
  }
  if (on_refresh_) on_refresh_(collector);
}

void CollectorScheduler::run(collectors::Collector& collector) {
  // The first refresh runs at once, on this thread: a slow or unreachable
  // source (a Prefect API that never answers) delays nothing else.
  refresh_once(collector);
  auto next = std::chrono::steady_clock::now() + collector.interval();
  while (true) {
    {
      std::unique_lock lock(mutex_);
      if (wake_.wait_until(lock, next, [this] { return stopping_; })) return;
    }
    refresh_once(collector);
    next += collector.interval();
    auto now = std::chrono::steady_clock::now();
    if (next < now) next = now;
  }
}

}  // namespace flowgate::exporter
