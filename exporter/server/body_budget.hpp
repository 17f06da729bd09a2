#pragma once
// The bytes of request bodies all connections together may hold in memory
// (--web.max-inflight-body-bytes). A request reserves its body before reading
// it (Content-Length at once, a chunked body chunk by chunk) and gives the
// bytes back when its reservation is destroyed, so a budget that is spent
// means "answer 503 now", never "allocate and hope". Thread-safe.

#include <atomic>
#include <cstddef>

namespace flowgate::exporter {

class BodyBudget;

// One request's share of a budget, empty at first; gives it all back when
// destroyed. The budget must outlive it.
class BodyReservation {
 public:
  explicit BodyReservation(BodyBudget& budget) : budget_(budget) {}
  BodyReservation(const BodyReservation&) = delete;
  BodyReservation& operator=(const BodyReservation&) = delete;
  ~BodyReservation();

  // Takes `bytes` more; false, holding what it held, when the budget has not
  // that much left.
  bool grow(std::size_t bytes);
  // Gives everything back now.
  void release();
  std::size_t bytes() const { return bytes_; }

 private:
  BodyBudget& budget_;
  std::size_t bytes_ = 0;
};

class BodyBudget {
 public:
  // `capacity` 0: no limit (reservations still count, for figures).
  explicit BodyBudget(std::size_t capacity) : capacity_(capacity) {}
  BodyBudget(const BodyBudget&) = delete;
  BodyBudget& operator=(const BodyBudget&) = delete;

  std::size_t capacity() const { return capacity_; }
  std::size_t in_use() const { return in_use_.load(std::memory_order_relaxed); }

 private:
  friend class BodyReservation;
  bool take(std::size_t bytes);
  void give_back(std::size_t bytes) { in_use_.fetch_sub(bytes, std::memory_order_relaxed); }

  const std::size_t capacity_;
  std::atomic<std::size_t> in_use_{0};
};

}  // namespace flowgate::exporter
