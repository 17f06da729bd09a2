#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <stdexcept>

#include <prometheus/metric_family.h>

#include "exporter/collector_scheduler.hpp"
#include "exporter/scrape_handler.hpp"
#include "exporter/self_metrics.hpp"
#include "pushgw/group_store.hpp"

namespace flowgate::exporter {
namespace {

// Publishes one gauge; its refresh fails, or throws when told to.
class FailingCollector final : public collectors::Collector {
 public:
  explicit FailingCollector(bool throws) : throws_(throws) {}
  std::string_view name() const override { return "failing"; }
  std::chrono::milliseconds interval() const override { return std::chrono::hours(1); }
  bool refresh() override {
    ++refreshes;
    if (throws_) throw std::runtime_error("bug in a collector");
    return false;
  }
  double last_duration_seconds() const override { return 0.25; }
  bool last_success() const override { return false; }
  std::vector<prometheus::MetricFamily> Collect() const override {
    prometheus::MetricFamily family;
    family.name = "failing_last_value";
    family.help = "The value published before the failure.";
    family.type = prometheus::MetricType::Gauge;
    prometheus::ClientMetric metric;
    metric.gauge.value = 7;
    family.metric.push_back(metric);
    return {family};
  }
  std::atomic<int> refreshes{0};

 private:
  bool throws_;
};

std::string scrape(const ScrapeHandler& handler) {
  std::string out;
  for (auto piece : handler.render(exposition::Format::text).pieces) out += piece;
  return out;
}

// Blocks in refresh() until cancelled: a Prefect API that never answers.
class HangingCollector final : public collectors::Collector {
 public:
  std::string_view name() const override { return "hanging"; }
  std::chrono::milliseconds interval() const override { return std::chrono::hours(1); }
  bool refresh() override {
    std::unique_lock lock(mutex_);
    refreshing_ = true;
    changed_.notify_all();
    changed_.wait(lock, [this] { return cancelled_; });
    return false;
  }
  void cancel() override {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
    changed_.notify_all();
  }
  void wait_until_refreshing() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return refreshing_; });
  }
  double last_duration_seconds() const override { return 0; }
  bool last_success() const override { return false; }
  std::vector<prometheus::MetricFamily> Collect() const override { return {}; }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool refreshing_ = false;
  bool cancelled_ = false;
};

TEST(CollectorScheduler, RefreshesAtOnceOnItsOwnThreadAndReportsTheOutcome) {
  FailingCollector collector(false);
  SelfMetrics self;
  CollectorScheduler scheduler({&collector}, [&self](const collectors::Collector& c) {
    self.set_collector_result(c.name(), c.last_success(), c.last_duration_seconds());
  });
  scheduler.start();
  scheduler.stop();  // joins: the first refresh has run
  EXPECT_EQ(collector.refreshes.load(), 1);

  pushgw::GroupStore store(pushgw::StoreOptions{});
  ScrapeHandler handler(store, {&collector}, self);
  std::string body = scrape(handler);
  EXPECT_NE(body.find("flowgate_scrape_collector_success{collector=\"failing\"} 0\n"), std::string::npos) << body;
  EXPECT_NE(body.find("flowgate_scrape_collector_duration_seconds{collector=\"failing\"} 0.25\n"),
            std::string::npos);
  // The last published values are still served: a failing collector never fails a scrape.
  EXPECT_NE(body.find("failing_last_value 7\n"), std::string::npos);
}

// start() never waits for a refresh (the listener opens right after it), and
// stop() cancels the one in progress instead of waiting for it: neither call
// returns otherwise, so the test would hang.
TEST(CollectorScheduler, StartDoesNotWaitForAHangingRefreshAndStopCancelsIt) {
  HangingCollector collector;
  int reports = 0;
  CollectorScheduler scheduler({&collector}, [&reports](const collectors::Collector&) { ++reports; });
  scheduler.start();
  collector.wait_until_refreshing();
  scheduler.stop();
  EXPECT_EQ(reports, 1);
}

TEST(CollectorScheduler, AThrowingCollectorDoesNotTakeTheSchedulerDown) {
  FailingCollector collector(true);
  int reports = 0;
  CollectorScheduler scheduler({&collector}, [&reports](const collectors::Collector&) { ++reports; });
  scheduler.start();
  scheduler.stop();
  EXPECT_EQ(reports, 1);
}

TEST(CollectorScheduler, StopWakesThreadsWaitingForTheirInterval) {
  FailingCollector collector(false);
  CollectorScheduler scheduler({&collector}, {});
  scheduler.start();
  scheduler.stop();  // returns although the next refresh is an hour away
  EXPECT_EQ(collector.refreshes.load(), 1);
}

}  // namespace
}  // namespace flowgate::exporter
