#pragma once
// Runs each collector's refresh() on its own interval on a thread of its own
// (never on the I/O threads), so a slow or failing collector delays nobody
// but itself. After every refresh it reports the outcome through `on_refresh`
// (the exporter turns it into flowgate_scrape_collector_*). stop() (or the
// destructor) wakes and joins the threads.

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "collectors/collector.hpp"

namespace flowgate::exporter {

class CollectorScheduler {
 public:
  using RefreshObserver = std::function<void(const collectors::Collector&)>;

  CollectorScheduler(std::vector<collectors::Collector*> collectors, RefreshObserver on_refresh);
  ~CollectorScheduler();
  CollectorScheduler(const CollectorScheduler&) = delete;
  CollectorScheduler& operator=(const CollectorScheduler&) = delete;

  // Starts one thread per collector, which refreshes it at once and then
  // every interval; returns without waiting for any refresh (the exporter
  // serves before its collectors have answered: scrapes lack their families
  // until then).
  void start();
  void stop();

 private:
  void run(collectors::Collector& collector);
  void refresh_once(collectors::Collector& collector);

  std::vector<collectors::Collector*> collectors_;
  RefreshObserver on_refresh_;
  std::mutex mutex_;  // guards stopping_
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace flowgate::exporter
