#include "exporter/server/body_budget.hpp"

namespace flowgate::exporter {

bool BodyBudget::take(std::size_t bytes) {
  std::size_t used = in_use_.load(std::memory_order_relaxed);
  do {
    if (capacity_ != 0 && (bytes > capacity_ || used > capacity_ - bytes)) return false;
  } while (!in_use_.compare_exchange_weak(used, used + bytes, std::memory_order_relaxed));
  return true;
}

BodyReservation::~BodyReservation() { release(); }

void BodyReservation::release() {
  if (bytes_ != 0) budget_.give_back(bytes_);
  bytes_ = 0;
}

bool BodyReservation::grow(std::size_t bytes) {
  if (!budget_.take(bytes)) return false;
  bytes_ += bytes;
  return true;
}

}  // namespace flowgate::exporter
