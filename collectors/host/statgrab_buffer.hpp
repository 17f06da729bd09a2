#pragma once
// Ownership of libstatgrab results. flowgate calls only the re-entrant
// sg_get_*_r functions, which hand the caller a buffer it must release with
// sg_free_stats_buf; StatgrabBuffer does that. libstatgrab itself is
// initialised once per process (sg_init is reference counted and its state
// per-thread, so any thread may then call the _r functions).

#include <cstddef>
#include <memory>
#include <span>

namespace flowgate::collectors {

// Calls sg_init once per process; later calls do nothing. Thread-safe.
void ensure_statgrab_initialised();

struct StatgrabFree {
  void operator()(void* buffer) const;
};

template <typename Stats>
class StatgrabBuffer {
 public:
  // Takes one sg_get_*_r function, calls it and owns what it returns.
  explicit StatgrabBuffer(Stats* (*get)(std::size_t*)) {
    std::size_t count = 0;
    data_.reset(get(&count));
    count_ = data_ ? count : 0;
  }

  // False when libstatgrab reported an error.
  explicit operator bool() const { return data_ != nullptr; }
  std::span<const Stats> entries() const { return {data_.get(), count_}; }
  // The single entry of the one-struct results (load, memory, swap, host).
  const Stats* first() const { return count_ > 0 ? data_.get() : nullptr; }

 private:
  std::unique_ptr<Stats, StatgrabFree> data_;
  std::size_t count_ = 0;
};

}  // namespace flowgate::collectors
