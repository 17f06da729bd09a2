#pragma once
// A child process for tests that run real peers (the Pushgateway, Prometheus,
// our own binary). The destructor always stops it, so a failing assertion
// never leaves a server behind. Not thread-safe; one owner.

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace flowgate::test_support {

class ChildProcess {
 public:
  // Starts argv[0] (searched in PATH) with its output appended to
  // `log_path` when given, else inherited. Throws std::runtime_error when the
  // program cannot be started.
  static ChildProcess start(const std::vector<std::string>& argv, const std::string& log_path = {});

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  bool running();

  // SIGTERM, then SIGKILL once `grace` has passed; returns the exit status as
  // waitpid reports it (or -1 when it was not running). Idempotent.
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(5));

 private:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  pid_t pid_ = -1;
  int status_ = -1;
};

}  // namespace flowgate::test_support
