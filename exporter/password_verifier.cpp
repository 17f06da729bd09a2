#include "exporter/password_verifier.hpp"

#include <algorithm>

namespace flowgate::exporter {

PasswordVerifier::PasswordVerifier(unsigned threads, std::size_t max_waiting) : max_waiting_(max_waiting) {
  for (unsigned i = 0; i < std::max(1u, threads); ++i) threads_.emplace_back([this] { work(); });
}

PasswordVerifier::~PasswordVerifier() {
  std::deque<std::function<void()>> unrun;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    unrun.swap(jobs_);
  }
  wake_.notify_all();
  for (auto& thread : threads_) thread.join();
}

bool PasswordVerifier::submit(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || jobs_.size() >= max_waiting_) return false;
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
  return true;
}

void PasswordVerifier::work() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    try {
      job();
    } catch (...) {
      // A job answers its own waiter before anything can throw past it
      // (BasicAuth::check); what still escapes must not end the thread.
    }
  }
}

}  // namespace flowgate::exporter
