#pragma once
// A small fixed pool of threads for password checks (bcrypt: tens of
// milliseconds of CPU each), so they never run on the HTTP threads. The queue
// is bounded: when `max_waiting` jobs already wait, submit() refuses the job
// at once instead of queueing it, so a flood of bad passwords costs a bounded
// amount of memory and waiting. The destructor lets running jobs finish, then
// destroys the jobs still waiting without running them. Thread-safe.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace flowgate::exporter {

class PasswordVerifier {
 public:
  // `threads` at least 1.
  PasswordVerifier(unsigned threads, std::size_t max_waiting);
  ~PasswordVerifier();
  PasswordVerifier(const PasswordVerifier&) = delete;
  PasswordVerifier& operator=(const PasswordVerifier&) = delete;

  // Runs `job` on one of the pool's threads; false (and `job` dropped) when
  // the queue is full. A job must not throw.
  bool submit(std::function<void()> job);
  std::size_t max_waiting() const { return max_waiting_; }

 private:
  void work();

  const std::size_t max_waiting_;
  std::mutex mutex_;  // guards jobs_ and stopping_
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace flowgate::exporter
