#pragma once
// The flowgate process: the store (restored from and persisted to
// --persistence.file), the collectors and their scheduler, self-metrics, the
// route table and the HTTP server, wired from Flags. main() calls run();
// tests construct an App, start() it on 127.0.0.1:0, and stop() it.
// request_stop() is thread-safe (signals, /-/quit); the rest is for one thread.

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "exporter/flags.hpp"
#include "exporter/log.hpp"

namespace flowgate::exporter {

class App {
 public:
  // Throws std::runtime_error on a start-up misconfiguration (bad web config or
  // authorization file, unreadable persistence file, bad collector regex).
  App(Flags flags, Logger& logger);
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // Binds the listeners and starts serving; throws std::runtime_error when a
  // listen address cannot be bound.
  void start();
  std::vector<std::uint16_t> bound_ports() const;

  // Asks the process to stop (wait_for_stop() returns); safe from any thread.
  void request_stop();
  void wait_for_stop();
  // Graceful: stop accepting, finish exchanges in flight (up to `grace`),
  // stop collectors, persist the store. Idempotent. False when a request
  // handler was still running after the grace period (and one second more):
  // the store is saved, but the App must not be destroyed; run() then exits
  // the process at once.
  bool stop(std::chrono::milliseconds grace = std::chrono::seconds(15));

  // Re-reads --web.config.file, --web.authorization.file and
  // --remote-write.config-file (SIGHUP); a file
  // that does not load leaves its previous version in force, and each
  // outcome is logged.
  void reload_web_config();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The whole program: flags, --help/--version, logging, signals, App. Returns
// the process exit code (0 ok, 1 start-up failure, 2 bad command line).
int run(std::span<const std::string_view> args);

}  // namespace flowgate::exporter
