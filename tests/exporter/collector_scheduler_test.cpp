#include <gtest/gtest.h>

#include <atomic>
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

TEST(CollectorScheduler, RefreshesBeforeStartReturnsAndReportsTheOutcome) {
  FailingCollector collector(false);
  SelfMetrics self;
  CollectorScheduler scheduler({&collector}, [&self](const collectors::Collector& c) {
    self.set_collector_result(c.name(), c.last_success(), c.last_duration_seconds());
  });
  scheduler.start();
  EXPECT_EQ(collector.refreshes.load(), 1);
  scheduler.stop();

  pushgw::GroupStore store(pushgw::StoreOptions{});
  ScrapeHandler handler(store, {&collector}, self);
  std::string body = scrape(handler);
  EXPECT_NE(body.find("flowgate_scrape_collector_success{collector=\"failing\"} 0\n"), std::string::npos) << body;
  EXPECT_NE(body.find("flowgate_scrape_collector_duration_seconds{collector=\"failing\"} 0.25\n"),
            std::string::npos);
  // The last published values are still served: a failing collector never fails a scrape.
  EXPECT_NE(body.find("failing_last_value 7\n"), std::string::npos);
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
