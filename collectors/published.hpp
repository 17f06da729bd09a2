#pragma once
// A value that one thread replaces while any thread reads it: an immutable T
// behind a shared_ptr, copied out under a mutex held only for the reference
// count bump. A reader keeps what it loaded for as long as it holds it and
// never waits for a writer's work, only for another pointer copy. This, not
// std::atomic<std::shared_ptr>, is how flowgate publishes state (the rule and
// why: README.md, Development). Thread-safe.

#include <memory>
#include <mutex>
#include <utility>

namespace flowgate::collectors {

template <typename T>
class Published {
 public:
  explicit Published(std::shared_ptr<const T> initial = std::make_shared<const T>()) : pointer_(std::move(initial)) {}
  Published(const Published&) = delete;
  Published& operator=(const Published&) = delete;

  std::shared_ptr<const T> load() const {
    std::lock_guard lock(mutex_);
    return pointer_;
  }
  // The replaced value is released after the lock.
  void store(std::shared_ptr<const T> next) {
    {
      std::lock_guard lock(mutex_);
      pointer_.swap(next);
    }
  }

 private:
  mutable std::mutex mutex_;  // guards pointer_ (the pointer, not the value, which is immutable)
  std::shared_ptr<const T> pointer_;
};

}  // namespace flowgate::collectors
