#pragma once
// The bytes of request bodies all connections together may hold in memory
// (--web.max-inflight-body-bytes). A request reserves its body before reading
// it (Content-Length at once, a chunked body chunk by chunk) and gives the
// bytes back when its reservation is destroyed, so a budget that is spent
// means "answer 503 now", never "allocate and hope". One client address may
// hold at most a quarter of the budget, so that a few connections declaring
// large bodies and sending nothing cannot spend it for everyone.
// Thread-safe.

#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

namespace flowgate::exporter {

class BodyBudget;

// One request's share of a budget, empty at first; gives it all back when
// destroyed. The budget must outlive it.
class BodyReservation {
 public:
  // `client`: the address whose share it counts against ("" counts against
  // the whole budget only).
  explicit BodyReservation(BodyBudget& budget, std::string client = {}) : budget_(budget), client_(std::move(client)) {}
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
  std::string client_;
  std::size_t bytes_ = 0;
};

class BodyBudget {
 public:
  // `capacity` 0: no limit (reservations still count, for figures).
  explicit BodyBudget(std::size_t capacity) : capacity_(capacity) {}
  BodyBudget(const BodyBudget&) = delete;
  BodyBudget& operator=(const BodyBudget&) = delete;

  std::size_t capacity() const { return capacity_; }
  // What one client address may hold (0: no limit).
  std::size_t client_share() const { return capacity_ / 4; }
  std::size_t in_use() const;

 private:
  friend class BodyReservation;
  bool take(std::size_t bytes, const std::string& client);
  void give_back(std::size_t bytes, const std::string& client);

  const std::size_t capacity_;
  mutable std::mutex mutex_;  // guards in_use_ and by_client_
  std::size_t in_use_ = 0;
  std::unordered_map<std::string, std::size_t> by_client_;
};

}  // namespace flowgate::exporter
