#pragma once
// What every collector is: a prometheus::Collectable that refreshes on its own
// timer (refresh() is called by the exporter's scheduler, never by a scrape)
// and whose Collect() returns the families of its last completed refresh, so a
// scrape never waits on the network, /proc or libstatgrab.

#include <chrono>
#include <string>
#include <string_view>

#include <prometheus/collectable.h>

namespace flowgate::collectors {

class Collector : public prometheus::Collectable {
 public:
  // Short stable name, the `collector` label of flowgate_scrape_collector_*.
  virtual std::string_view name() const = 0;
  // How often the scheduler calls refresh().
  virtual std::chrono::milliseconds interval() const = 0;
  // Gathers fresh values and publishes them atomically; returns false (and
  // keeps publishing the previous values) when the gathering failed. Called
  // from one thread at a time; may block (it runs off the I/O threads).
  virtual bool refresh() = 0;
  // Makes a refresh() in progress on another thread return soon (false),
  // and every later one fail: for shutdown. Collectors that only read local
  // files never wait long and keep this no-op.
  virtual void cancel() {}
  // Seconds the last refresh() took and whether it succeeded.
  virtual double last_duration_seconds() const = 0;
  virtual bool last_success() const = 0;
};

}  // namespace flowgate::collectors
