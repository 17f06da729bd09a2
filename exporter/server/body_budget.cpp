#include "exporter/server/body_budget.hpp"

namespace flowgate::exporter {

std::size_t BodyBudget::in_use() const {
  std::lock_guard lock(mutex_);
  return in_use_;
}

bool BodyBudget::take(std::size_t bytes, const std::string& client) {
  std::lock_guard lock(mutex_);
  if (capacity_ != 0 && (bytes > capacity_ || in_use_ > capacity_ - bytes)) return false;
  if (capacity_ != 0 && !client.empty()) {
    const auto found = by_client_.find(client);
    const std::size_t held = found == by_client_.end() ? 0 : found->second;
    if (bytes > client_share() || held > client_share() - bytes) return false;
  }
  in_use_ += bytes;
  if (!client.empty()) by_client_[client] += bytes;
  return true;
}

void BodyBudget::give_back(std::size_t bytes, const std::string& client) {
  std::lock_guard lock(mutex_);
  in_use_ -= bytes;
  if (client.empty()) return;
  if (auto found = by_client_.find(client); found != by_client_.end() && (found->second -= bytes) == 0) {
    by_client_.erase(found);
  }
}

BodyReservation::~BodyReservation() { release(); }

void BodyReservation::release() {
  if (bytes_ != 0) budget_.give_back(bytes_, client_);
  bytes_ = 0;
}

bool BodyReservation::grow(std::size_t bytes) {
  if (!budget_.take(bytes, client_)) return false;
  bytes_ += bytes;
  return true;
}

}  // namespace flowgate::exporter
